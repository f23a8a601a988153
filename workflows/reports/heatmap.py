"""Where and when: items by sector × locality (or × week) with their overdue share, and the
weekly counts of received and answered items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Locality, Sector
from workflows.calendar.periods import Period
from workflows.reports.scope import (
    Scope,
    T,
    get_names,
    in_period,
    is_late,
    is_overdue,
    resolve,
    share_of,
    tune,
)


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
        return share_of(self.overdue, self.count)


def _week_bucket(bounds: list[datetime]) -> Any:
    """Index of the local week a registration falls in, as a CASE over the week bounds."""
    return case(*[(T.registered_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)


def _overdue_item(now: datetime) -> ColumnElement[bool]:
    return or_(is_late(), is_overdue(now))


async def get_heatmap(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime, by_week: bool = False
) -> list[HeatCell]:
    """Items registered in the period: sector × locality, or sector × week, with overdue counts."""
    await tune(session)
    scope = await resolve(session, scope)
    reg = in_period(T.registered_at, period)
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


async def get_weekly_counts(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime
) -> list[tuple[str, int, int, int]]:
    """Per local week of the period: (ISO week, received, answered, answered late)."""
    await tune(session)
    scope = await resolve(session, scope)
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
                select(ans_b, func.count(), func.count().filter(is_late()))
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
