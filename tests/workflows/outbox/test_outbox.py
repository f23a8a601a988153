"""The outbox sender: pacing per chat and per bot, retry-after, backoff, dead letters."""

import itertools
from datetime import datetime, timedelta

from sqlmodel import select

from models import Channel, Outbox, OutboxStatus
from tests.helpers import actor, outbox, register, staff
from workflows.core.clock import FakeClock
from workflows.notifications.notify import enqueue, staff_notice
from workflows.outbox.limits import Limits
from workflows.outbox.ports import Notice, PermanentFailure, RetryAfter
from workflows.outbox.sender import Sender


class RecordingPort:
    """A Telegram-like channel with its budget; fails as told, records when each send happened."""

    per_second = 30.0
    self_paced = False

    def chat_interval(self, chat_id: str) -> float:
        return 1.0

    def __init__(self, clock: FakeClock, fail: dict[int, Exception] | None = None) -> None:
        self.clock, self.fail = clock, fail or {}
        self.sent: list[tuple[str, datetime, int]] = []
        self.calls = 0

    async def send(self, notice: Notice) -> None:
        self.calls += 1
        err = self.fail.pop(self.calls, None)
        if err is not None:
            raise err
        self.sent.append((notice.chat_id, self.clock.now(), notice.outbox_id))


def sender(sm, clock: FakeClock, port: RecordingPort, **kw) -> Sender:
    async def fake_sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return Sender(sm, clock=clock, ports={Channel.telegram: port}, sleep=fake_sleep, **kw)


async def fill(sm, clock, chats: int, per_chat: int) -> None:
    """Queue notices to `chats` Telegram chats, `per_chat` each."""
    head = await staff(sm, "head")
    rows = []
    for c in range(chats):
        head.telegram_id = 1000 + c
        for k in range(per_chat):
            rows.append(
                staff_notice(
                    staff=head,
                    item=None,
                    kind="escalation",
                    payload={"number": f"N{c}-{k}"},
                    dedup=f"x{c}-{k}",
                    now=clock.now(),
                )
            )
    async with sm() as s:
        await enqueue(s, rows)
        await s.commit()


async def drain(snd: Sender, clock: FakeClock, rounds: int = 200) -> None:
    for _ in range(rounds):
        await snd.run_once()
        clock.advance(timedelta(milliseconds=200))


async def test_pacing_respects_chat_and_bot_limits(sm, clock, muni):
    await fill(sm, clock, chats=40, per_chat=3)
    port = RecordingPort(clock)
    await drain(sender(sm, clock, port), clock)
    assert len(port.sent) == 120
    by_chat: dict[str, list[datetime]] = {}
    for chat, at, _ in port.sent:
        by_chat.setdefault(chat, []).append(at)
    for times in by_chat.values():
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 1.0, "one message a second per chat"
    times = sorted(at for _, at, _ in port.sent)
    for i in range(len(times) - 30):
        assert (times[i + 30] - times[i]).total_seconds() >= 1.0 - 1e-6, "≤ 30 a second per bot"


async def test_a_chat_waiting_for_its_turn_does_not_hold_up_other_chats(clock):
    limits, turns = Limits(), []
    start = clock.now()

    async def book(chat: str) -> None:
        async def note(seconds: float) -> None:  # the moment it would send
            turns.append((chat, round(seconds, 3)))

        await limits.acquire(
            Channel.telegram, chat, per_second=30, chat_interval=1.0, clock=clock, sleep=note
        )

    await book("busy")  # now: no wait
    await book("busy")  # its second message waits a second
    for other in ("a", "b", "c"):
        await book(other)  # the moments before it are free for other chats
    assert turns == [("busy", 1.0), ("a", 0.033), ("b", 0.067), ("c", 0.1)]
    await book("busy")  # and its third still waits for its own turn
    assert turns[-1] == ("busy", 2.0)
    assert clock.now() == start
    booked = limits.booked[Channel.telegram]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(booked)]
    assert min(gaps) >= 1 / 30, "still ≤ 30 a second per bot"


async def test_a_message_that_left_late_keeps_the_chat_s_interval(clock):
    """A busy event loop wakes a sender late: the chat's next message still waits a whole
    interval from when this one really left (else the two arrive under a second apart: 429)."""
    limits, lateness = Limits(), iter([0.08, 0.0, 0.0])  # one late wake-up, then on time

    async def oversleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds + next(lateness)))

    left = []
    for _ in range(4):
        await limits.acquire(
            Channel.telegram, "c", per_second=30, chat_interval=1.0, clock=clock, sleep=oversleep
        )
        left.append(clock.now())
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(left)]
    assert all(g >= 1.0 for g in gaps), gaps


async def test_retry_after_is_honoured_and_not_counted_as_a_failure(sm, clock, muni):
    await fill(sm, clock, chats=1, per_chat=1)
    port = RecordingPort(clock, fail={1: RetryAfter(17)})
    snd = sender(sm, clock, port)
    start = clock.now()
    await drain(snd, clock, rounds=120)
    assert len(port.sent) == 1
    assert (port.sent[0][1] - start).total_seconds() >= 17
    [row] = await outbox(sm, kind="escalation")
    assert row.status is OutboxStatus.sent and row.attempts == 1


async def test_failures_back_off_then_dead_letter_alerts_the_operator(sm, clock, muni):
    await fill(sm, clock, chats=1, per_chat=1)
    port = RecordingPort(clock, fail={i: ConnectionError("сеть") for i in range(1, 10)})
    snd = sender(sm, clock, port, max_attempts=3)
    for _ in range(3):
        await snd.run_once()
        clock.advance(timedelta(minutes=1))
    [row] = await outbox(sm, kind="escalation")
    assert row.status is OutboxStatus.dead and row.attempts == 3
    assert "ConnectionError" in (row.last_error or "")
    op = await staff(sm, "operator")
    alerts = await outbox(sm, kind="dead_letter")
    assert [a.staff_id for a in alerts] == [op.id]


async def test_permanent_failure_dead_letters_at_once(sm, clock, muni):
    await fill(sm, clock, chats=1, per_chat=1)
    port = RecordingPort(clock, fail={1: PermanentFailure("bot was blocked by the user")})
    await sender(sm, clock, port).run_once()
    [row] = await outbox(sm, kind="escalation")
    assert row.status is OutboxStatus.dead and row.attempts == 1


async def test_a_crashed_sender_lease_expires_and_the_row_is_sent(sm, clock, muni):
    await fill(sm, clock, chats=1, per_chat=1)
    port = RecordingPort(clock)
    snd = sender(sm, clock, port)
    claimed = await snd.claim(10)  # claimed, then the process "dies" before sending
    assert len(claimed) == 1 and await snd.claim(10) == []
    clock.advance(timedelta(seconds=61))
    await snd.run_once()
    assert len(port.sent) == 1


async def test_transition_notices_reach_the_console_port(sm, clock, muni):
    from workflows.outbox.ports import ConsolePort

    await register(sm, clock, muni, "Нет воды")
    console = ConsolePort()
    snd = Sender(sm, clock=clock, ports={Channel.console: console})
    assert await snd.run_once() == 1
    assert console.sent[0].kind == "assigned"
    assert "Новое сообщение: ТСТ-2025-000001" in console.sent[0].text
    async with sm() as s:
        rows = list(await s.exec(select(Outbox)))
    assert all(r.status is OutboxStatus.sent for r in rows)
    assert (await actor(sm, "water")).id == rows[0].staff_id
