"""The dashboard's «Соцсети» page: the operator's desk for posts found by monitoring. The page
reads one domain call (workflows/incidents/desk.py); each button is a form post that calls one
domain function (accept, dismiss, split, merge) and goes back to the page; a refusal is shown on
the page as the domain worded it, and nothing changes."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.forms import FOREIGN, desk_caller, read_form
from api.dashboard.render import base_path, render
from api.dashboard.router import ROLE_NAMES, STATUS
from api.dashboard.session import Refused, forget, form_allowed, form_token, viewer
from api.deps import Rt, Session
from models import Municipality
from workflows.core.actors import Actor
from workflows.core.errors import DomainError, Invalid, NotFound
from workflows.incidents.desk import get_desk
from workflows.incidents.handwork import check_merge_incidents, check_split
from workflows.incidents.incidents import check_accept, check_dismiss
from workflows.items.letters import LETTER_HANDLERS
from workflows.items.transitions import STATUS_RU
from workflows.jobs.runtime import Runtime
from workflows.setup.read import get_municipalities

router = APIRouter(prefix="/dashboard/social", include_in_schema=False)

DONE = {
    "accept": "Публикация принята: она добавлена в инцидент (или открыла новый).",
    "dismiss": "Публикация отклонена: она не относится к проблемам муниципалитета.",
    "split": "Публикация отделена: по ней открыт отдельный инцидент.",
    "merge": "Инциденты объединены: публикации перенесены в выбранный инцидент.",
}
OFFICER = "ответственный за инцидент-менеджмент"
Act = Callable[[AsyncSession, Runtime, Actor, dict[str, str]], Awaitable[object]]


def _number(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 18 or int(text) == 0:
        raise Invalid(f"{what}: ожидается номер, получено «{text[:40]}»")
    return int(text)


async def _municipality(s: AsyncSession, actor: Actor, wanted: str) -> Municipality:
    """The caller's own municipality; a regional caller picks one (the first by default)."""
    found = await get_municipalities(s, actor=actor)
    if wanted:
        number = _number(wanted, "муниципалитет")
        found = [m for m in found if m.id == number]
    if not found:
        raise NotFound("Муниципалитет не найден.")
    return found[0]


async def _page(
    request: Request,
    s: AsyncSession,
    actor: Actor,
    *,
    wanted: str,
    status: int = 200,
    error: str | None = None,
) -> Response:
    """The page; a refusal of the read itself (a role that may not decide) is the page's error."""
    municipality, desk, municipalities = None, None, []
    try:
        municipalities = await get_municipalities(s, actor=actor)
        municipality = await _municipality(s, actor, wanted)
        desk = await get_desk(s, actor=actor, municipality_id=municipality.id or 0)
    except DomainError as e:
        status, error = STATUS.get(type(e), 400), e.reason
    tz = ZoneInfo(municipality.tz if municipality else "Europe/Moscow")
    done = DONE.get(request.query_params.get("done", "")) if error is None else None

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M") if moment else "—"

    return render(
        request,
        "social.html",
        status,
        actor=actor,
        who=ROLE_NAMES.get(actor.role, OFFICER) if actor.role else "",
        municipality=municipality,
        municipalities=municipalities if actor.municipality_id is None else [],
        desk=desk,
        error=error,
        done=done,
        when=when,
        status_ru=STATUS_RU,
        letters=actor.role in LETTER_HANDLERS,
        token=form_token(request),
    )


@router.get("")
async def social_page(request: Request, s: Session, rt: Rt) -> Response:
    """The desk, or the login form for a visitor without a valid cookie."""
    try:
        actor = await viewer(request, s, rt, desk=True)
    except Refused as e:
        return forget(request, render(request, "login.html", e.status, error=e.reason))
    if actor is None:
        return render(request, "login.html", 200, error=None)
    return await _page(request, s, actor, wanted=request.query_params.get("municipality", ""))


async def _act(request: Request, s: AsyncSession, rt: Runtime, act: Act, code: str) -> Response:
    """One button: the form checked (session, origin, token), one domain call, back to the page
    with what was done; a refusal re-renders the page with the reason and its status."""
    actor = await desk_caller(request, s, rt)
    if isinstance(actor, Response):
        return actor
    form = await read_form(request, max_fields=8)
    wanted = form.get("municipality", "")
    if not form_allowed(request, form.get("token", "")):
        return await _page(request, s, actor, wanted=wanted, status=403, error=FOREIGN)
    try:
        await act(s, rt, actor, form)
    except DomainError as e:
        await s.rollback()
        reason = e.reason[:1].upper() + e.reason[1:]
        status = STATUS.get(type(e), 400)
        return await _page(request, s, actor, wanted=wanted, status=status, error=reason)
    query = urlencode({k: v for k, v in (("municipality", wanted), ("done", code)) if v})
    return RedirectResponse(f"{base_path(request)}/social?{query}", status_code=303)


async def _accept(s: AsyncSession, rt: Runtime, actor: Actor, form: dict[str, str]) -> None:
    post_id = _number(form.get("post", ""), "публикация")
    await check_accept(s, clock=rt.clock, post_id=post_id, actor=actor)


async def _dismiss(s: AsyncSession, rt: Runtime, actor: Actor, form: dict[str, str]) -> None:
    post_id = _number(form.get("post", ""), "публикация")
    await check_dismiss(s, clock=rt.clock, post_id=post_id, actor=actor)


async def _split(s: AsyncSession, rt: Runtime, actor: Actor, form: dict[str, str]) -> None:
    post_id = _number(form.get("post", ""), "публикация")
    await check_split(s, clock=rt.clock, post_id=post_id, actor=actor)


async def _merge(s: AsyncSession, rt: Runtime, actor: Actor, form: dict[str, str]) -> None:
    item_id = _number(form.get("item", ""), "инцидент")
    if not form.get("into"):
        raise Invalid("Выберите инцидент, с которым объединить.")
    into_id = _number(form["into"], "инцидент, с которым объединить")
    await check_merge_incidents(s, clock=rt.clock, item_id=item_id, into_id=into_id, actor=actor)


@router.post("/accept")
async def accept(request: Request, s: Session, rt: Rt) -> Response:
    """«Это проблема»: the post joins the open incident about it, or opens one."""
    return await _act(request, s, rt, _accept, "accept")


@router.post("/dismiss")
async def dismiss(request: Request, s: Session, rt: Rt) -> Response:
    """«Не относится»: kept as a decision the score learns from."""
    return await _act(request, s, rt, _dismiss, "dismiss")


@router.post("/split")
async def split(request: Request, s: Session, rt: Rt) -> Response:
    """«Отделить»: the post leaves its incident and opens its own."""
    return await _act(request, s, rt, _split, "split")


@router.post("/merge")
async def merge(request: Request, s: Session, rt: Rt) -> Response:
    """One problem opened twice: this incident's posts move to the chosen one."""
    return await _act(request, s, rt, _merge, "merge")
