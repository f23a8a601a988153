"""The outbox sender: at-least-once delivery through channel ports, rate-limited per chat and
globally, retrying with backoff, honouring "retry after", dead-lettering with an operator alert."""

import asyncio
import bisect
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Outbox, OutboxStatus
from workflows.clock import Clock, backoff
from workflows.notices import render_plain
from workflows.notify import do_alert_operators

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
PER_CHAT_PASS = 10  # at most this many to one chat in a pass (≈10 s at 1/s, within the lease)  # a claimed row comes back if its sender dies mid-send


class RetryAfter(Exception):
    """The channel asks to wait; not counted as a failed try."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class PermanentFailure(Exception):
    """The message can never be delivered (blocked bot, chat gone): dead-letter at once."""


@dataclass(frozen=True)
class Notice:
    chat_id: str
    kind: str
    payload: dict[str, Any]
    text: str
    outbox_id: int
    staff_id: int | None = None
    citizen_id: int | None = None
    item_id: int | None = None
    parts_sent: int = 0  # sent as several messages: how many an earlier try delivered
    on_part: Callable[[int], Awaitable[None]] | None = field(default=None, compare=False)


Send = Callable[[], Awaitable[object]]


async def send_parts(notice: Notice, parts: Sequence[Send]) -> None:
    """Send a notice made of several messages in order, skipping those an earlier try delivered
    and recording each one as it goes: a retry after a failure midway repeats none of them."""
    for n, part in enumerate(parts, start=1):
        if n <= notice.parts_sent:
            continue
        await part()
        if notice.on_part is not None:
            await notice.on_part(n)


class ChannelPort(Protocol):
    """What a channel (Telegram, VK, console) offers the sender."""

    per_second: float  # global budget of the bot
    self_paced: bool  # the port paces every request itself (through the shared Limits)

    def chat_interval(self, chat_id: str) -> float:
        """Seconds between two messages to one chat."""
        ...

    async def send(self, notice: Notice) -> None: ...


class ConsolePort:
    """Until a messenger is configured: notices go to the log (no citizen personal data in them)."""

    per_second = 1000.0
    self_paced = False

    def chat_interval(self, chat_id: str) -> float:
        return 0.0

    def __init__(self) -> None:
        self.sent: deque[Notice] = deque(maxlen=100)  # the latest, for tests and a glance

    async def send(self, notice: Notice) -> None:
        self.sent.append(notice)
        log.info(
            "уведомление #%s → %s [%s]\n%s",
            notice.outbox_id,
            notice.chat_id,
            notice.kind,
            notice.text,
        )


@dataclass
class Limits:
    """Pacing state of one process: when each chat may send next, which moments are booked on
    each channel, and until when a channel is paused ("retry after"). Shared by the outbox
    sender and a channel's direct replies, so together they keep the budget."""

    chat_next: dict[tuple[Channel, str], datetime] = field(default_factory=dict)
    channel_next: dict[Channel, datetime] = field(default_factory=dict)
    booked: dict[Channel, list[datetime]] = field(default_factory=dict)

    async def acquire(
        self,
        channel: Channel,
        chat: str,
        *,
        per_second: float,
        chat_interval: float,
        clock: Clock,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        """Book the first moment the chat allows that is at least 1/per_second away from every
        other booking on the channel, then wait for it. A booking a chat must wait for (its
        one message a second) leaves the moments before it to other chats: a busy chat does
        not hold up the rest. Booking before sleeping keeps concurrent callers in line."""
        now = clock.now()
        # Rounded up: 1/30 s rounded to the microsecond below would let 30 through in 0.99999 s.
        gap = timedelta(microseconds=math.ceil(1e6 / per_second))
        turn = max(
            m
            for m in (now, self.channel_next.get(channel), self.chat_next.get((channel, chat)))
            if m is not None
        )
        slots = self.booked.setdefault(channel, [])
        del slots[: bisect.bisect_left(slots, now - gap)]  # past ones cannot collide
        i = bisect.bisect_left(slots, turn - gap)
        while i < len(slots) and slots[i] < turn + gap:  # too close to a booking: after it
            turn = max(turn, slots[i] + gap)
            i += 1
        bisect.insort(slots, turn)
        self.chat_next[(channel, chat)] = turn + timedelta(seconds=chat_interval)
        if turn > now:
            await sleep((turn - now).total_seconds())


class Sender:
    """Delivers due outbox rows; one active sender per deployment keeps the limits exact."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        ports: dict[Channel, ChannelPort],
        max_attempts: int = 8,
        concurrency: int = 8,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sm, self.clock, self.ports = sessionmaker, clock, ports
        self.max_attempts, self.sleep, self.concurrency = max_attempts, sleep, concurrency
        self.limits = Limits()

    async def claim(self, limit: int) -> list[Outbox]:
        """Lease due rows so that a crash returns them to the queue after LEASE. The first rows
        of as many chats as possible come first: a backlog for one chat cannot crowd out the
        others, and each chat's own rows keep their order."""
        now = self.clock.now()
        rank = (
            func.row_number()
            .over(partition_by=(Outbox.channel, Outbox.chat_id), order_by=col(Outbox.id))
            .label("rank")
        )
        due = (
            select(col(Outbox.id), col(Outbox.urgent), rank)
            .where(col(Outbox.status) == OutboxStatus.pending, col(Outbox.next_attempt_at) <= now)
            .subquery()
        )
        picked = (
            select(due.c.id)
            .where(due.c.rank <= PER_CHAT_PASS)
            .order_by(due.c.rank, due.c.urgent.desc(), due.c.id)
            .limit(limit)
        )
        async with self.sm() as session:
            rows = list(
                await session.exec(
                    select(Outbox)
                    .where(col(Outbox.id).in_(picked))
                    .order_by(col(Outbox.id))
                    .with_for_update(skip_locked=True)
                )
            )
            if rows:
                await session.execute(
                    update(Outbox)
                    .where(col(Outbox.id).in_([r.id for r in rows]))
                    .values(next_attempt_at=now + LEASE)
                )
            await session.commit()
        return rows

    async def run_once(self, limit: int = 200) -> int:
        """Send what is due now; returns how many were delivered. Rows go out in rounds: the
        first of every chat, then the second …, each round several at a time, so that a busy
        chat does not hold up the others and a chat's messages keep their order."""
        rows = await self.claim(limit)
        by_chat: dict[tuple[Channel, str], list[Outbox]] = {}
        for row in rows:
            by_chat.setdefault((row.channel, row.chat_id), []).append(row)
        await self._release([r.id or 0 for rs in by_chat.values() for r in rs[PER_CHAT_PASS:]])
        depth = min(PER_CHAT_PASS, max((len(rs) for rs in by_chat.values()), default=0))
        slots = asyncio.Semaphore(self.concurrency)

        async def deliver(row: Outbox) -> int:
            async with slots:
                return await self._deliver(row)

        delivered = 0
        for i in range(depth):
            batch = [rs[i] for rs in by_chat.values() if i < len(rs)]
            delivered += sum(await asyncio.gather(*(deliver(r) for r in batch)))
        return delivered

    async def _release(self, ids: list[int]) -> None:
        """Hand rows not sent in this pass back to the queue at once (their lease ends now)."""
        if ids:
            await self._set_many(ids, next_attempt_at=self.clock.now())

    async def _deliver(self, row: Outbox) -> int:
        port = self.ports.get(row.channel) or self.ports.get(Channel.console)
        if port is None:
            await self._fail(row, "нет канала доставки", permanent=True)
            return 0
        if not port.self_paced:  # a self-paced port waits for its turn on every request
            await self.limits.acquire(
                row.channel,
                row.chat_id,
                per_second=port.per_second,
                chat_interval=port.chat_interval(row.chat_id),
                clock=self.clock,
                sleep=self.sleep,
            )
        text = render_plain(row.kind, row.payload)

        async def part_sent(n: int) -> None:
            await self._set(row, parts_sent=n)

        notice = Notice(
            row.chat_id,
            row.kind,
            row.payload,
            text,
            row.id or 0,
            row.staff_id,
            row.citizen_id,
            row.item_id,
            parts_sent=row.parts_sent,
            on_part=part_sent,
        )
        try:
            await port.send(notice)
        except RetryAfter as e:
            until = self.clock.now() + timedelta(seconds=e.seconds)
            self.limits.channel_next[row.channel] = until  # the whole bot is throttled
            await self._set(row, next_attempt_at=until, last_error=str(e))
            return 0
        except PermanentFailure as e:
            await self._fail(row, str(e)[:500], permanent=True)
            return 0
        except Exception as e:
            await self._fail(row, f"{type(e).__name__}: {e}"[:500], permanent=False)
            return 0
        await self._set(
            row, status=OutboxStatus.sent, sent_at=self.clock.now(), attempts=row.attempts + 1
        )
        return 1

    async def _set_many(self, ids: list[int], **values: Any) -> None:
        async with self.sm() as session:
            await session.execute(update(Outbox).where(col(Outbox.id).in_(ids)).values(**values))
            await session.commit()

    async def _set(self, row: Outbox, **values: Any) -> None:
        async with self.sm() as session:
            await session.execute(update(Outbox).where(col(Outbox.id) == row.id).values(**values))
            await session.commit()

    async def _fail(self, row: Outbox, error: str, *, permanent: bool) -> None:
        attempts = row.attempts + 1
        if not permanent and attempts < self.max_attempts:
            await self._set(
                row,
                attempts=attempts,
                last_error=error,
                next_attempt_at=self.clock.now() + backoff(attempts),
            )
            return
        log.warning("уведомление #%s не доставлено после %s попыток: %s", row.id, attempts, error)
        async with self.sm() as session:
            await session.execute(
                update(Outbox)
                .where(col(Outbox.id) == row.id)
                .values(status=OutboxStatus.dead, attempts=attempts, last_error=error)
            )
            if row.kind != "dead_letter" and row.municipality_id is not None:
                await self._alert_operators(session, row, error)
            await session.commit()

    async def _alert_operators(self, session: AsyncSession, row: Outbox, error: str) -> None:
        payload = {
            "number": row.payload.get("number"),
            "reason": error,
            "text": f"уведомление «{row.kind}» для {row.chat_id} (#{row.id})",
        }
        await do_alert_operators(
            session,
            municipality_id=row.municipality_id or 0,
            kind="dead_letter",
            payload=payload,
            dedup=f"dead{row.id}",
            now=self.clock.now(),
        )
