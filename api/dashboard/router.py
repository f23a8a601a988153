"""The curator's dashboard: one server-rendered page over the report figures, behind a token login
(session.py); the page, login and logout, and the charts and the items workbook for the page's
filters (view.py), refusals as short Russian text."""

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.figures import get_figures
from api.dashboard.forms import MAX_FORM
from api.dashboard.render import HEADERS, base_path, render
from api.dashboard.session import (
    Refused,
    end_session,
    forget,
    open_session,
    remember,
    same_origin,
    viewer,
)
from api.dashboard.view import (
    CHANNEL_CHOICES,
    DEFAULT_PERIOD,
    KIND_CHOICES,
    View,
    eight_weeks,
    raw_filters,
    resolve_view,
)
from api.deps import Rt, Session
from api.reports.exports import item_list, items_sheet
from api.reports.files import XLSX
from models import Role
from workflows.calendar.periods import PERIOD_HELP
from workflows.core.errors import DomainError, Forbidden, Invalid, NotFound
from workflows.items.letters import LETTER_HANDLERS
from workflows.jobs.runtime import Runtime
from workflows.reports.charts import heatmap_chart, weekly_chart
from workflows.reports.exports import to_xlsx
from workflows.reports.heatmap import get_heatmap, get_weekly_counts
from workflows.reports.rating import MIN_RANKED

router = APIRouter(prefix="/dashboard", include_in_schema=False)

STATUS: dict[type[DomainError], int] = {Invalid: 422, Forbidden: 403, NotFound: 404}
ROLE_NAMES = {
    Role.curator: "куратор",
    Role.head: "руководитель МЦУ",
    Role.admin: "администратор",
    Role.operator: "оператор",
    Role.sector_lead: "руководитель блока",
    Role.glava: "глава муниципалитета",
    Role.pos_officer: "ответственный за ПОС",
}
DESK_ROLES = frozenset({Role.operator, Role.head, Role.admin, Role.sector_lead})  # «Соцсети»
QUICK = (("прошлая неделя", "last-week"), ("эта неделя", "week"), ("месяц", "month"))


@router.get("", response_class=HTMLResponse)
async def dashboard_page(request: Request, s: Session, rt: Rt) -> Response:
    """The page itself, or the login form for a visitor without a valid cookie."""
    try:
        actor = await viewer(request, s, rt, desk=True)
    except Refused as e:
        return forget(request, render(request, "login.html", e.status, error=e.reason))
    if actor is None:
        return render(request, "login.html", 200, error=None)
    if actor.role is Role.recipient:  # an incident officer: the desk is all they may see
        return RedirectResponse(base_path(request) + "/social", status_code=303)
    view = View(actor=actor, raw=raw_filters(request))
    now = rt.clock.now()
    status, error, figures = 200, None, None
    try:
        await resolve_view(s, view, now=now)
        figures = await get_figures(s, view, now=now)
    except DomainError as e:
        status, error = STATUS.get(type(e), 400), e.reason
    return render(
        request,
        "dashboard.html",
        status,
        view=view,
        error=error,
        figures=figures,
        who=ROLE_NAMES.get(actor.role, "") if actor.role else "",
        quick=[(label, code, view.query(period=code)) for label, code in QUICK],
        period_help=PERIOD_HELP,
        chosen=view.raw["period"] or DEFAULT_PERIOD,
        min_ranked=MIN_RANKED,
        regional=actor.municipality_id is None,
        channel_choices=CHANNEL_CHOICES,
        kind_choices=KIND_CHOICES,
        desk=actor.role in DESK_ROLES,
        letters=actor.role in LETTER_HANDLERS,
    )


@router.post("/login")
async def login(request: Request, s: Session, rt: Rt) -> Response:
    """Check the token from the form; on success open a session (its id in the cookie, never the
    token) and go to the page."""
    if not same_origin(request):
        return render(request, "login.html", 403, error="Форма отправлена с чужого сайта.")
    body = await request.body()
    try:
        form = parse_qs(body[:MAX_FORM].decode("utf-8", "replace"), max_num_fields=5)
    except ValueError:
        form = {}
    token = (form.get("token") or [""])[0].strip()
    if not token:
        return render(request, "login.html", 401, error="Введите токен.")
    try:
        session_id = await open_session(s, rt, token)
    except Refused as e:
        return forget(request, render(request, "login.html", e.status, error=e.reason))
    return remember(request, RedirectResponse(base_path(request), status_code=303), session_id)


@router.post("/logout")
async def logout(request: Request, s: Session, rt: Rt) -> Response:
    """End the session: its row goes, so the old cookie opens nothing even if kept."""
    if not same_origin(request):
        return render(request, "login.html", 403, error="Форма отправлена с чужого сайта.")
    await end_session(request, s, rt)
    return forget(request, RedirectResponse(base_path(request), status_code=303))


Draw = Callable[[AsyncSession, View, datetime], Awaitable[bytes]]


async def _serve(
    request: Request,
    s: AsyncSession,
    rt: Runtime,
    draw: Draw,
    media: str = "image/png",
    headers: dict[str, str] | None = None,
) -> Response:
    """A chart (or a file) for the same filters as the page; refusals as short Russian text."""
    try:
        actor = await viewer(request, s, rt)
        if actor is None:
            return PlainTextResponse("Войдите в панель: /dashboard", 401, headers=HEADERS)
        view = View(actor=actor, raw=raw_filters(request))
        now = rt.clock.now()
        await resolve_view(s, view, now=now)
        body = await draw(s, view, now)
    except Refused as e:
        return PlainTextResponse(e.reason, e.status, headers=HEADERS)
    except DomainError as e:
        return PlainTextResponse(e.reason, STATUS.get(type(e), 400), headers=HEADERS)
    return Response(body, media_type=media, headers=HEADERS | (headers or {}))


async def _draw_weekly(s: AsyncSession, view: View, now: datetime) -> bytes:
    assert view.period is not None
    weeks8 = eight_weeks(view.period)
    weeks = await get_weekly_counts(s, scope=view.scope, period=weeks8, now=now)
    title = f"Поступило и отвечено по неделям, {weeks8.label}"
    return await asyncio.to_thread(weekly_chart, weeks, title=title)


async def _draw_heatmap(s: AsyncSession, view: View, now: datetime) -> bytes:
    assert view.period is not None
    cells = await get_heatmap(s, scope=view.scope, period=view.period, now=now)
    title = f"Обращения: сектор × населённый пункт, {view.period.label}"
    return await asyncio.to_thread(heatmap_chart, cells, title=title)


@router.get("/chart/weekly.png")
async def weekly_png(request: Request, s: Session, rt: Rt) -> Response:
    """Received and answered per week, the eight weeks ending with the period."""
    return await _serve(request, s, rt, _draw_weekly)


@router.get("/chart/heatmap.png")
async def heatmap_png(request: Request, s: Session, rt: Rt) -> Response:
    """Sector × locality counts of the period."""
    return await _serve(request, s, rt, _draw_heatmap)


async def _write_items(s: AsyncSession, view: View, now: datetime) -> bytes:
    assert view.period is not None
    out = await item_list(s, scope=view.scope, period=view.period, now=now)
    return await asyncio.to_thread(to_xlsx, [items_sheet(out)], tz=view.tz)


@router.get("/items.xlsx")
async def items_xlsx(request: Request, s: Session, rt: Rt) -> Response:
    """The period's items as a workbook: the whole list the weekly note points to."""
    name = "items-" + re.sub(r"[^A-Za-z0-9_-]", "_", request.query_params.get("period", "week"))
    disposition = {"Content-Disposition": f'attachment; filename="{name[:60]}.xlsx"'}
    return await _serve(request, s, rt, _write_items, XLSX, disposition)
