"""The rating of recipients (or sectors): a composite score of timeliness, backlog, reopens and
the citizens' marks, ranked from MIN_RANKED answers (docs/reports.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Sector, Staff
from workflows.calendar.periods import Period
from workflows.reports.scope import (
    Scope,
    T,
    in_period,
    is_open,
    is_pg,
    resolve,
    share_of,
    to_hours,
    tune,
)
from workflows.reports.union import (
    Branch,
    answered_counts,
    backlog_counts,
    generic_percentiles,
    percentiles,
    run_branches,
)

MIN_RANKED = 5  # answered items in the period below which a recipient gets no rank


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
    await tune(session)
    scope = await resolve(session, scope)
    pg = is_pg(session)
    key = T.assignee_id if by == "recipient" else T.sector_id
    w = [*scope.where(), key.is_not(None)]
    ans_w = [*w, in_period(T.answered_at, period)]
    branches = [
        Branch("answered", ans_w, answered_counts(), key=key, mean=func.avg(T.rating)),
        Branch("open", [*w, is_open()], backlog_counts(now), key=key),
    ]
    if pg:  # on its own: walks (municipality, recipient, answer time) in order, no sort
        branches.append(Branch("median", ans_w, key=key, pcts=percentiles(T.answer_wsec, (0.5,))))
    rows = await run_branches(session, branches)
    if pg:
        medians = {(r.k,): r.p for r in rows["median"]}
    else:
        medians = await generic_percentiles(
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
                on_time_share=share_of(with_due - late, with_due),
                answer_median_h=to_hours((medians.get((k,)) or [None])[0]),
                open_now=b.n0 if b else 0,
                overdue_now=b.n1 if b else 0,
                reopen_rate=share_of(a.n6, n) if a else None,
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
