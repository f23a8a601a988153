"""The curator's dashboard: one server-rendered page over the report figures, behind a token login.

The token typed into the login form is kept in an HttpOnly, SameSite=Strict cookie scoped to
/dashboard and checked on every request, so revoking it ends the session at once. Filters come
as GET parameters, read as plain strings: a bad value is a Russian message on the page, never a
500 nor a JSON error.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Rt, Session
from api.reports.exports import item_list, items_sheet
from api.reports.files import XLSX
from models import Channel, Municipality, Role
from workflows.calendar.periods import PERIOD_HELP, Period, parse_period, week_period
from workflows.core.actors import Actor
from workflows.core.errors import DomainError, Forbidden, Invalid, NotFound
from workflows.items.transitions import CHANNEL_RU
from workflows.jobs.runtime import Runtime
from workflows.reports.charts import heatmap_chart, weekly_chart
from workflows.reports.exports import to_xlsx
from workflows.reports.growth import get_growth
from workflows.reports.heatmap import HeatCell, get_heatmap, get_weekly_counts
from workflows.reports.lists import get_overdue
from workflows.reports.rating import MIN_RANKED, get_rating
from workflows.reports.scope import Scope
from workflows.reports.summary import get_summary
from workflows.setup.read import get_municipalities, get_setup
from workflows.staff.tokens import get_token_actor

router = APIRouter(prefix="/dashboard", include_in_schema=False)

COOKIE = "mcu_dashboard"
COOKIE_AGE = 12 * 3600  # a working day; then the token is typed again
MAX_FORM = 4096
DEFAULT_PERIOD = "last-week"
DEFAULT_TZ = "Europe/Moscow"  # the regional view (all municipalities) counts Moscow days
VIEWERS = frozenset({Role.curator, Role.head, Role.admin, Role.operator, Role.sector_lead})
STATUS: dict[type[DomainError], int] = {Invalid: 422, Forbidden: 403, NotFound: 404}
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form posts send Origin: null
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
ROLE_NAMES = {
    Role.curator: "куратор",
    Role.head: "руководитель МЦУ",
    Role.admin: "администратор",
    Role.operator: "оператор",
    Role.sector_lead: "руководитель блока",
}
STATUS_NAMES = {
    "new": "не распределено",
    "assigned": "назначено",
    "in_progress": "в работе",
    "clarification": "уточнение",
    "reopened": "открыто повторно",
}
QUICK = (("прошлая неделя", "last-week"), ("эта неделя", "week"), ("месяц", "month"))


class Refused(Exception):
    """The login or the cookie is not accepted: 401 for an unknown token, 403 for a role."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


# ---- formatting for the templates ----------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _pct(value: float | None) -> str:
    return "—" if value is None else _num(value * 100) + " %"


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, pct=_pct)
    return env


TEMPLATES = _env()


def _render(request: Request, name: str, status: int, **ctx: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(base=_base(request), **ctx)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")) + "/dashboard"


# ---- who is looking ------------------------------------------------------------------------


async def _check_token(s: AsyncSession, rt: Runtime, token: str) -> Actor:
    """The actor behind a token, if its role may see the dashboard."""
    try:
        actor = await get_token_actor(s, token=token, bootstrap=rt.settings.bootstrap_admin_token)
    except Forbidden as e:
        raise Refused(401, e.reason) from None
    if actor.role is Role.recipient:
        raise Refused(403, "Панель куратора недоступна исполнителям: ваши обращения — в боте МЦУ.")
    if actor.role not in VIEWERS:
        raise Refused(403, "Этой роли панель куратора недоступна.")
    if actor.role is Role.sector_lead and (
        actor.sector_id is None or actor.municipality_id is None
    ):
        raise Refused(403, "Токен руководителя блока должен быть выдан сотруднику с сектором.")
    return actor


async def _viewer(request: Request, s: AsyncSession, rt: Runtime) -> Actor | None:
    token = request.cookies.get(COOKIE)
    return None if token is None else await _check_token(s, rt, token)


def _same_origin(request: Request) -> bool:
    """A browser's form post must come from our own pages (SameSite covers the cookie only)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _forget(request: Request, response: Response) -> Response:
    response.delete_cookie(COOKIE, path=_base(request), httponly=True, samesite="strict")
    return response


# ---- filters -------------------------------------------------------------------------------


@dataclass
class View:
    """What the page shows: the caller, the filters as typed, and what they resolved to."""

    actor: Actor
    raw: dict[str, str]
    period: Period | None = None
    municipalities: list[Municipality] = field(default_factory=list)
    municipality: Municipality | None = None
    sectors: list[tuple[int, str]] = field(default_factory=list)
    sector_id: int | None = None

    @property
    def scope(self) -> Scope:
        if self.actor.municipality_id is not None:  # a bound token never sees past its own
            return Scope((self.actor.municipality_id,), self.sector_id)
        ids = None if self.municipality is None else (self.municipality.id or 0,)
        return Scope(ids, self.sector_id)

    @property
    def sector_name(self) -> str:
        return dict(self.sectors).get(self.sector_id or 0, "")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.municipality.tz if self.municipality else DEFAULT_TZ)

    def query(self, **override: str) -> str:
        """The filters as a query string (the period in its canonical form)."""
        params = {"period": self.period.code if self.period else self.raw.get("period", "")}
        if self.actor.municipality_id is None and self.municipality is not None:
            params["municipality"] = str(self.municipality.id)
        if self.sector_id is not None and self.actor.role is not Role.sector_lead:
            params["sector"] = str(self.sector_id)
        params.update(override)
        return urlencode({k: v for k, v in params.items() if v})


def _raw(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip()[:100] for k in ("period", "municipality", "sector")}


def _int(text: str, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise Invalid(f"{what}: ожидается номер из списка, получено «{text[:40]}»")
    return int(text)


async def _resolve(s: AsyncSession, view: View, *, now: datetime) -> None:
    """Check the filters against what the caller may see; fills the view or raises."""
    actor = view.actor
    view.municipalities = await get_municipalities(s, actor=actor)
    wanted = _int(view.raw["municipality"], "муниципалитет")
    if actor.municipality_id is not None:
        if wanted is not None and wanted != actor.municipality_id:
            raise Forbidden("Нет доступа к этому муниципалитету: токен выдан для другого.")
        wanted = actor.municipality_id
    if wanted is not None:
        found = [m for m in view.municipalities if m.id == wanted]
        if not found:
            raise NotFound(f"Муниципалитет {wanted} не найден.")
        view.municipality = found[0]
        setup = await get_setup(s, municipality_id=wanted)
        view.sectors = [(x["id"], x["name"]) for x in setup["sectors"]]
    try:
        view.period = parse_period(view.raw["period"] or DEFAULT_PERIOD, tz=view.tz, now=now)
    except Invalid as e:
        raise Invalid(e.reason[:1].upper() + e.reason[1:] + ".") from None
    sector = _int(view.raw["sector"], "сектор")
    if actor.role is Role.sector_lead:
        if sector is not None and sector != actor.sector_id:
            raise Forbidden("Руководитель блока видит только свой сектор.")
        sector = actor.sector_id
    if sector is not None:
        if view.municipality is None:
            raise Invalid("Чтобы выбрать сектор, сначала выберите муниципалитет.")
        if sector not in dict(view.sectors):
            raise NotFound(
                f"Сектор {sector} не найден в муниципалитете «{view.municipality.name}»."
            )
    view.sector_id = sector


def _eight_weeks(period: Period) -> Period:
    """The eight Monday-weeks that end with the period's last week."""
    last = week_period(period.last, period.tz)
    first = last.first - timedelta(weeks=7)
    return Period(first, last.last, period.tz, f"{first}..{last.last}")


# ---- figures -------------------------------------------------------------------------------


def _heat_table(cells: Sequence[HeatCell]) -> dict[str, Any]:
    """Sector × locality grid for the HTML table, busiest first, shaded by count."""

    def order(key: Callable[[HeatCell], str]) -> list[str]:
        totals: dict[str, int] = {}
        for c in cells:
            totals[key(c)] = totals.get(key(c), 0) + c.count
        return sorted(totals, key=lambda k: (-totals[k], k))

    sectors, places = order(lambda c: c.sector), order(lambda c: c.locality)
    by = {(c.sector, c.locality): c for c in cells}
    peak = max((c.count for c in cells), default=1)
    rows = []
    for sector in sectors:
        row: list[dict[str, Any] | None] = []
        for place in places:
            c = by.get((sector, place))
            if c is None:
                row.append(None)
                continue
            alpha = round(0.12 + 0.78 * c.count / peak, 2)
            ink = "#fff" if alpha > 0.55 else "#1d2433"
            row.append(
                {
                    "count": c.count,
                    "overdue": c.overdue,
                    "share": c.overdue_share,
                    "style": f"background: rgba(200, 70, 61, {alpha}); color: {ink}",
                }
            )
        total = sum(by[(sector, p)].count for p in places if (sector, p) in by)
        rows.append({"name": sector, "cells": row, "total": total})
    return {"places": places, "rows": rows}


async def _figures(s: AsyncSession, view: View, *, now: datetime) -> dict[str, Any]:
    assert view.period is not None
    scope, period = view.scope, view.period
    growth_week = week_period(period.last, period.tz)
    rating = await get_rating(s, scope=scope, period=period, now=now)
    by_sector = await get_rating(s, scope=scope, period=period, now=now, by="sector")
    people = {r.key: r.name for r in rating}
    sectors = {r.key: r.name for r in by_sector}
    overdue = await get_overdue(s, scope=scope, now=now)
    for row in overdue:
        row["sector"] = sectors.get(row["sector_id"], "—")
        row["assignee"] = people.get(row["assignee_id"], "—")
        row["status_name"] = STATUS_NAMES.get(row["status"], row["status"])
        row["due_local"] = row["due_at"].astimezone(period.tz).strftime("%d.%m.%Y %H:%M")
    summary = await get_summary(s, scope=scope, period=period, now=now)
    channels = " · ".join(f"{CHANNEL_RU[Channel(k)]}: {n}" for k, n in summary.by_channel.items())
    return {
        "summary": summary,
        "channels": channels,
        "rating": rating,
        "by_sector": by_sector,
        "heat": _heat_table(await get_heatmap(s, scope=scope, period=period, now=now)),
        "growth": await get_growth(s, scope=scope, week=growth_week),
        "growth_week": growth_week,
        "overdue": overdue,
        "weeks8": _eight_weeks(period),
    }


# ---- routes --------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def dashboard_page(request: Request, s: Session, rt: Rt) -> Response:
    """The page itself, or the login form for a visitor without a valid cookie."""
    try:
        actor = await _viewer(request, s, rt)
    except Refused as e:
        return _forget(request, _render(request, "login.html", e.status, error=e.reason))
    if actor is None:
        return _render(request, "login.html", 200, error=None)
    view = View(actor=actor, raw=_raw(request))
    now = rt.clock.now()
    status, error, figures = 200, None, None
    try:
        await _resolve(s, view, now=now)
        figures = await _figures(s, view, now=now)
    except DomainError as e:
        status, error = STATUS.get(type(e), 400), e.reason
    return _render(
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
    )


@router.post("/login")
async def login(request: Request, s: Session, rt: Rt) -> Response:
    """Check the token from the form; on success keep it in the cookie and go to the page."""
    if not _same_origin(request):
        return _render(request, "login.html", 403, error="Форма отправлена с чужого сайта.")
    body = await request.body()
    try:
        form = parse_qs(body[:MAX_FORM].decode("utf-8", "replace"), max_num_fields=5)
    except ValueError:
        form = {}
    token = (form.get("token") or [""])[0].strip()
    if not token:
        return _render(request, "login.html", 401, error="Введите токен.")
    try:
        await _check_token(s, rt, token)
    except Refused as e:
        return _forget(request, _render(request, "login.html", e.status, error=e.reason))
    response = RedirectResponse(_base(request), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_AGE,
        path=_base(request),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return _render(request, "login.html", 403, error="Форма отправлена с чужого сайта.")
    return _forget(request, RedirectResponse(_base(request), status_code=303))


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
        actor = await _viewer(request, s, rt)
        if actor is None:
            return PlainTextResponse("Войдите в панель: /dashboard", 401, headers=HEADERS)
        view = View(actor=actor, raw=_raw(request))
        now = rt.clock.now()
        await _resolve(s, view, now=now)
        body = await draw(s, view, now)
    except Refused as e:
        return PlainTextResponse(e.reason, e.status, headers=HEADERS)
    except DomainError as e:
        return PlainTextResponse(e.reason, STATUS.get(type(e), 400), headers=HEADERS)
    return Response(body, media_type=media, headers=HEADERS | (headers or {}))


async def _draw_weekly(s: AsyncSession, view: View, now: datetime) -> bytes:
    assert view.period is not None
    weeks8 = _eight_weeks(view.period)
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
