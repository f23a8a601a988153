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

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemStatus, Locality, Municipality, Sector, Staff
from workflows.calendar.periods import Period
from workflows.items.transitions import OPEN

__all__ = [
    "MIN_RANKED",
    "TUNE_SQL",
    "GrowthPoint",
    "HeatCell",
    "RatingRow",
    "Scope",
    "Summary",
    "attention",
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
OPEN_STATUSES = sorted(s.value for s in OPEN)  # the order of OPEN_SQL


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
    """Open now, spelled with inline values as in the partial index `ix_item_open` (OPEN_SQL),
    so that the planner can prove the index covers the query."""
    return T.status.in_([literal(s, literal_execute=True) for s in OPEN_STATUSES])  # type: ignore[no-any-return]


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


# ---- running the queries --------------------------------------------------------------------


TUNE_SQL = (
    "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
)


async def _tune(session: AsyncSession) -> None:
    """Postgres settings for the report queries, for this transaction only: no JIT (compiling
    costs more than these queries run), room to sort a year's durations in memory, and plans
    made for the actual period (a cached generic plan would scan every row for a week)."""
    if _is_pg(session):
        await session.execute(text(TUNE_SQL))


async def _resolve(session: AsyncSession, scope: Scope) -> Scope:
    """A scope of all municipalities spelled out as their ids, so that every report query can
    use the per-municipality indexes (a region has dozens: a short list)."""
    if scope.municipality_ids is not None:
        return scope
    ids = (await session.execute(select(Municipality.id))).scalars().all()  # type: ignore[call-overload]
    return Scope(tuple(sorted(ids)), scope.sector_id)


NUMS = 7  # numeric slots of a branch row


@dataclass
class _Branch:
    """One aggregate of a report, a row shape shared by all branches of one UNION ALL."""

    tag: str
    where: list[ColumnElement[bool]]
    nums: list[Any] = field(default_factory=list)
    key: Any = None
    groups: tuple[Any, ...] = ()  # up to two text group columns (channel, kind)
    mean: Any = None
    pcts: Any = None  # Postgres only: percentile_cont(array) WITHIN GROUP

    def select(self, pg: bool) -> Select[Any]:
        cols: list[Any] = [
            literal(self.tag).label("tag"),
            (self.key if self.key is not None else cast(null(), BigInteger)).label("k"),
        ]
        groups = [cast(g, String) for g in self.groups]
        groups += [cast(null(), String)] * (2 - len(groups))
        cols += [g.label(f"g{i}") for i, g in enumerate(groups)]
        nums = list(self.nums) + [cast(null(), BigInteger)] * (NUMS - len(self.nums))
        cols += [n.label(f"n{i}") for i, n in enumerate(nums)]
        mean = self.mean if self.mean is not None else null()
        cols.append(cast(mean, Float).label("mean"))
        if pg:
            pcts = self.pcts if self.pcts is not None else null()
            cols.append(cast(pcts, ARRAY(Float)).label("p"))
        group_by = [x for x in (self.key, *self.groups) if x is not None]
        return select(*cols).where(*self.where).group_by(*group_by)


async def _run(session: AsyncSession, branches: list[_Branch]) -> dict[str, list[Any]]:
    """All branches in one statement: on Postgres a UNION ALL runs its branches side by side
    in parallel workers (Parallel Append), each on its own index. Rows by tag."""
    pg = _is_pg(session)
    q = union_all(*(b.select(pg) for b in branches))
    out: dict[str, list[Any]] = {b.tag: [] for b in branches}
    for row in (await session.execute(q)).all():
        out[row.tag].append(row)
    return out


def _pcts(value: Any, fractions: Sequence[float]) -> Any:
    """Postgres: continuous percentiles of a column, several in one sort."""
    return func.percentile_cont(literal(list(fractions), ARRAY(Float))).within_group(value)


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


def _answered_counts() -> list[Any]:
    """Over items answered in the period: answered, late, with a deadline, feedback, solved."""
    return [
        func.count(),
        func.count().filter(_late()),
        func.count().filter(T.due_at.is_not(None)),
        func.count().filter(T.solved.is_not(None)),
        func.count().filter(T.solved.is_(True)),
        func.count(T.rating),
        func.count().filter(T.reopens > 0),
    ]


def _backlog(now: datetime) -> list[Any]:
    """Over the open backlog: open now, overdue now."""
    return [func.count(), func.count().filter(T.due_at < now)]


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
    """The period's figures: one aggregate per moment, each on that moment's index, all in one
    statement (Postgres runs them side by side)."""
    await _tune(session)
    scope = await _resolve(session, scope)
    pg = _is_pg(session)
    w = scope.where()
    taken_w, ans_w = [*w, _in(T.taken_at, period)], [*w, _in(T.answered_at, period)]
    rows = await _run(
        session,
        [
            _Branch(
                "reg",
                [*w, _in(T.registered_at, period)],
                [func.count()],
                groups=(T.channel, T.kind),
            ),
            _Branch(
                "taken",
                taken_w,
                [func.count()],
                pcts=_pcts(T.take_wsec, (0.5, 0.9)) if pg else None,
            ),
            _Branch(
                "answered",
                ans_w,
                _answered_counts(),
                mean=func.avg(T.rating),
                pcts=_pcts(T.answer_wsec, (0.5, 0.9)) if pg else None,
            ),
            _Branch("closed", [*w, _in(T.closed_at, period)], [func.count()]),
            _Branch("reopened", [*w, _in(T.reopened_at, period)], [func.count()]),
            _Branch("open", [*w, _open()], _backlog(now)),
        ],
    )
    by_channel: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for r in rows["reg"]:
        by_channel[r.g0] = by_channel.get(r.g0, 0) + r.n0
        by_kind[r.g1] = by_kind.get(r.g1, 0) + r.n0
    taken, ans = rows["taken"][0], rows["answered"][0]
    if pg:
        take_p, ans_p = taken.p or [None, None], ans.p or [None, None]
    else:
        take_p, ans_p = [
            (
                await _generic_pcts(
                    session, keys=(), value=value, where=where, fractions=(0.5, 0.9)
                )
            ).get((), [None, None])
            for value, where in ((T.take_wsec, taken_w), (T.answer_wsec, ans_w))
        ]
    backlog = rows["open"][0]
    return Summary(
        received=sum(by_channel.values()),
        by_channel=by_channel,
        by_kind=by_kind,
        taken=taken.n0,
        answered=ans.n0,
        closed=rows["closed"][0].n0,
        answered_late=ans.n1,
        on_time_share=_share(ans.n2 - ans.n1, ans.n2),
        take_median_h=_hours(take_p[0]),
        take_p90_h=_hours(take_p[1]),
        answer_median_h=_hours(ans_p[0]),
        answer_p90_h=_hours(ans_p[1]),
        feedback=ans.n3,
        solved_share=_share(ans.n4, ans.n3),
        rated=ans.n5,
        mean_rating=None if ans.mean is None else round(float(ans.mean), 2),
        reopened=rows["reopened"][0].n0,
        open_now=backlog.n0,
        overdue_now=backlog.n1,
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
    """Recipients (by="recipient") or sectors (by="sector") ranked by the composite score:
    the answered items' figures, the medians and the open backlog, side by side."""
    if by not in ("recipient", "sector"):
        raise ValueError(by)
    await _tune(session)
    scope = await _resolve(session, scope)
    pg = _is_pg(session)
    key = T.assignee_id if by == "recipient" else T.sector_id
    w = [*scope.where(), key.is_not(None)]
    ans_w = [*w, _in(T.answered_at, period)]
    branches = [
        _Branch("answered", ans_w, _answered_counts(), key=key, mean=func.avg(T.rating)),
        _Branch("open", [*w, _open()], _backlog(now), key=key),
    ]
    if pg:  # on its own: walks (municipality, recipient, answer time) in order, no sort
        branches.append(_Branch("median", ans_w, key=key, pcts=_pcts(T.answer_wsec, (0.5,))))
    rows = await _run(session, branches)
    if pg:
        medians = {(r.k,): r.p for r in rows["median"]}
    else:
        medians = await _generic_pcts(
            session, keys=(key,), value=T.answer_wsec, where=ans_w, fractions=(0.5,)
        )
    answered = {r.k: r for r in rows["answered"]}
    backlog = {r.k: r for r in rows["open"]}
    keys = sorted(answered.keys() | backlog.keys())
    names, sectors = await _names(session, by=by, keys=keys)
    out: list[RatingRow] = []
    for k in keys:
        a, b = answered.get(k), backlog.get(k)
        n, late, with_due = (a.n0, a.n1, a.n2) if a else (0, 0, 0)
        out.append(
            RatingRow(
                key=k,
                name=names.get(k, f"#{k}"),
                sector=sectors.get(k),
                answered=n,
                on_time_share=_share(with_due - late, with_due),
                answer_median_h=_hours((medians.get((k,)) or [None])[0]),
                open_now=b.n0 if b else 0,
                overdue_now=b.n1 if b else 0,
                reopen_rate=_share(a.n6, n) if a else None,
                mean_rating=None if a is None or a.mean is None else round(float(a.mean), 2),
                rated=a.n5 if a else 0,
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
    await _tune(session)
    scope = await _resolve(session, scope)
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
    await _tune(session)
    scope = await _resolve(session, scope)
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
    await _tune(session)
    scope = await _resolve(session, scope)
    bounds = [
        _midnight(week.first - timedelta(days=7 * i), week) for i in range(BASELINE_WEEKS, -1, -1)
    ]
    bounds.append(week.end)
    bucket = case(*[(T.registered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)
    this = len(bounds) - 2  # index of the week itself
    rows = (
        await session.execute(
            select(T.sector_id, T.locality_id, bucket, func.count())
            .where(*scope.where(), T.registered_at >= bounds[0], T.registered_at < bounds[-1])
            .group_by(T.sector_id, T.locality_id, bucket)
        )
    ).all()  # one pass for both dimensions: sectors × places × weeks is a small result
    points: list[GrowthPoint] = []
    for dimension, pos, table in (("sector", 0, Sector), ("locality", 1, Locality)):
        counts: dict[Any, list[int]] = {}
        for r in rows:
            counts.setdefault(r[pos], [0] * (this + 1))[r[2]] += r[3]
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
    await _tune(session)
    scope = await _resolve(session, scope)
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
    # Spelled as the partial index `ix_item_decision` (DECISION_SQL) is, so that it serves.
    waiting = or_(
        T.status.in_([literal(s, literal_execute=True) for s in ("new", "reopened")]),
        and_(T.extension_requested_days.is_not(None), _open()),
    )
    await _tune(session)
    scope = await _resolve(session, scope)
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


def select_items(scope: Scope, period: Period, *, now: datetime | None = None) -> Select[Any]:
    """The period's items for exports (registered in it), oldest first; given `now`, those
    needing attention first (see `attention`)."""
    order = [col(Item.registered_at)] if now is None else [attention(now), col(Item.registered_at)]
    return select(Item).where(*scope.where(), _in(T.registered_at, period)).order_by(*order)


def attention(now: datetime) -> Any:
    """How much an item needs the head's eye: 0 overdue now, 1 answered late, 2 reopened,
    3 rated 1–2 by the citizen, 4 the rest."""
    return case(
        (_overdue(now), 0),
        (_late(), 1),
        (T.reopens > 0, 2),
        (T.rating <= 2, 3),
        else_=4,
    )
