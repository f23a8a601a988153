"""The centre's figures: summary, recipient rating, heat map, growth points, overdue and decisions.

One module of queries for the API, the weekly note and the dashboard. Every figure is an SQL
aggregate over `item` (indexed by municipality and moment); Python only shapes the small
results. Working time comes from `take_wsec`/`answer_wsec`, which the lifecycle stamps on the
item from the municipality's calendar when it is taken or answered (see docs/reports.md).

Which items a figure counts:
- received, by channel and kind: registered in the period;
- taken / answered / closed / reopened: that moment falls in the period;
- answered late: answered in the period after the deadline then in force;
- time to take / to answer: working time from registration, for items taken / answered in it;
- satisfaction (share "solved", mean rating): items answered in the period with feedback;
- open and overdue: now, whatever the period (the backlog the head must see).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, and_, case, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemKind, ItemStatus, Locality, Sector, Staff
from workflows.periods import Period
from workflows.transitions import OPEN

__all__ = [
    "MIN_RANKED",
    "GrowthPoint",
    "HeatCell",
    "RatingRow",
    "Scope",
    "Summary",
    "clip",
    "get_decisions",
    "get_growth",
    "get_heatmap",
    "get_names",
    "get_overdue",
    "get_rating",
    "get_summary",
    "get_weekly_counts",
    "poisson_tail",
]

MIN_RANKED = 5  # answered items in the period below which a recipient gets no rank
BASELINE_WEEKS = 8  # growth compares a week with the mean of the eight before it
GROWTH_P = 0.01  # …and calls it growth if so many or more would happen by chance under 1 %
GROWTH_MIN = 3  # …and at least this many items, and at least GROWTH_RATIO × the baseline
GROWTH_RATIO = 1.5
BASELINE_FLOOR = 0.5  # a place with no history is treated as if half an item a week were normal

T = Item.__table__.c  # type: ignore[attr-defined]
OPEN_STATUSES = sorted(OPEN)


@dataclass(frozen=True)
class Scope:
    """Which items a report covers: some municipalities (None: all) and maybe one sector."""

    municipality_ids: tuple[int, ...] | None
    sector_id: int | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.municipality_ids is not None:
            conds.append(T.municipality_id.in_(self.municipality_ids))
        if self.sector_id is not None:
            conds.append(T.sector_id == self.sector_id)
        return conds


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _open() -> ColumnElement[bool]:
    return T.status.in_(OPEN_STATUSES)  # type: ignore[no-any-return]


def _overdue(now: datetime) -> ColumnElement[bool]:
    return and_(_open(), T.due_at < now)


def _late() -> ColumnElement[bool]:
    return and_(T.due_at.is_not(None), T.answered_at > T.due_at)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# ---- percentiles ----------------------------------------------------------------------------


def _pg_pcts(value: Any, when: ColumnElement[bool], fractions: Sequence[float]) -> Any:
    """Postgres: continuous percentiles of a column over the rows that match, in one sort."""
    arr = literal(list(fractions), ARRAY(Float))
    return func.percentile_cont(arr).within_group(value).filter(when, value.is_not(None))


async def _generic_pcts(
    session: AsyncSession,
    *,
    keys: Sequence[Any],
    value: Any,
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
) -> dict[tuple[Any, ...], list[float | None]]:
    """Other databases (SQLite): the same interpolated percentiles with window functions."""
    rn = func.row_number().over(partition_by=list(keys) or None, order_by=value)
    n = func.count().over(partition_by=list(keys) or None)
    inner = (
        select(*keys, value.label("v"), rn.label("rn"), n.label("n"))
        .where(*where, value.is_not(None))
        .subquery()
    )
    out_keys = [inner.c[k.name] for k in keys]
    cols = []
    for f in fractions:
        # Rank 1 + f·(n−1), split into whole and fraction: interpolate between two neighbours.
        pos = (inner.c.n - 1) * literal(f, Float)
        whole = func.cast(pos, Integer)
        cols.append(func.max(case((inner.c.rn == whole + 1, inner.c.v))))
        cols.append(func.max(case((inner.c.rn == whole + 2, inner.c.v))))
        cols.append(func.max(pos - whole))
    rows = await session.execute(select(*out_keys, *cols).group_by(*out_keys))
    result: dict[tuple[Any, ...], list[float | None]] = {}
    for row in rows:
        key = tuple(row[: len(keys)])
        vals: list[float | None] = []
        for i in range(len(fractions)):
            lo_v, hi_v, fr = row[len(keys) + 3 * i : len(keys) + 3 * i + 3]
            if lo_v is None:
                vals.append(None)
            else:
                vals.append(
                    float(lo_v)
                    + float(fr or 0) * (float(hi_v if hi_v is not None else lo_v) - float(lo_v))
                )
        result[key] = vals
    return result


# ---- summary --------------------------------------------------------------------------------


@dataclass
class Summary:
    received: int
    by_channel: dict[str, int]
    by_kind: dict[str, int]
    taken: int
    answered: int
    closed: int
    answered_late: int
    on_time_share: float | None  # answered in time ÷ answered with a deadline
    take_median_h: float | None  # working hours from registration to the take
    take_p90_h: float | None
    answer_median_h: float | None  # working hours from registration to the answer
    answer_p90_h: float | None
    feedback: int  # answered items whose citizen said whether it was solved
    solved_share: float | None
    rated: int
    mean_rating: float | None
    reopened: int
    open_now: int
    overdue_now: int


async def get_summary(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime
) -> Summary:
    """The period's figures in one pass over the matching items (Postgres)."""
    reg, taken, ans = _in(T.registered_at, period), _in(T.taken_at, period), None
    ans = _in(T.answered_at, period)
    closed, reopened = _in(T.closed_at, period), _in(T.reopened_at, period)
    cols: list[Any] = [
        func.count().filter(reg).label("received"),
        func.count().filter(taken).label("taken"),
        func.count().filter(ans).label("answered"),
        func.count().filter(closed).label("closed"),
        func.count().filter(ans, _late()).label("late"),
        func.count().filter(ans, T.due_at.is_not(None)).label("with_due"),
        func.count().filter(ans, T.solved.is_not(None)).label("feedback"),
        func.count().filter(ans, T.solved.is_(True)).label("solved"),
        func.count(T.rating).filter(ans).label("rated"),
        func.avg(T.rating).filter(ans).label("mean_rating"),
        func.count().filter(reopened).label("reopened"),
        func.count().filter(_open()).label("open_now"),
        func.count().filter(_overdue(now)).label("overdue_now"),
    ]
    channels, kinds = list(Channel), list(ItemKind)
    cols += [func.count().filter(reg, T.channel == c).label(f"ch_{c.value}") for c in channels]
    cols += [func.count().filter(reg, T.kind == k).label(f"k_{k.value}") for k in kinds]
    pg = _is_pg(session)
    if pg:
        cols.append(_pg_pcts(T.take_wsec, taken, (0.5, 0.9)).label("take_p"))
        cols.append(_pg_pcts(T.answer_wsec, ans, (0.5, 0.9)).label("answer_p"))
    touched = or_(reg, taken, ans, closed, reopened, _open())
    row = (await session.execute(select(*cols).where(*scope.where(), touched))).one()
    m = row._mapping
    if pg:
        take_p = m["take_p"] or [None, None]
        answer_p = m["answer_p"] or [None, None]
    else:
        take_p = (
            await _generic_pcts(
                session,
                keys=(),
                value=T.take_wsec,
                where=[*scope.where(), taken],
                fractions=(0.5, 0.9),
            )
        ).get((), [None, None])
        answer_p = (
            await _generic_pcts(
                session,
                keys=(),
                value=T.answer_wsec,
                where=[*scope.where(), ans],
                fractions=(0.5, 0.9),
            )
        ).get((), [None, None])
    mean = m["mean_rating"]
    return Summary(
        received=m["received"],
        by_channel={c.value: m[f"ch_{c.value}"] for c in channels if m[f"ch_{c.value}"]},
        by_kind={k.value: m[f"k_{k.value}"] for k in kinds if m[f"k_{k.value}"]},
        taken=m["taken"],
        answered=m["answered"],
        closed=m["closed"],
        answered_late=m["late"],
        on_time_share=_share(m["with_due"] - m["late"], m["with_due"]),
        take_median_h=_hours(take_p[0]),
        take_p90_h=_hours(take_p[1]),
        answer_median_h=_hours(answer_p[0]),
        answer_p90_h=_hours(answer_p[1]),
        feedback=m["feedback"],
        solved_share=_share(m["solved"], m["feedback"]),
        rated=m["rated"],
        mean_rating=None if mean is None else round(float(mean), 2),
        reopened=m["reopened"],
        open_now=m["open_now"],
        overdue_now=m["overdue_now"],
    )


# ---- rating ---------------------------------------------------------------------------------


@dataclass
class RatingRow:
    """One recipient (or sector) in the rating; `score`/`rank` are None below MIN_RANKED."""

    key: int | None
    name: str
    sector: str | None
    answered: int
    on_time_share: float | None
    answer_median_h: float | None
    open_now: int
    overdue_now: int
    reopen_rate: float | None
    mean_rating: float | None
    rated: int
    score: float | None = None
    rank: int | None = None


def score_of(row: RatingRow) -> float:
    """The composite score, 0–100 (docs/reports.md):

    45 × share answered on time + 20 × (1 − share of the open backlog overdue)
    + 15 × (1 − reopen rate) + 20 × satisfaction, where satisfaction is (mean rating − 1) ÷ 4
    and counts as 0.5 when nobody rated. Timeliness weighs most: it is what 59-ФЗ enforces.
    """
    on_time = row.on_time_share if row.on_time_share is not None else 0.0
    backlog = 0.0 if row.open_now == 0 else row.overdue_now / row.open_now
    reopen = row.reopen_rate or 0.0
    sat = 0.5 if row.mean_rating is None else (row.mean_rating - 1) / 4
    return round(
        100 * (0.45 * on_time + 0.20 * (1 - backlog) + 0.15 * (1 - reopen) + 0.20 * sat), 1
    )


async def get_rating(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime, by: str = "recipient"
) -> list[RatingRow]:
    """Recipients (by="recipient") or sectors (by="sector") ranked by the composite score."""
    if by not in ("recipient", "sector"):
        raise ValueError(by)
    key = T.assignee_id if by == "recipient" else T.sector_id
    ans = _in(T.answered_at, period)
    cols: list[Any] = [
        key.label("key"),
        func.count().filter(ans).label("answered"),
        func.count().filter(ans, _late()).label("late"),
        func.count().filter(ans, T.due_at.is_not(None)).label("with_due"),
        func.count().filter(_open()).label("open_now"),
        func.count().filter(_overdue(now)).label("overdue_now"),
        func.count().filter(ans, T.reopens > 0).label("reopened"),
        func.count(T.rating).filter(ans).label("rated"),
        func.avg(T.rating).filter(ans).label("mean_rating"),
    ]
    pg = _is_pg(session)
    if pg:
        cols.append(_pg_pcts(T.answer_wsec, ans, (0.5,)).label("median"))
    where = [*scope.where(), key.is_not(None), or_(ans, _open())]
    rows = (await session.execute(select(*cols).where(*where).group_by(key))).all()
    medians: dict[tuple[Any, ...], list[float | None]] = {}
    if not pg:
        medians = await _generic_pcts(
            session, keys=(key,), value=T.answer_wsec, where=[*scope.where(), ans], fractions=(0.5,)
        )
    names, sectors = await _names(session, by=by, keys=[r.key for r in rows])
    out: list[RatingRow] = []
    for r in rows:
        m = r._mapping
        median = (m["median"] or [None])[0] if pg else medians.get((m["key"],), [None])[0]
        out.append(
            RatingRow(
                key=m["key"],
                name=names.get(m["key"], f"#{m['key']}"),
                sector=sectors.get(m["key"]),
                answered=m["answered"],
                on_time_share=_share(m["with_due"] - m["late"], m["with_due"]),
                answer_median_h=_hours(median),
                open_now=m["open_now"],
                overdue_now=m["overdue_now"],
                reopen_rate=_share(m["reopened"], m["answered"]),
                mean_rating=None if m["mean_rating"] is None else round(float(m["mean_rating"]), 2),
                rated=m["rated"],
            )
        )
    return rank(out)


def rank(rows: list[RatingRow]) -> list[RatingRow]:
    """Score and rank those with enough answers; the rest follow, unranked, by volume."""
    ranked = [x for x in rows if x.answered >= MIN_RANKED]
    for x in ranked:
        x.score = score_of(x)
    ranked.sort(key=lambda x: (-(x.score or 0), -x.answered, x.name))
    for i, x in enumerate(ranked, 1):
        x.rank = i
    unranked = sorted((x for x in rows if x.rank is None), key=lambda x: (-x.answered, x.name))
    return ranked + unranked


async def _names(
    session: AsyncSession, *, by: str, keys: list[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Display names for the few keys of a result, and each recipient's sector."""
    if not keys:
        return {}, {}
    if by == "sector":
        rows = await session.exec(orm_select(Sector).where(col(Sector.id).in_(keys)))
        return {s.id or 0: s.name for s in rows}, {}
    staff = list(await session.exec(orm_select(Staff).where(col(Staff.id).in_(keys))))
    sector_ids = {s.sector_id for s in staff if s.sector_id is not None}
    sectors = {
        s.id: s.name
        for s in await session.exec(orm_select(Sector).where(col(Sector.id).in_(sector_ids)))
    }
    return (
        {s.id or 0: s.name for s in staff},
        {s.id or 0: sectors[s.sector_id] for s in staff if s.sector_id in sectors},
    )


# ---- heat map -------------------------------------------------------------------------------


@dataclass
class HeatCell:
    sector_id: int | None
    sector: str
    locality_id: int | None  # None in the by-week map
    locality: str
    week: str | None  # ISO week (2026-W47) in the by-week map
    count: int
    overdue: int  # answered late, or open and past the deadline now

    @property
    def overdue_share(self) -> float | None:
        return _share(self.overdue, self.count)


def _week_bucket(bounds: list[datetime]) -> Any:
    """Index of the local week a registration falls in, as a CASE over the week bounds."""
    return case(*[(T.registered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)


def _overdue_item(now: datetime) -> ColumnElement[bool]:
    return or_(_late(), _overdue(now))


async def get_heatmap(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime, by_week: bool = False
) -> list[HeatCell]:
    """Items registered in the period: sector × locality, or sector × week, with overdue counts."""
    reg = _in(T.registered_at, period)
    if by_week:
        bounds = period.weeks()
        second: Any = _week_bucket(bounds).label("b")
    else:
        second = T.locality_id.label("b")
    q = (
        select(
            T.sector_id,
            second,
            func.count().label("n"),
            func.count().filter(_overdue_item(now)).label("late"),
        )
        .where(*scope.where(), reg)
        .group_by(T.sector_id, second)
    )
    rows = (await session.execute(q)).all()
    sectors = await get_names(session, Sector, {r[0] for r in rows})
    localities = {} if by_week else await get_names(session, Locality, {r[1] for r in rows})
    cells = []
    for sector_id, b, n, late in rows:
        if by_week:
            iso = bounds[b].astimezone(period.tz).date().isocalendar()
            week, loc_id, loc = f"{iso.year}-W{iso.week:02d}", None, ""
        else:
            week, loc_id, loc = None, b, localities.get(b, "не указано")
        cells.append(
            HeatCell(sector_id, sectors.get(sector_id, "без сектора"), loc_id, loc, week, n, late)
        )
    cells.sort(key=lambda c: (c.sector, c.week or c.locality))
    return cells


async def get_names(session: AsyncSession, table: Any, ids: set[Any]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = (await session.execute(select(table.id, table.name).where(col(table.id).in_(ids)))).all()
    return {r[0]: r[1] for r in rows}  # ids → display names of a small table (sectors, staff…)


async def get_weekly_counts(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime
) -> list[tuple[str, int, int, int]]:
    """Per local week of the period: (ISO week, received, answered, answered late)."""
    bounds = period.weeks()
    reg_b = case(*[(T.registered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)
    ans_b = case(*[(T.answered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)
    start, end = bounds[0], bounds[-1]
    received = dict(
        (
            await session.execute(
                select(reg_b, func.count())
                .where(*scope.where(), T.registered_at >= start, T.registered_at < end)
                .group_by(reg_b)
            )
        ).all()
    )
    answered = {
        b: (n, late)
        for b, n, late in (
            await session.execute(
                select(ans_b, func.count(), func.count().filter(_late()))
                .where(*scope.where(), T.answered_at >= start, T.answered_at < end)
                .group_by(ans_b)
            )
        ).all()
    }
    out = []
    for i, b in enumerate(bounds[:-1]):
        iso = b.astimezone(period.tz).date().isocalendar()
        n, late = answered.get(i, (0, 0))
        out.append((f"{iso.year}-W{iso.week:02d}", received.get(i, 0), n, late))
    return out


# ---- growth ---------------------------------------------------------------------------------


@dataclass
class GrowthPoint:
    """A sector or locality with significantly more items this week than its recent normal."""

    dimension: str  # "sector" or "locality"
    key: int | None
    name: str
    count: int
    baseline: float  # mean per week over the BASELINE_WEEKS before
    ratio: float
    p_value: float
    examples: list[dict[str, str]] = field(default_factory=list)  # number, text (≤ 160 chars)


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam): how surprising k items are if lam a week is normal."""
    if k <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below)


async def get_growth(
    session: AsyncSession, *, scope: Scope, week: Period, examples: int = 3
) -> list[GrowthPoint]:
    """Points of growth in a week: count ≥ GROWTH_MIN, ≥ GROWTH_RATIO × baseline, and
    P(Poisson(baseline) ≥ count) < GROWTH_P, the baseline being the mean of the eight weeks
    before (floored at BASELINE_FLOOR). Sectors stand for topics; localities for places."""
    bounds = [
        _midnight(week.first - timedelta(days=7 * i), week) for i in range(BASELINE_WEEKS, -1, -1)
    ]
    bounds.append(week.end)
    bucket = case(*[(T.registered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)
    points: list[GrowthPoint] = []
    this = len(bounds) - 2  # index of the week itself
    for dimension, column, table in (
        ("sector", T.sector_id, Sector),
        ("locality", T.locality_id, Locality),
    ):
        rows = (
            await session.execute(
                select(column, bucket, func.count())
                .where(*scope.where(), T.registered_at >= bounds[0], T.registered_at < bounds[-1])
                .group_by(column, bucket)
            )
        ).all()
        counts: dict[Any, list[int]] = {}
        for key, b, n in rows:
            counts.setdefault(key, [0] * (this + 1))[b] = n
        names = await get_names(session, table, set(counts))
        for key, weeks in counts.items():
            if key is None:
                continue
            count = weeks[this]
            baseline = sum(weeks[:this]) / BASELINE_WEEKS
            lam = max(baseline, BASELINE_FLOOR)
            p = poisson_tail(count, lam)
            if count >= GROWTH_MIN and count >= GROWTH_RATIO * lam and p < GROWTH_P:
                points.append(
                    GrowthPoint(
                        dimension,
                        key,
                        names.get(key, f"#{key}"),
                        count,
                        round(baseline, 2),
                        round(count / lam, 2),
                        p,
                    )
                )
    points.sort(key=lambda g: (g.p_value, -g.count))
    for g in points:
        column = T.sector_id if g.dimension == "sector" else T.locality_id
        rows = (
            await session.execute(
                select(T.number, T.text)
                .where(*scope.where(), column == g.key, _in(T.registered_at, week))
                .order_by(T.registered_at.desc())
                .limit(examples)
            )
        ).all()
        g.examples = [{"number": n, "text": clip(t, 160)} for n, t in rows]
    return points


def _midnight(day: date, week: Period) -> datetime:
    return datetime.combine(day, time(0), week.tz).astimezone(UTC)


def clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters, whitespace collapsed, an ellipsis if cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- lists ----------------------------------------------------------------------------------


def _item_row(r: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": r.id,
        "number": r.number,
        "status": r.status.value if isinstance(r.status, ItemStatus) else r.status,
        "sector_id": r.sector_id,
        "assignee_id": r.assignee_id,
        "registered_at": r.registered_at,
        "due_at": r.due_at,
        "text": clip(r.text, 200),
        "overdue_hours": None
        if r.due_at is None
        else round((now - r.due_at).total_seconds() / 3600, 1),
    }


async def get_overdue(
    session: AsyncSession, *, scope: Scope, now: datetime, limit: int = 50
) -> list[dict[str, Any]]:
    """Open items past their deadline now, the longest overdue first."""
    q = (
        select(
            T.id, T.number, T.status, T.sector_id, T.assignee_id, T.registered_at, T.due_at, T.text
        )
        .where(*scope.where(), _overdue(now))
        .order_by(T.due_at)
        .limit(limit)
    )
    return [_item_row(r, now) for r in (await session.execute(q)).all()]


async def get_decisions(
    session: AsyncSession, *, scope: Scope, now: datetime, limit: int = 20
) -> list[dict[str, Any]]:
    """Items waiting for the head: extension requests, reopened by the citizen, untriaged."""
    waiting = or_(
        and_(T.extension_requested_days.is_not(None), _open()),
        T.status == ItemStatus.reopened,
        T.status == ItemStatus.new,
    )
    why = case(
        (T.extension_requested_days.is_not(None), literal("продление")),
        (T.status == ItemStatus.reopened, literal("открыто повторно")),
        else_=literal("не распределено"),
    )
    q = (
        select(
            T.id,
            T.number,
            T.status,
            T.sector_id,
            T.assignee_id,
            T.registered_at,
            T.due_at,
            T.text,
            why.label("why"),
        )
        .where(*scope.where(), waiting)
        .order_by(T.registered_at)
        .limit(limit)
    )
    out = []
    for r in (await session.execute(q)).all():
        row = _item_row(r, now)
        row["why"] = r.why
        out.append(row)
    return out


def select_items(scope: Scope, period: Period) -> Select[Any]:
    """The period's items for exports (registered in it), oldest first."""
    return (
        select(Item)
        .where(*scope.where(), _in(T.registered_at, period))
        .order_by(col(Item.registered_at))
    )
