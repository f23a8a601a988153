"""Building the weekly analytical note: the week's figures from the report queries, then its text,
two charts and a workbook (the charts drawn in a thread while the rest is computed)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, ItemKind, Municipality
from workflows.calendar.deadlines import get_calendar
from workflows.calendar.periods import Period
from workflows.core.errors import NotFound
from workflows.digest.text import render_text
from workflows.digest.workbook import item_rows, masked, write_workbook
from workflows.reports.charts import heatmap_chart, weekly_chart
from workflows.reports.growth import GrowthPoint, get_growth
from workflows.reports.heatmap import get_heatmap, get_weekly_counts
from workflows.reports.incidents import get_incident_week
from workflows.reports.lists import get_decisions
from workflows.reports.rating import RatingRow, get_rating
from workflows.reports.scope import Scope
from workflows.reports.summary import Summary, get_summary

TREND_WEEKS = 8
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows of the workbook's item sheet: a district's week fits whole; a city's busiest week would
# take seconds to write and nobody reads 9,000 rows in a chat: those needing attention come
# first, and the note says where the whole list is.
ITEMS_IN_XLSX = 1_000
# The ratings in the part of incidents and of ПОС read every open item's row (the open backlog's
# index has no channel or kind): ~5 ms a thousand; past this many open items the note leaves them
# to the API and the dashboard (bench.reports: 53,000 open made the note 0.7 s → 1.5 s).
CUT_SHEETS_MAX_OPEN = 5_000


@dataclass
class DigestPart:
    name: str
    mime: str
    content: bytes


@dataclass
class DigestDoc:
    week: Period
    text: str  # Telegram HTML, under 4,096 characters
    files: list[DigestPart] = field(default_factory=list)


async def note_text(
    session: AsyncSession, *, municipality_id: int, week: Period, now: datetime
) -> str:
    """Only the note's text (for /stats in the bot: no charts to draw)."""
    text, _, _, _ = await _note(
        session, municipality_id=municipality_id, week=week, now=now, attachments=False
    )
    return text


async def _note(
    session: AsyncSession,
    *,
    municipality_id: int,
    week: Period,
    now: datetime,
    attachments: bool,
) -> tuple[str, Summary, list[RatingRow], list[GrowthPoint]]:
    """The note's text, with the week's summary, recipient rating and growth it is made of."""
    muni = await session.get(Municipality, municipality_id)
    if muni is None:
        raise NotFound(f"муниципалитет {municipality_id} не найден")
    scope = Scope((municipality_id,))
    cur = await get_summary(session, scope=scope, period=week, now=now)
    prev = await get_summary(session, scope=scope, period=week.previous(), now=now)
    people = await get_rating(session, scope=scope, period=week, now=now)
    growth = await get_growth(session, scope=scope, week=week)
    decisions = await get_decisions(session, scope=scope, now=now)
    incidents = await get_incident_week(session, scope=scope, period=week)
    # Hours to working days: an ordinary day's working time, the lunch break left out.
    day_hours = (await get_calendar(session, municipality=muni)).day_length / timedelta(hours=1)
    text = render_text(
        municipality=muni.name,
        week=week,
        cur=cur,
        prev=prev,
        people=people,
        growth=growth,
        decisions=decisions,
        day_hours=day_hours,
        attachments=attachments,
        listed=ITEMS_IN_XLSX,
        incidents=incidents,
    )
    return text, cur, people, growth


async def build_digest(
    session: AsyncSession, *, municipality_id: int, week: Period, now: datetime
) -> DigestDoc:
    """Compute the week's figures and render the note, the charts and the workbook.

    The charts' figures come first and the charts are drawn in a thread while the server
    computes the rest of the note; the workbook's texts are masked in another meanwhile."""
    scope = Scope((municipality_id,))
    trend = Period(week.first - timedelta(weeks=TREND_WEEKS - 1), week.last, week.tz, "trend")
    weeks = await get_weekly_counts(session, scope=scope, period=trend, now=now)
    heat = await get_heatmap(session, scope=scope, period=week, now=now)
    charts = asyncio.create_task(asyncio.to_thread(_charts, weeks, heat, week))
    rows = await item_rows(session, scope=scope, week=week, now=now, limit=ITEMS_IN_XLSX)
    masking = asyncio.create_task(asyncio.to_thread(masked, rows))  # beside the queries below
    try:
        text, cur, people, growth = await _note(
            session, municipality_id=municipality_id, week=week, now=now, attachments=True
        )
        sectors = await get_rating(session, scope=scope, period=week, now=now, by="sector")
        cuts = (
            [
                (title, await get_rating(session, scope=cut, period=week, now=now))
                for title, cut in (
                    ("Рейтинг по инцидентам", replace(scope, kinds=(ItemKind.incident,))),
                    ("Рейтинг по ПОС", replace(scope, channels=(Channel.pos,))),
                )
            ]  # the seed's ratings "in the part of" incidents and of ПОС (2.5 б–в, 2.6 б–в)
            if cur.open_now <= CUT_SHEETS_MAX_OPEN
            else None
        )
    finally:
        pictures = await charts
        items = await masking
    book = await asyncio.to_thread(
        write_workbook,
        week,
        cur,
        people,
        sectors,
        items,
        total=cur.received,
        tz=week.tz,
        cuts=None
        if cuts is None  # a cut that is the whole adds nothing
        else [(title, rows) for title, rows in cuts if rows and rows != people],
        growth=growth,
    )
    return DigestDoc(
        week=week, text=text, files=[*pictures, DigestPart(f"mcu-{week.code}.xlsx", XLSX, book)]
    )


def _charts(
    weeks: list[tuple[str, int, int, int]], heat: list[Any], week: Period
) -> list[DigestPart]:
    return [
        DigestPart(
            f"weekly-{week.code}.png",
            "image/png",
            weekly_chart(weeks, title=f"Поступление и ответы по неделям, по {week.label}"),
        ),
        DigestPart(
            f"heatmap-{week.code}.png",
            "image/png",
            heatmap_chart(heat, title=f"Сектор × населённый пункт, {week.label}"),
        ),
    ]
