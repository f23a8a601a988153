"""A failing timer fails alone: the rest of its batch fires, it is retried later with backoff,
and after a few failures it is parked and the operators are told; later polls pass it by."""

import logging
import traceback
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import select

from models import DeadlineClock, DeadlinePolicy, Item, ItemKind, ItemStatus, Timer, TimerStatus
from tests.bulk import bulk_due
from tests.helpers import act, actor, outbox, register, staff
from workflows.escalation import firing as escalation
from workflows.escalation.firing import run_due_timers
from workflows.escalation.retries import TIMER_MAX_ATTEMPTS
from workflows.items.transitions import Action

POISON = "BULK-0000900"


async def poison(sm, *, muni: int, due) -> int:
    """One more due item whose policy was edited in the database behind setup's back: its
    ladder names a role nobody has, so firing its timer raises. Returns the item's id."""
    await bulk_due(sm, muni=muni, n=1, due=due, start=900)
    async with sm() as s:
        policy = DeadlinePolicy(
            municipality_id=muni,
            code="broken",
            kind=ItemKind.incident,
            clock=DeadlineClock.working_hours,
            length=8,
            ladder=[{"code": "urgent", "anchor": "due", "notify": ["mayor"], "urgent": True}],
        )
        s.add(policy)
        await s.flush()
        item = (await s.exec(select(Item).where(Item.number == POISON))).one()
        item.policy_id = policy.id
        await s.commit()
        return item.id or 0


async def timer_of(sm, item_id: int) -> Timer:
    async with sm() as s:
        return (await s.exec(select(Timer).where(Timer.item_id == item_id))).one()


async def test_a_failing_timer_does_not_hold_back_the_others(sm, clock, muni):
    bad = await poison(sm, muni=muni, due=clock.now() - timedelta(minutes=1))  # claimed first
    await bulk_due(sm, muni=muni, n=40, due=clock.now())
    assert await run_due_timers(sm, clock=clock, limit=10) == 41
    head = await staff(sm, "head")
    told = await outbox(sm, kind="escalation")
    assert len(told) == 40 and {n.staff_id for n in told} == {head.id}
    t = await timer_of(sm, bad)
    assert t.status is TimerStatus.pending and t.attempts == 1
    assert "notify" in (t.last_error or "")  # the reason, for whoever looks
    assert t.due_at > clock.now()  # tried again later, not on every poll
    assert await run_due_timers(sm, clock=clock) == 0


async def test_a_poison_timer_is_retried_with_backoff_then_parked_with_an_alert(sm, clock, muni):
    bad = await poison(sm, muni=muni, due=clock.now())
    await run_due_timers(sm, clock=clock)
    waits = []
    for attempt in range(2, TIMER_MAX_ATTEMPTS + 1):
        before = await timer_of(sm, bad)
        waits.append(before.due_at - clock.now())
        clock.set(before.due_at)
        assert await run_due_timers(sm, clock=clock) == 1
        assert (await timer_of(sm, bad)).attempts == attempt
    assert waits == sorted(waits) and waits[-1] > 4 * waits[0], "the wait grows"
    parked = await timer_of(sm, bad)
    assert parked.status is TimerStatus.parked and parked.attempts == TIMER_MAX_ATTEMPTS
    [alert] = await outbox(sm, kind="timer_parked")
    assert alert.staff_id == (await staff(sm, "operator")).id
    assert alert.payload["number"] == POISON and POISON in alert.payload["text"]
    assert "notify" in alert.payload["reason"]
    # A day later the parked timer is claimed no more, and new timers fire as usual.
    clock.advance(timedelta(days=1))
    await bulk_due(sm, muni=muni, n=5, due=clock.now(), start=100)
    assert await run_due_timers(sm, clock=clock) == 5
    assert len(await outbox(sm, kind="timer_parked")) == 1, "one alert, not one a poll"


async def test_a_row_the_database_refuses_fails_only_its_timer(
    sm, clock, muni, monkeypatch, caplog
):
    """A notice the database refuses (here: a chat id too long for its column) spoils the batch's
    insert; the batch is written again timer by timer, and the error names no SQL values."""
    await bulk_due(sm, muni=muni, n=20, due=clock.now())
    secret = "9" * 100
    real = escalation.staff_notice

    def spoilt(**kw: Any) -> dict[str, Any]:
        row = real(**kw)
        if kw["item"].number == "BULK-0000007":
            row["chat_id"] = secret
        return row

    monkeypatch.setattr(escalation, "staff_notice", spoilt)
    with caplog.at_level(logging.DEBUG):
        assert await run_due_timers(sm, clock=clock) == 20
    assert len(await outbox(sm, kind="escalation")) == 19
    async with sm() as s:
        failed = list(await s.exec(select(Timer).where(Timer.attempts > 0)))
    assert len(failed) == 1 and failed[0].status is TimerStatus.pending
    error = failed[0].last_error or ""
    assert error and secret not in error and "INSERT" not in error
    assert secret not in caplog.text and "INSERT" not in caplog.text


async def test_a_failing_auto_close_is_rolled_back_alone(sm, clock, muni, monkeypatch):
    """The close runs in the timer's savepoint: when it fails after writing, its writes go."""
    water = await actor(sm, "water")
    items = []
    for i in range(3):
        item = await register(sm, clock, muni, f"Нет воды, дом {i}")
        item = await act(sm, clock, item, Action.take, water)
        items.append(await act(sm, clock, item, Action.answer, water, text="Починили"))
    real = escalation.apply_action

    async def close_then_fail(session, **kw: Any) -> Item:
        result = await real(session, **kw)
        if kw["item"].id == items[1].id:
            raise RuntimeError("сбой после записи")
        return result

    monkeypatch.setattr(escalation, "apply_action", close_then_fail)
    clock.advance(timedelta(days=10))
    await run_due_timers(sm, clock=clock)
    async with sm() as s:
        status = {i.id: i.status for i in await s.exec(select(Item))}
        timer = (
            await s.exec(
                select(Timer).where(Timer.item_id == items[1].id, Timer.kind == "auto_close")
            )
        ).one()
    assert [status[i.id] for i in items] == [
        ItemStatus.closed,
        ItemStatus.answered,
        ItemStatus.closed,
    ]
    assert timer.status is TimerStatus.pending and timer.attempts == 1
    assert "RuntimeError" in (timer.last_error or "")


async def test_a_poll_that_fails_as_a_whole_says_so_without_its_sql(monkeypatch):
    """What reaches the poller's log (or arq's) when a whole poll fails names no SQL values."""
    from sqlalchemy.exc import DBAPIError

    from workflows.jobs import tasks as jobs

    secret = "Иванов, ул. Садовая, 5"

    async def broken(*args: Any, **kw: Any) -> int:
        raise DBAPIError("UPDATE timer SET last_error = $1", (secret,), ConnectionError("сеть"))

    monkeypatch.setattr(jobs, "run_due_timers", broken)
    rt = SimpleNamespace(sm=None, clock=None, settings=SimpleNamespace(timer_max_attempts=5))
    with pytest.raises(Exception) as err:
        await jobs.fire_timers(rt)  # type: ignore[arg-type]
    shown = "".join(traceback.format_exception(err.value))
    assert "ConnectionError" in shown and secret not in shown and "UPDATE" not in shown
