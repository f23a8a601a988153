"""The spb-appeals replay against figures counted by hand straight from the trace's lines."""

import gzip
import json
import random
import statistics
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.spb_replay import DATA, POLICY_DAYS, WorkingSeconds, replay
from models import Item, ItemStatus
from workflows.calendar.periods import week_period
from workflows.calendar.work_calendar import WorkCalendar
from workflows.reports.scope import Scope
from workflows.reports.summary import get_summary

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"trace not found at {DATA}")

LIMIT = 3_000
MSK = ZoneInfo("Europe/Moscow")
# 19–25 October 2020: every message sent or answered in it is among the first 3,000 lines.
W43 = week_period(date(2020, 10, 19), MSK)
CAL = WorkCalendar(tz="Europe/Moscow")


def trace_lines() -> list[dict[str, Any]]:
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(LIMIT), f, strict=False)]


def local(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=MSK)


def hand_due(created: str) -> datetime:
    """The end (18:00) of the POLICY_DAYS-th working day after the day it was sent."""
    day, counted = local(created).date(), 0
    while counted < POLICY_DAYS:
        day += timedelta(days=1)
        counted += CAL.is_working_day(day)
    return datetime.combine(day, time(18), MSK)


def hours(a: str, b: str) -> float:
    return CAL.working_time_between(local(a), local(b)).total_seconds() / 3600


async def test_replay_matches_counts_from_the_trace(
    engine: AsyncEngine, sm: async_sessionmaker[AsyncSession]
) -> None:
    until = W43.end
    mid = await replay(engine, limit=LIMIT, until=until)
    async with sm() as s:
        summary = await get_summary(s, scope=Scope((mid,)), period=W43, now=until)
        stored = (await s.execute(select(func.count()).select_from(Item))).scalar_one()
        closed = (
            await s.execute(select(func.count()).where(col(Item.status) == ItemStatus.closed))
        ).scalar_one()

    lines = trace_lines()
    start, end = W43.start.astimezone(MSK), W43.end.astimezone(MSK)

    def in_week(value: str) -> bool:
        return bool(value) and start <= local(value) < end

    def by_end(value: str) -> bool:
        return bool(value) and local(value) < end

    sent = [r for r in lines if by_end(r["created_at"])]
    received = [r for r in lines if in_week(r["created_at"])]
    answered = [r for r in lines if in_week(r["answered_at"])]
    taken = [r for r in lines if in_week(r["review_at"])]
    still_open = [r for r in sent if not by_end(r["answered_at"])]
    assert len(received) > 1_000 and len(answered) > 100  # the week is worth checking

    assert stored == len(sent)  # nothing sent after the end of the week
    assert closed == sum(by_end(r["closed_at"]) for r in sent)
    assert summary.received == len(received)
    assert summary.by_channel == {"pos": len(received)}
    assert summary.taken == len(taken)
    assert summary.answered == len(answered)
    assert summary.closed == sum(in_week(r["closed_at"]) for r in lines)
    assert summary.answered_late == sum(
        local(r["answered_at"]) > hand_due(r["created_at"]) for r in answered
    )
    median = statistics.median(hours(r["created_at"], r["answered_at"]) for r in answered)
    assert summary.answer_median_h == round(median, 2)
    take = statistics.median(hours(r["created_at"], r["review_at"]) for r in taken)
    assert summary.take_median_h == round(take, 2)
    assert summary.feedback == sum(
        r["closed_how"] == "citizen_confirmed" and by_end(r["closed_at"]) for r in answered
    )
    assert summary.open_now == len(still_open)
    assert summary.overdue_now == sum(hand_due(r["created_at"]) < end for r in still_open)


async def test_replay_again_replaces_the_items(
    engine: AsyncEngine, sm: async_sessionmaker[AsyncSession]
) -> None:
    first = await replay(engine, limit=300)
    again = await replay(engine, limit=200)
    async with sm() as s:
        numbers = (
            (await s.execute(select(col(Item.number)).order_by(col(Item.number)))).scalars().all()
        )
    assert first == again
    expected = sorted(f"СПБ-{local(r['created_at']).year}-{r['id']}" for r in trace_lines()[:200])
    assert list(numbers) == expected


def test_working_seconds_table_equals_the_calendar() -> None:
    """Around the New Year holidays and a transferred Saturday (20 February 2021 was working)."""
    ws = WorkingSeconds(CAL, date(2020, 12, 20), date(2021, 3, 10))
    rng = random.Random(7)
    lo = datetime(2020, 12, 20, tzinfo=MSK).timestamp()
    hi = datetime(2021, 3, 10, 23, 59, tzinfo=MSK).timestamp()
    for _ in range(2_000):
        a, b = sorted(datetime.fromtimestamp(rng.uniform(lo, hi), UTC) for _ in range(2))
        a, b = a.replace(microsecond=0), b.replace(microsecond=0)
        assert ws.between(a, b) == int(CAL.working_time_between(a, b).total_seconds())
        assert ws.between(b, a) == 0
    # The working Saturday stood in for Monday 22 February, the eve of 23 February: 8 hours.
    saturday = datetime(2021, 2, 20, 9, tzinfo=MSK)
    assert ws.between(saturday, saturday + timedelta(hours=9)) == 8 * 3600
