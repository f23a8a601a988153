"""Items on a calendar true to the hour: the lunch setting, the eve of a holiday, 2028."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import Municipality
from tests.fixtures import TEST_SETUP
from tests.helpers import register
from workflows.conversation.cards import card_text
from workflows.core.clock import FakeClock
from workflows.core.errors import Invalid
from workflows.items.views import get_item_view
from workflows.setup.apply import check_apply_setup

MSK = ZoneInfo("Europe/Moscow")
WITH_LUNCH = TEST_SETUP + 'calendar:\n  lunch: {start: "13:00", end: "14:00"}\n'


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


async def test_lunch_break_moves_a_take_deadline(sm, muni) -> None:
    clock = FakeClock(msk(2025, 12, 2, 11).astimezone(UTC))
    before = await register(sm, clock, muni, "Нет воды")
    assert before.take_due_at == msk(2025, 12, 2, 15)  # 4 working hours, no lunch yet
    async with sm() as s:
        await check_apply_setup(s, text=WITH_LUNCH, clock=clock)
    item = await register(sm, clock, muni, "Нет воды")
    assert item.take_due_at == msk(2025, 12, 2, 16)  # 11-13 and 14-16


async def test_take_deadline_on_the_afternoon_of_11_june(sm, muni) -> None:
    clock = FakeClock(msk(2026, 6, 11, 15).astimezone(UTC))
    item = await register(sm, clock, muni, "Нет воды")
    # 15:00-17:00 on the shortened eve of Russia Day, then Mon 15 June 09:00-11:00.
    assert item.take_due_at == msk(2026, 6, 15, 11)
    assert item.due_at == msk(2026, 6, 26, 18)  # ten working days, ordinary Friday


@pytest.mark.parametrize(
    ("lunch", "message"),
    [
        ('{start: "08:00", end: "09:30"}', "должен быть внутри рабочего дня 09:00–18:00"),
        ('{start: "17:30", end: "18:30"}', "должен быть внутри рабочего дня 09:00–18:00"),
        ('{start: "14:00", end: "13:00"}', "должен кончаться позже, чем начинается"),
        ('{start: "13:00", end: "13:00"}', "должен кончаться позже, чем начинается"),
        ('{start: "13:00", end: "25:00"}', "ЧЧ:ММ"),
    ],
)
async def test_bad_lunch_is_refused_and_changes_nothing(sm, clock, muni, lunch, message) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=WITH_LUNCH, clock=clock)
    bad = TEST_SETUP.replace("name: Тестовый", "name: Другой") + f"calendar:\n  lunch: {lunch}\n"
    async with sm() as s:
        with pytest.raises(Invalid) as err:
            await check_apply_setup(s, text=bad, clock=clock)
    assert message in err.value.reason and "calendar.lunch" in err.value.reason
    async with sm() as s:
        row = (await s.exec(select(Municipality))).one()
    assert (row.name, row.lunch_start, row.lunch_end) == (
        "Тестовый муниципальный округ",
        "13:00",
        "14:00",
    )


async def test_removing_the_lunch_counts_the_whole_day_again(sm, clock, muni) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=WITH_LUNCH, clock=clock)
        await check_apply_setup(s, text=TEST_SETUP, clock=clock)
        row = (await s.exec(select(Municipality))).one()
    assert (row.lunch_start, row.lunch_end) == (None, None)


async def test_card_says_when_the_calendar_is_assumed(sm, muni) -> None:
    from workflows.calendar.deadlines import get_deadlines_assumed

    now = msk(2028, 11, 3, 10).astimezone(UTC)
    late = await register(sm, FakeClock(now), muni, "Нет воды")
    assert late.due_at == msk(2028, 11, 20, 18)  # 6 November 2028 is a day off (art. 112 ч. 2)
    soon = await register(sm, FakeClock(msk(2026, 6, 1, 10).astimezone(UTC)), muni, "Нет воды")
    async with sm() as s:
        texts = {
            i.id: "".join(card_text(await get_item_view(s, item_id=i.id or 0), now))
            for i in (late, soon)
        }
        flags = [await get_deadlines_assumed(s, item=i) for i in (late, soon)]
    assert "рассчитан по предполагаемому календарю" in texts[late.id]
    assert "предполагаемому" not in texts[soon.id]
    assert flags == [True, False]
