"""Timers under the injected clock: the ladder in order, once each, never in quiet hours."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from models import ItemEvent, ItemKind, ItemStatus, Outbox, Staff
from tests.helpers import act, actor, register
from workflows.calendar.work_calendar import WorkCalendar
from workflows.core.clock import FakeClock
from workflows.escalation.firing import next_due_at, run_due_timers
from workflows.items.transitions import Action

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar(tz="Europe/Moscow")


async def run_month(sm, clock: FakeClock, until: datetime) -> int:
    """Jump from one due timer to the next until `until`, polling at each; returns polls."""
    polls = 0
    while True:
        async with sm() as s:
            nxt = await next_due_at(s)
        if nxt is None or nxt > until:
            clock.set(until)
            return polls
        clock.set(max(nxt, clock.now()))
        await run_due_timers(sm, clock=clock)
        polls += 1


async def escalations(sm) -> list[tuple[str, str, datetime]]:
    """(step, staff code, local time) of every reminder and escalation, in order."""
    async with sm() as s:
        rows = await s.exec(
            select(Outbox, Staff)
            .join(Staff, col(Staff.id) == Outbox.staff_id)
            .where(col(Outbox.kind).in_(["reminder", "escalation"]))
            .order_by(col(Outbox.id))
        )
        return [(o.payload["step"], st.code, o.created_at.astimezone(MSK)) for o, st in rows]


async def test_untaken_item_climbs_the_whole_ladder_in_order_once(sm, clock, muni):
    await register(sm, clock, muni, "Нет воды в селе")  # Tue 2 Dec 2025 10:00 MSK
    start = clock.now()
    await run_month(sm, clock, start + timedelta(days=31))
    got = await escalations(sm)
    assert [(step, who) for step, who, _ in got] == [
        ("take_lead", "lead_zhkh"),
        ("take_head", "head"),
        ("remind", "water"),
        ("overdue", "lead_zhkh"),
        ("overdue", "head"),
        ("curator", "curator"),
    ]
    assert [t.strftime("%d.%m %H:%M") for _, _, t in got] == [
        "02.12 14:00",  # 4 working hours after 10:00
        "03.12 09:00",  # +4 more falls at 18:00 (after hours): waits for the morning
        "15.12 17:00",  # a working day before the 16 Dec 18:00 deadline: on that day, not the 16th
        "17.12 09:00",  # deadline passed at 18:00: told in the morning
        "17.12 09:00",
        "18.12 09:00",  # a working day overdue: the curator
    ]
    assert all(CAL.is_working_moment(t) for _, _, t in got), "nothing fires in quiet hours"


async def test_taking_the_item_stops_the_take_rungs(sm, clock, muni):
    item = await register(sm, clock, muni, "Нет воды в селе")
    clock.advance(timedelta(hours=1))
    await act(sm, clock, item, Action.take, await actor(sm, "water"))
    await run_month(sm, clock, clock.now() + timedelta(days=31))
    steps = [step for step, _, _ in await escalations(sm)]
    assert "take_lead" not in steps and "take_head" not in steps
    assert steps == ["remind", "overdue", "overdue", "curator"]


async def test_answered_item_is_closed_automatically_after_silence(sm, clock, muni):
    water = await actor(sm, "water")
    item = await register(sm, clock, muni, "Нет воды в селе")
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.answer, water, text="Починили")
    await run_month(sm, clock, clock.now() + timedelta(days=10))
    async with sm() as s:
        events = list(
            await s.exec(
                select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(col(ItemEvent.id))
            )
        )
    assert events[-1].action == "close" and events[-1].to_status is ItemStatus.closed
    assert events[-1].at.astimezone(MSK).date().isoformat() == "2025-12-09"
    assert not [s for s, _, _ in await escalations(sm)]


async def test_overnight_registration_waits_for_working_hours(sm, muni):
    clock = FakeClock(datetime(2025, 12, 5, 20, 30, tzinfo=UTC))  # Fri 23:30 MSK
    await register(sm, clock, muni, "Нет воды", kind=ItemKind.message)
    await run_month(sm, clock, clock.now() + timedelta(days=3))
    got = await escalations(sm)
    # 4 working hours from Monday 09:00 -> 13:00, not during the weekend
    assert got[0][0] == "take_lead" and got[0][2].strftime("%a %H:%M") == "Mon 13:00"


async def test_polling_twice_fires_nothing_twice(sm, clock, muni):
    await register(sm, clock, muni, "Нет воды")
    clock.advance(timedelta(hours=5))
    first = await run_due_timers(sm, clock=clock)
    second = await run_due_timers(sm, clock=clock)
    assert first == 1 and second == 0
    assert len(await escalations(sm)) == 1


async def test_urgent_rung_fires_at_night(sm, muni):
    clock = FakeClock(datetime(2025, 12, 2, 14, 0, tzinfo=UTC))  # 17:00 MSK
    await register(sm, clock, muni, "Пожар на складе", kind=ItemKind.incident)
    await run_month(sm, clock, clock.now() + timedelta(days=2))
    [(step, who, at)] = await escalations(sm)
    # due: 8 working hours from 17:00 = 1 h Tuesday + 7 h Wednesday -> 16:00 Wed; the urgent
    # rung is 4 clock hours later, 20:00, after hours, and fires then anyway
    assert (step, who, at.strftime("%d.%m %H:%M")) == ("urgent", "head", "03.12 20:00")
    assert not CAL.is_working_moment(at)


async def test_59fz_forward_rung_warns_before_seven_days(sm, clock, muni):
    from tests.fixtures import TEST_SETUP
    from workflows.setup.apply import check_apply_setup

    with_forward = TEST_SETUP.replace(
        "extension_needs_head: true, forward_days: 7}",
        "extension_needs_head: true, forward_days: 7, ladder: [{code: forward, "
        "anchor: forward_due, offset: '-1wd', notify: [operator]}]}",
    )
    async with sm() as s:
        await check_apply_setup(s, text=with_forward, clock=clock)
    await register(sm, clock, muni, "Жалоба", kind=ItemKind.appeal_59fz)
    await run_month(sm, clock, clock.now() + timedelta(days=10))
    # Forward due 9 Dec 18:00 (7 days from 2 Dec); a working day before is the 8th, in its last
    # working hour (its close, 18:00, would be quiet hours and carried to the 9th: too late).
    assert [(s, w, t.strftime("%d.%m %H:%M")) for s, w, t in await escalations(sm)] == [
        ("forward", "operator", "08.12 17:00")
    ]


async def test_59fz_ladder_reaches_the_glava_and_the_pos_officer_falls_back(sm, clock, muni):
    """The глава is the appeals' last rung; a setup that names no officer for ПОС still has
    its registration rung reach someone (the operators)."""
    from tests.fixtures import TEST_SETUP
    from workflows.setup.apply import check_apply_setup

    with_glava = TEST_SETUP.replace(
        "  - {code: admin, name: Администратор, role: admin}\n",
        "  - {code: admin, name: Администратор, role: admin}\n"
        "  - {code: glava, name: Глава, role: glava}\n",
    ).replace(
        "extension_needs_head: true, forward_days: 7}",
        "extension_needs_head: true, forward_days: 7, ladder: ["
        "{code: register_late, anchor: register_due, offset: '+0', notify: [pos_officer]}, "
        "{code: glava, anchor: due, offset: '+3wd', notify: [glava]}]}",
    )
    async with sm() as s:
        await check_apply_setup(s, text=with_glava, clock=clock)
    from workflows.items.appeal.intake import AppealIntake

    received = await register(
        sm,
        clock,
        muni,
        "Жалоба на дорогу",
        kind=ItemKind.appeal_59fz,
        appeal=AppealIntake(name="Заявитель", register_now=False),
    )
    assert received.status is ItemStatus.received
    await register(sm, clock, muni, "Жалоба на воду", kind=ItemKind.appeal_59fz)
    # Due 12 Jan 2026 (2 Dec + 30 is New Year's Day, off until the 12th); +3 working days.
    await run_month(sm, clock, clock.now() + timedelta(days=50))
    got = [(step, who) for step, who, _ in await escalations(sm)]
    assert ("register_late", "operator") in got, "no officer for ПОС: the operators"
    assert got.count(("glava", "glava")) == 1, "the registered appeal, once, past its deadline"
