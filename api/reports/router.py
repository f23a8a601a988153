"""The curator's reports over HTTP: the figures of `workflows.reports.scope` as JSON, CSV or XLSX.

Read-only. Every route resolves the same query (period, municipality, sector, format) against the
caller's token first: a municipality's token sees only it, a sector lead only their sector.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Caller, Rt, Session
from models import Channel, Item, ItemKind, ItemStatus, Locality, Municipality, Role, Sector, Staff
from workflows.calendar.periods import PERIOD_HELP, Period, parse_period, week_period
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.items.transitions import CHANNEL_RU, KIND_RU, OPEN, STATUS_RU
from workflows.reports.exports import Sheet, to_csv, to_xlsx
from workflows.reports.growth import GrowthPoint, get_growth
from workflows.reports.heatmap import get_heatmap, get_weekly_counts
from workflows.reports.lists import get_decisions, get_overdue, select_items
from workflows.reports.rating import RatingRow, get_rating
from workflows.reports.scope import Scope
from workflows.reports.summary import Summary, get_summary

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

READERS = (Role.curator, Role.head, Role.admin, Role.operator, Role.sector_lead)
REGION_TZ = "Europe/Moscow"  # a regional report over all municipalities counts Moscow days
MAX_CODE = 64
MAX_EXPORT = 100_000  # items in one export; a longer list is a database dump, not a report
FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, или файл при format=csv / format=xlsx",
        "content": {"text/csv": {}, XLSX: {}},
    }
}


# ---- the query every report shares ----------------------------------------------------------


async def reader(actor: Caller) -> Actor:
    """Reports are for those who manage the work; a recipient sees their own items instead."""
    if actor.role not in READERS:
        raise Forbidden(
            "отчёты доступны куратору, руководителю МЦУ, администратору, оператору "
            "и руководителю блока; исполнителю они недоступны"
        )
    return actor


@dataclass(frozen=True)
class Ask:
    """A resolved report query: what to count, over which days, and how to answer."""

    scope: Scope
    period: Period
    now: datetime
    fmt: str
    municipality: Municipality | None  # None: every municipality (a regional caller)
    sector: Sector | None


def _code(value: str, what: str) -> str:
    if len(value) > MAX_CODE:
        raise Invalid(f"{what}: код длиннее {MAX_CODE} символов")
    return value


async def _municipality(s: AsyncSession, *, actor: Actor, code: str | None) -> Municipality | None:
    if not code:
        if actor.municipality_id is None:
            return None
        own = await s.get(Municipality, actor.municipality_id)
        if own is None:
            raise NotFound(f"муниципалитет {actor.municipality_id} не найден")
        return own
    found = (
        await s.exec(select(Municipality).where(Municipality.code == _code(code, "municipality")))
    ).first()
    if found is None:
        raise NotFound(f"муниципалитет «{code}» не найден")
    if not actor.sees_municipality(found.id or 0):
        raise Forbidden(f"токен выдан для другого муниципалитета: отчёты «{code}» недоступны")
    return found


async def _sector(
    s: AsyncSession, *, actor: Actor, municipality: Municipality | None, code: str | None
) -> Sector | None:
    if actor.role is Role.sector_lead:
        own = None if actor.sector_id is None else await s.get(Sector, actor.sector_id)
        if own is None:
            raise Forbidden("у руководителя блока не указан блок: отчёты недоступны")
        if code and code != own.code:
            raise Forbidden(f"руководителю блока доступны отчёты только своего блока «{own.code}»")
        return own
    if not code:
        return None
    _code(code, "sector")
    if municipality is None:
        raise Invalid("для отбора по блоку укажите и муниципалитет: municipality=<код>")
    found = (
        await s.exec(
            select(Sector).where(Sector.municipality_id == municipality.id, Sector.code == code)
        )
    ).first()
    if found is None:
        raise NotFound(f"отраслевой блок «{code}» не найден в муниципалитете «{municipality.code}»")
    return found


async def ask(
    s: Session,
    rt: Rt,
    actor: Annotated[Actor, Depends(reader)],
    period: Annotated[str, Query(description=f"период: {PERIOD_HELP}")] = "last-week",
    municipality: Annotated[
        str | None, Query(description="код муниципалитета; без него — свой (или все у региона)")
    ] = None,
    sector: Annotated[str | None, Query(description="код отраслевого блока")] = None,
    fmt: Annotated[
        str,
        Query(
            alias="format", description="json, csv или xlsx", json_schema_extra={"enum": FORMATS}
        ),
    ] = "json",
) -> Ask:
    """Check the caller's reach and parse the period in the municipality's time zone."""
    if fmt not in FORMATS:
        raise Invalid(f"формат «{fmt[:20]}» не поддерживается: json, csv или xlsx")
    muni = await _municipality(s, actor=actor, code=municipality)
    sect = await _sector(s, actor=actor, municipality=muni, code=sector)
    now = rt.clock.now()
    tz = ZoneInfo(muni.tz if muni else REGION_TZ)
    parsed = parse_period(period, tz=tz, now=now)
    scope = Scope(None if muni is None else (muni.id or 0,), None if sect is None else sect.id)
    return Ask(scope, parsed, now, fmt, muni, sect)


Q = Annotated[Ask, Depends(ask)]


# ---- JSON shapes ----------------------------------------------------------------------------


class PeriodOut(BaseModel):
    code: str
    label: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive: local midnight after the last day
    first: date
    last: date
    tz: str


class Named(BaseModel):
    code: str
    name: str


class ScopeOut(BaseModel):
    municipality: Named | None  # None: every municipality
    sector: Named | None


class Report(BaseModel):
    period: PeriodOut
    scope: ScopeOut
    generated_at: datetime


class SummaryReport(Report):
    summary: Summary


class RatingReport(Report):
    by: str
    rows: list[RatingRow]


class HeatOut(BaseModel):
    sector_id: int | None
    sector: str
    locality_id: int | None
    locality: str
    week: str | None
    count: int
    overdue: int
    overdue_share: float | None


class HeatReport(Report):
    by_week: bool
    cells: list[HeatOut]


class WeekOut(BaseModel):
    week: str
    received: int
    answered: int
    answered_late: int


class WeeklyReport(Report):
    weeks: list[WeekOut]


class GrowthReport(Report):
    points: list[GrowthPoint]


class OpenItemOut(BaseModel):
    id: int
    number: str
    status: str
    status_ru: str
    sector_id: int | None
    sector: str | None
    assignee_id: int | None
    assignee: str | None
    registered_at: datetime
    due_at: datetime | None
    overdue_hours: float | None
    text: str
    why: str | None = None


class OpenItemsReport(Report):
    items: list[OpenItemOut]


class ItemOut(BaseModel):
    """One exported item: no citizen's name, phone or address, ever."""

    number: str
    registered_at: datetime
    kind: str
    channel: str
    sector: str | None
    locality: str | None
    status: str
    status_ru: str
    assignee: str | None
    due_at: datetime | None
    taken_at: datetime | None
    answered_at: datetime | None
    late: bool  # answered after the deadline, or open and past it now
    answer_hours: float | None  # working hours from registration to the answer
    solved: bool | None
    rating: int | None
    text: str


class ItemsReport(Report):
    items: list[ItemOut]


def _head(q: Ask) -> dict[str, Any]:
    p, m, sec = q.period, q.municipality, q.sector
    return {
        "period": PeriodOut(
            code=p.code,
            label=p.label,
            start=p.start,
            end=p.end,
            first=p.first,
            last=p.last,
            tz=p.tz.key,
        ),
        "scope": ScopeOut(
            municipality=None if m is None else Named(code=m.code, name=m.name),
            sector=None if sec is None else Named(code=sec.code, name=sec.name),
        ),
        "generated_at": q.now,
    }


# ---- files ----------------------------------------------------------------------------------


def _file(q: Ask, name: str, sheet: Sheet, *, stamp: str | None = None) -> Response:
    """CSV of the one table, or XLSX with it and a sheet saying what was counted."""
    parts = [name, q.municipality.code if q.municipality else "", q.sector.code if q.sector else ""]
    parts.append(stamp or q.period.code.replace("..", "_"))
    filename = "-".join(p for p in parts if p) + "." + q.fmt
    tz = q.period.tz
    if q.fmt == "csv":
        body, media = to_csv(sheet.header, sheet.rows, tz=tz).encode(), "text/csv; charset=utf-8"
    else:
        about = Sheet(
            "Параметры",
            ("Параметр", "Значение"),
            [
                ("Отчёт", sheet.title),
                ("Период", q.period.label),
                ("Код периода", q.period.code),
                ("Муниципалитет", q.municipality.name if q.municipality else "все"),
                ("Отраслевой блок", q.sector.name if q.sector else "все"),
                ("Сформирован", q.now),
            ],
            (20, 40),
        )
        body, media = to_xlsx([sheet, about], tz=tz), XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _names(s: AsyncSession, table: Any, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await s.exec(select(table.id, table.name).where(col(table.id).in_(wanted)))
    return {i: n for i, n in rows}


# ---- routes ---------------------------------------------------------------------------------

SUMMARY_ROWS = (
    ("received", "Поступило"),
    ("taken", "Взято в работу"),
    ("answered", "Дан ответ"),
    ("closed", "Закрыто"),
    ("answered_late", "Ответ с опозданием"),
    ("on_time_share", "Доля ответов в срок"),
    ("take_median_h", "До взятия в работу, медиана, раб. ч"),
    ("take_p90_h", "До взятия в работу, 90-й процентиль, раб. ч"),
    ("answer_median_h", "До ответа, медиана, раб. ч"),
    ("answer_p90_h", "До ответа, 90-й процентиль, раб. ч"),
    ("feedback", "Отзывов «решено / не решено»"),
    ("solved_share", "Доля «решено»"),
    ("rated", "Оценок"),
    ("mean_rating", "Средняя оценка"),
    ("reopened", "Открыто повторно"),
    ("open_now", "Открыто сейчас"),
    ("overdue_now", "Просрочено сейчас"),
)


@router.get("/summary", summary="Сводка за период", response_model=SummaryReport, responses=FILES)
async def summary(s: Session, q: Q) -> Response | SummaryReport:
    """Поступило, взято, отвечено, в срок, время работы, удовлетворённость, просрочено сейчас."""
    got = await get_summary(s, scope=q.scope, period=q.period, now=q.now)
    if q.fmt == "json":
        return SummaryReport(**_head(q), summary=got)
    rows: list[tuple[str, Any]] = [(label, getattr(got, key)) for key, label in SUMMARY_ROWS]
    rows[1:1] = [(f"Поступило: {CHANNEL_RU[Channel(c)]}", n) for c, n in got.by_channel.items()]
    rows[1:1] = [(f"Поступило: {KIND_RU[ItemKind(k)]}", n) for k, n in got.by_kind.items()]
    return _file(q, "summary", Sheet("Сводка", ("Показатель", "Значение"), rows, (45, 14)))


@router.get(
    "/rating",
    summary="Рейтинг исполнителей или блоков",
    response_model=RatingReport,
    responses=FILES,
)
async def rating(
    s: Session,
    q: Q,
    by: Annotated[
        str,
        Query(
            description="recipient — исполнители, sector — блоки",
            json_schema_extra={"enum": ["recipient", "sector"]},
        ),
    ] = "recipient",
) -> Response | RatingReport:
    """Составной балл 0–100 (в срок, просроченный остаток, повторные, оценки); место — от 5 ответов."""
    if by not in ("recipient", "sector"):
        raise Invalid(f"by=«{by[:20]}»: можно recipient (исполнители) или sector (блоки)")
    rows = await get_rating(s, scope=q.scope, period=q.period, now=q.now, by=by)
    if q.fmt == "json":
        return RatingReport(**_head(q), by=by, rows=rows)
    header = ["Место", "Исполнитель" if by == "recipient" else "Блок"]
    header += ["Блок"] if by == "recipient" else []
    header += ["Ответов", "Доля в срок", "Медиана ответа, раб. ч", "Открыто сейчас"]
    header += ["Просрочено сейчас", "Доля повторных", "Средняя оценка", "Оценок", "Балл"]
    table = [
        [
            *(r.rank, r.name, *([r.sector] if by == "recipient" else [])),
            *(r.answered, r.on_time_share, r.answer_median_h, r.open_now, r.overdue_now),
            *(r.reopen_rate, r.mean_rating, r.rated, r.score),
        ]
        for r in rows
    ]
    return _file(q, f"rating-{by}", Sheet("Рейтинг", header, table, (7, 36, 20)))


@router.get(
    "/heatmap",
    summary="Тепловая карта: блок × место или неделя",
    response_model=HeatReport,
    responses=FILES,
)
async def heatmap(s: Session, q: Q, by_week: bool = False) -> Response | HeatReport:
    """Обращения периода по блокам и населённым пунктам (или неделям) и сколько из них просрочено."""
    cells = await get_heatmap(s, scope=q.scope, period=q.period, now=q.now, by_week=by_week)
    out = [HeatOut(**asdict(c), overdue_share=c.overdue_share) for c in cells]
    if q.fmt == "json":
        return HeatReport(**_head(q), by_week=by_week, cells=out)
    second = "Неделя" if by_week else "Населённый пункт"
    header = ("Блок", second, "Обращений", "Просрочено", "Доля просроченных")
    table = [(c.sector, c.week or c.locality, c.count, c.overdue, c.overdue_share) for c in out]
    return _file(q, "heatmap", Sheet("Тепловая карта", header, table, (25, 25)))


@router.get(
    "/weekly",
    summary="Поступление и ответы по неделям",
    response_model=WeeklyReport,
    responses=FILES,
)
async def weekly(s: Session, q: Q) -> Response | WeeklyReport:
    """По каждой неделе периода: поступило, отвечено, из них с опозданием."""
    weeks = await get_weekly_counts(s, scope=q.scope, period=q.period, now=q.now)
    if q.fmt == "json":
        out = [
            WeekOut(week=w, received=r, answered=a, answered_late=late) for w, r, a, late in weeks
        ]
        return WeeklyReport(**_head(q), weeks=out)
    header = ("Неделя", "Поступило", "Отвечено", "С опозданием")
    return _file(q, "weekly", Sheet("По неделям", header, weeks, (12,)))


@router.get(
    "/growth", summary="Точки роста за неделю", response_model=GrowthReport, responses=FILES
)
async def growth(s: Session, q: Q) -> Response | GrowthReport:
    """Блоки и населённые пункты, где за неделю заметно больше обращений, чем обычно."""
    p = q.period
    if p.days != 7 or p.first.weekday() != 0:
        raise Invalid(
            f"точки роста считаются за одну неделю с понедельника по воскресенье, а период "
            f"«{p.code}» — {p.days} дн. ({p.label}); укажите, например, 2026-W45 или last-week"
        )
    points = await get_growth(s, scope=q.scope, week=week_period(p.first, p.tz))
    if q.fmt == "json":
        return GrowthReport(**_head(q), points=points)
    header = ("Разрез", "Название", "За неделю", "Обычно в неделю", "Рост, раз", "Вероятность")
    table = [
        (
            "блок" if g.dimension == "sector" else "населённый пункт",
            g.name,
            g.count,
            g.baseline,
            g.ratio,
            g.p_value,
            "; ".join(f"{e['number']}: {e['text']}" for e in g.examples),
        )
        for g in points
    ]
    return _file(q, "growth", Sheet("Точки роста", (*header, "Примеры"), table, (16, 30)))


async def _open_items(s: AsyncSession, rows: list[dict[str, Any]]) -> list[OpenItemOut]:
    sectors = await _names(s, Sector, (r["sector_id"] for r in rows))
    staff = await _names(s, Staff, (r["assignee_id"] for r in rows))
    return [
        OpenItemOut(
            **r,
            status_ru=STATUS_RU[ItemStatus(r["status"])],
            sector=sectors.get(r["sector_id"]) if r["sector_id"] else None,
            assignee=staff.get(r["assignee_id"]) if r["assignee_id"] else None,
        )
        for r in rows
    ]


def _open_file(q: Ask, name: str, title: str, items: Sequence[OpenItemOut]) -> Response:
    why = name == "decisions"
    header = ["Номер", "Статус", "Блок", "Исполнитель", "Зарегистрировано", "Срок"]
    header += ["Просрочено на, ч", "Текст", *(["Почему ждёт решения"] if why else [])]
    table = [
        [
            *(i.number, i.status_ru, i.sector, i.assignee, i.registered_at, i.due_at),
            *(i.overdue_hours, i.text, *([i.why] if why else [])),
        ]
        for i in items
    ]
    stamp = q.now.astimezone(q.period.tz).date().isoformat()  # a list of now, not of the period
    widths = (18, 22, 20, 28, 18, 18, 12, 60, 20)
    return _file(q, name, Sheet(title, header, table, widths), stamp=stamp)


Limit = Annotated[int, Query(ge=1, le=1000, description="сколько строк показать")]


@router.get(
    "/overdue", summary="Просроченные сейчас", response_model=OpenItemsReport, responses=FILES
)
async def overdue(s: Session, q: Q, limit: Limit = 100) -> Response | OpenItemsReport:
    """Открытые обращения, у которых срок уже прошёл, сначала самые давние (на сейчас)."""
    items = await _open_items(s, await get_overdue(s, scope=q.scope, now=q.now, limit=limit))
    if q.fmt == "json":
        return OpenItemsReport(**_head(q), items=items)
    return _open_file(q, "overdue", "Просрочено", items)


@router.get(
    "/decisions",
    summary="Ждут решения руководителя",
    response_model=OpenItemsReport,
    responses=FILES,
)
async def decisions(s: Session, q: Q, limit: Limit = 100) -> Response | OpenItemsReport:
    """Запросы продления, открытые повторно и нераспределённые обращения (на сейчас)."""
    items = await _open_items(s, await get_decisions(s, scope=q.scope, now=q.now, limit=limit))
    if q.fmt == "json":
        return OpenItemsReport(**_head(q), items=items)
    return _open_file(q, "decisions", "Ждут решения", items)


ITEM_HEADER = (
    "Номер",
    "Зарегистрировано",
    "Вид",
    "Канал",
    "Отраслевой блок",
    "Населённый пункт",
    "Статус",
    "Исполнитель",
    "Срок",
    "Взято в работу",
    "Ответ",
    "Просрочено",
    "До ответа, раб. ч",
    "Решено",
    "Оценка",
    "Текст",
)


def _item_out(i: Item, now: datetime, names: dict[str, dict[int, str]]) -> ItemOut:
    late = i.due_at is not None and (
        (i.answered_at is not None and i.answered_at > i.due_at)
        or (i.status in OPEN and i.due_at < now)
    )
    return ItemOut(
        number=i.number,
        registered_at=i.registered_at,
        kind=i.kind.value,
        channel=i.channel.value,
        sector=names["sector"].get(i.sector_id or 0),
        locality=names["locality"].get(i.locality_id or 0),
        status=i.status.value,
        status_ru=STATUS_RU[i.status],
        assignee=names["staff"].get(i.assignee_id or 0),
        due_at=i.due_at,
        taken_at=i.taken_at,
        answered_at=i.answered_at,
        late=late,
        answer_hours=None if i.answer_wsec is None else round(i.answer_wsec / 3600, 2),
        solved=i.solved,
        rating=i.rating,
        text=i.text,
    )


@router.get(
    "/items", summary="Обращения периода для выгрузки", response_model=ItemsReport, responses=FILES
)
async def items(s: Session, q: Q) -> Response | ItemsReport:
    """Обращения, зарегистрированные в периоде, без персональных данных граждан."""
    out = await item_list(s, scope=q.scope, period=q.period, now=q.now)
    if q.fmt == "json":
        return ItemsReport(**_head(q), items=out)
    return _file(q, "items", items_sheet(out))


async def item_list(
    s: AsyncSession, *, scope: Scope, period: Period, now: datetime
) -> list[ItemOut]:
    """The period's items with names for ids (the API's and the dashboard's export)."""
    found = list((await s.execute(select_items(scope, period).limit(MAX_EXPORT + 1))).scalars())
    if len(found) > MAX_EXPORT:
        raise Invalid(f"в периоде больше {MAX_EXPORT} обращений: выберите период короче")
    names = {
        "sector": await _names(s, Sector, (i.sector_id for i in found)),
        "locality": await _names(s, Locality, (i.locality_id for i in found)),
        "staff": await _names(s, Staff, (i.assignee_id for i in found)),
    }
    return [_item_out(i, now, names) for i in found]


def items_sheet(out: Sequence[ItemOut]) -> Sheet:
    table = [
        [
            *(o.number, o.registered_at, KIND_RU[ItemKind(o.kind)], CHANNEL_RU[Channel(o.channel)]),
            *(o.sector, o.locality, o.status_ru, o.assignee, o.due_at, o.taken_at, o.answered_at),
            *(_yes(o.late), o.answer_hours, _yes(o.solved), o.rating, o.text),
        ]
        for o in out
    ]
    widths = (18, 18, 16, 12, 20, 20, 22, 28, 18, 18, 18, 11, 10, 8, 8, 80)
    return Sheet("Обращения", ITEM_HEADER, table, widths)


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("да" if value else "нет")
