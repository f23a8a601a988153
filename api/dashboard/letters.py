"""The dashboard's «Письма» page: the operator's desk for 59-ФЗ letters that go by post. The page
reads one domain call (workflows/items/letter_desk.py); the DOCX comes with the cookie session;
each button is a form post that calls one domain function (posted, copy by post) and goes back
to the page; a refusal is shown on the page as the domain worded it, and nothing changes."""

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.forms import FOREIGN, desk_caller, read_form
from api.dashboard.render import HEADERS, base_path, render
from api.dashboard.router import DESK_ROLES, ROLE_NAMES, STATUS
from api.dashboard.session import Refused, forget, form_allowed, form_token, viewer
from api.deps import Rt, Session
from api.schemas import MAX_ID
from models import Role
from workflows.core.actors import Actor
from workflows.core.errors import DomainError, Invalid
from workflows.items.letter_desk import LetterDesk, check_read_letter_desk
from workflows.items.letters import check_copy_by_post, check_letter_document, check_mark_posted
from workflows.jobs.runtime import Runtime

router = APIRouter(prefix="/dashboard/letters", include_in_schema=False)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DONE = {
    "posted": "Письмо отмечено отправленным почтой: оно ушло из очереди.",
    "by-post": "Копия письма для почты составлена: она в списке «К отправке почтой».",
}
LetterId = Annotated[int, Path(gt=0, le=MAX_ID)]
Act = Callable[[AsyncSession, Runtime, Actor, int], Awaitable[object]]


def _reason(e: DomainError) -> str:
    return e.reason[:1].upper() + e.reason[1:]


async def _page(
    request: Request,
    s: AsyncSession,
    rt: Runtime,
    actor: Actor,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    """The page; a refusal of the read itself (a role without letters) is the page's error."""
    desk: LetterDesk | None = None
    try:
        desk = await check_read_letter_desk(s, actor=actor, now=rt.clock.now())
    except DomainError as e:
        await s.rollback()
        status, error = STATUS.get(type(e), 400), _reason(e)
    done = DONE.get(request.query_params.get("done", "")) if error is None else None
    return render(
        request,
        "letters.html",
        status,
        who=ROLE_NAMES.get(actor.role, "") if actor.role else "",
        home=actor.role is not Role.recipient,
        social=actor.role in DESK_ROLES or actor.role is Role.recipient,
        desk=desk,
        error=error,
        done=done,
        token=form_token(request),
    )


@router.get("")
async def letters_page(request: Request, s: Session, rt: Rt) -> Response:
    """The desk, or the login form for a visitor without a valid cookie."""
    try:
        # desk=True: an incident officer who opens the page is refused here, not logged out.
        actor = await viewer(request, s, rt, desk=True)
    except Refused as e:
        return forget(request, render(request, "login.html", e.status, error=e.reason))
    if actor is None:
        return render(request, "login.html", 200, error=None)
    return await _page(request, s, rt, actor)


@router.get("/{letter_id}/document")
async def letter_document(request: Request, s: Session, rt: Rt, letter_id: LetterId) -> Response:
    """The letter as a DOCX to print; refusals as short Russian text."""
    try:
        actor = await viewer(request, s, rt, desk=True)
        if actor is None:
            return PlainTextResponse("Войдите в панель: /dashboard", 401, headers=HEADERS)
        filename, content = await check_letter_document(
            s, letter_id=letter_id, actor=actor, now=rt.clock.now()
        )
    except Refused as e:
        return PlainTextResponse(e.reason, e.status, headers=HEADERS)
    except DomainError as e:
        return PlainTextResponse(_reason(e), STATUS.get(type(e), 400), headers=HEADERS)
    # A header is Latin-1: an ASCII name for old clients, the real one as RFC 5987 says.
    disposition = (
        f"attachment; filename=\"letter-{letter_id}.docx\"; filename*=UTF-8''{quote(filename)}"
    )
    return Response(
        content, media_type=DOCX, headers=HEADERS | {"Content-Disposition": disposition}
    )


def _letter_id(text: str) -> int:
    if not text:
        raise Invalid("в форме не указано письмо: обновите страницу и повторите")
    if not text.isdigit() or len(text) > 18 or not 0 < int(text) <= MAX_ID:
        raise Invalid(f"письмо: ожидается номер, получено «{text[:40]}»")
    return int(text)


async def _act(request: Request, s: AsyncSession, rt: Runtime, act: Act, code: str) -> Response:
    """One button: the form checked (session, origin, token), one domain call, back to the page
    with what was done; a refusal re-renders the page with the reason and its status."""
    actor = await desk_caller(request, s, rt)
    if isinstance(actor, Response):
        return actor
    form = await read_form(request, max_fields=4)
    if not form_allowed(request, form.get("token", "")):
        return await _page(request, s, rt, actor, status=403, error=FOREIGN)
    try:
        await act(s, rt, actor, _letter_id(form.get("letter", "")))
    except DomainError as e:
        await s.rollback()
        return await _page(request, s, rt, actor, status=STATUS.get(type(e), 409), error=_reason(e))
    return RedirectResponse(f"{base_path(request)}/letters?done={code}", status_code=303)


async def _posted(s: AsyncSession, rt: Runtime, actor: Actor, letter_id: int) -> None:
    await check_mark_posted(s, letter_id=letter_id, actor=actor, now=rt.clock.now())


async def _by_post(s: AsyncSession, rt: Runtime, actor: Actor, letter_id: int) -> None:
    await check_copy_by_post(s, letter_id=letter_id, actor=actor, now=rt.clock.now())


@router.post("/posted")
async def posted(request: Request, s: Session, rt: Rt) -> Response:
    """«Отправлено почтой»: a printed letter handed to the post leaves the queue."""
    return await _act(request, s, rt, _posted, "posted")


@router.post("/by-post")
async def by_post(request: Request, s: Session, rt: Rt) -> Response:
    """«Отправить почтой»: a bounced e-mail written again for the post, into the queue."""
    return await _act(request, s, rt, _by_post, "by-post")
