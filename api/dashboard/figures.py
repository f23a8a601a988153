"""What the page shows for the filters: the summary, ratings, the heat map as a table, growth and
the overdue list."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.view import View, eight_weeks
from models import Channel
from workflows.calendar.periods import week_period
from workflows.items.transitions import CHANNEL_RU
from workflows.reports.growth import get_growth
from workflows.reports.heatmap import HeatCell, get_heatmap
from workflows.reports.lists import get_overdue
from workflows.reports.rating import get_rating
from workflows.reports.summary import get_summary

STATUS_NAMES = {
    "new": "не распределено",
    "assigned": "назначено",
    "in_progress": "в работе",
    "clarification": "уточнение",
    "reopened": "открыто повторно",
}


def heat_table(cells: Sequence[HeatCell]) -> dict[str, Any]:
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


async def get_figures(s: AsyncSession, view: View, *, now: datetime) -> dict[str, Any]:
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
        "heat": heat_table(await get_heatmap(s, scope=scope, period=period, now=now)),
        "growth": await get_growth(s, scope=scope, week=growth_week),
        "growth_week": growth_week,
        "overdue": overdue,
        "weeks8": eight_weeks(period),
    }
