"""The period's summary: received, taken, answered, on time, working time, satisfaction, backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel.ext.asyncio.session import AsyncSession

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
    await tune(session)
    scope = await resolve(session, scope)
    pg = is_pg(session)
    w = scope.where()
    taken_w, ans_w = [*w, in_period(T.taken_at, period)], [*w, in_period(T.answered_at, period)]
    rows = await run_branches(
        session,
        [
            Branch(
                "reg",
                [*w, in_period(T.registered_at, period)],
                [func.count()],
                groups=(T.channel, T.kind),
            ),
            Branch(
                "taken",
                taken_w,
                [func.count()],
                pcts=percentiles(T.take_wsec, (0.5, 0.9)) if pg else None,
            ),
            Branch(
                "answered",
                ans_w,
                answered_counts(),
                mean=func.avg(T.rating),
                pcts=percentiles(T.answer_wsec, (0.5, 0.9)) if pg else None,
            ),
            Branch("closed", [*w, in_period(T.closed_at, period)], [func.count()]),
            Branch("reopened", [*w, in_period(T.reopened_at, period)], [func.count()]),
            Branch("open", [*w, is_open()], backlog_counts(now)),
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
                await generic_percentiles(
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
        on_time_share=share_of(ans.n2 - ans.n1, ans.n2),
        take_median_h=to_hours(take_p[0]),
        take_p90_h=to_hours(take_p[1]),
        answer_median_h=to_hours(ans_p[0]),
        answer_p90_h=to_hours(ans_p[1]),
        feedback=ans.n3,
        solved_share=share_of(ans.n4, ans.n3),
        rated=ans.n5,
        mean_rating=None if ans.mean is None else round(float(ans.mean), 2),
        reopened=rows["reopened"][0].n0,
        open_now=backlog.n0,
        overdue_now=backlog.n1,
    )
