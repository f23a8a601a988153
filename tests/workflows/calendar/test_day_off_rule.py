"""Where a calendar-day deadline falling on a day off goes: the next working day (the default,
ГК ст. 193 by analogy) or the preceding one (a policy setting, as many municipal regulations
say), shown on the staff card; a bad value refused and nothing changed."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import DayOffRule, DeadlinePolicy, ItemKind
from tests.fixtures import TEST_SETUP
from tests.helpers import register
from workflows.calendar.work_calendar import WorkCalendar
from workflows.conversation.cards import card_text
from workflows.core.clock import FakeClock
from workflows.core.errors import Invalid
from workflows.items.views import get_item_view
from workflows.setup.apply import check_apply_setup

MSK = ZoneInfo("Europe/Moscow")
OLD = "extension_needs_head: true, forward_days: 7"
PREVIOUS = TEST_SETUP.replace(OLD, OLD + ", day_off: previous")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "days", "previous", "expected"),
    [
        # 1 Dec 2025 + 5 days = Saturday 6 Dec: Monday 8th, or Friday 5th under the regulation.
        (msk(2025, 12, 1, 10), 5, False, msk(2025, 12, 8, 18)),
        (msk(2025, 12, 1, 10), 5, True, msk(2025, 12, 5, 18)),
        # 2 Dec + 30 = 1 Jan 2026, in the New Year break: 12 Jan, or the last working day, 30 Dec.
        (msk(2025, 12, 2, 10), 30, False, msk(2026, 1, 12, 18)),
        (msk(2025, 12, 2, 10), 30, True, msk(2025, 12, 30, 18)),
        # A working day is kept either way.
        (msk(2025, 12, 1, 10), 3, True, msk(2025, 12, 4, 18)),
        # Registered on a Saturday, 1 day → Sunday: the preceding working day would be before the
        # start, so the next one is taken.
        (msk(2025, 12, 6, 10), 1, True, msk(2025, 12, 8, 18)),
    ],
)
def test_the_two_rules_on_the_calendar(
    start: datetime, days: int, previous: bool, expected: datetime
) -> None:
    cal = WorkCalendar(tz="Europe/Moscow")
    assert cal.add_calendar_days(start, days, previous=previous) == expected


async def test_a_59fz_deadline_on_a_day_off_under_each_rule(sm, muni) -> None:
    clock = FakeClock(msk(2025, 12, 2, 10).astimezone(UTC))
    before = await register(sm, clock, muni, "Жалоба", kind=ItemKind.appeal_59fz)
    assert before.due_at == msk(2026, 1, 12, 18), "the default: the next working day"
    async with sm() as s:
        await check_apply_setup(s, text=PREVIOUS, clock=clock)
        policy = (await s.exec(select(DeadlinePolicy).where(DeadlinePolicy.code == "fz59"))).one()
    assert policy.day_off is DayOffRule.previous
    item = await register(sm, clock, muni, "Жалоба", kind=ItemKind.appeal_59fz)
    assert item.due_at == msk(2025, 12, 30, 18), "the regulation: the preceding working day"
    assert item.forward_due_at == msk(2025, 12, 9, 18), "7 days: a Tuesday, kept"
    message = await register(sm, clock, muni, "Нет воды")  # working days: no day-off rule
    async with sm() as s:
        shown = "".join(card_text(await get_item_view(s, item_id=item.id or 0), clock.now()))
        plain = "".join(card_text(await get_item_view(s, item_id=message.id or 0), clock.now()))
    assert "в предыдущий рабочий день" in shown
    assert "в предыдущий рабочий день" not in plain


async def test_a_bad_day_off_rule_is_refused_and_changes_nothing(sm, clock, muni) -> None:
    bad = TEST_SETUP.replace(OLD, OLD + ", day_off: вчера")
    async with sm() as s:
        with pytest.raises(Invalid) as err:
            await check_apply_setup(s, text=bad, clock=clock)
    assert "day_off" in err.value.reason
    async with sm() as s:
        policy = (await s.exec(select(DeadlinePolicy).where(DeadlinePolicy.code == "fz59"))).one()
    assert policy.day_off is DayOffRule.next
