"""The outbox sender: at-least-once delivery through channel ports, rate-limited per chat and
globally, retrying with backoff, honouring "retry after", dead-lettering with an operator alert."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Outbox, OutboxStatus
from workflows.core.clock import Clock, backoff
from workflows.core.logs import log_context
from workflows.notifications.notify import do_alert_operators
from workflows.outbox.counters import count_send
from workflows.outbox.limits import Limits
from workflows.outbox.plain import render_plain
from workflows.outbox.ports import ChannelPort, Notice, PermanentFailure, RetryAfter

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)  # a claimed row comes back if its sender dies mid-send
PER_CHAT_PASS = 10  # at most this many to one chat in a pass (≈10 s at 1/s, within the lease)


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
        with log_context(outbox=row.id or 0):  # the row's id on its lines, never its chat
            return await self._deliver_row(row)

    async def _deliver_row(self, row: Outbox) -> int:
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
            municipality_id=row.municipality_id,
            parts_sent=row.parts_sent,
            on_part=part_sent,
        )
        try:
            await port.send(notice)
        except RetryAfter as e:
            until = self.clock.now() + timedelta(seconds=e.seconds)
            self.limits.channel_next[e.budget or row.channel] = until  # the bot is throttled
            await self._set(row, next_attempt_at=until, last_error=str(e))
            count_send(row.channel, "429")
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
        count_send(row.channel, "ok")
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
            count_send(row.channel, "retry")
            return
        log.warning("уведомление #%s не доставлено после %s попыток: %s", row.id, attempts, error)
        async with self.sm() as session:
            await session.execute(
                update(Outbox)
                .where(col(Outbox.id) == row.id)
                .values(
                    status=OutboxStatus.dead,
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=self.clock.now(),  # a dead row's: when it was given up
                )
            )
            if row.kind != "dead_letter" and row.municipality_id is not None:
                await self._alert_operators(session, row, error)
            await session.commit()
        count_send(row.channel, "dead")

    async def _alert_operators(self, session: AsyncSession, row: Outbox, error: str) -> None:
        payload = {
            "number": row.payload.get("number"),
            "reason": error,
            # Whom: a role, never a citizen's chat or profile id (personal data stays off chats).
            "text": f"уведомление «{row.kind}» "
            f"{'жителю' if row.citizen_id else 'сотруднику'} (#{row.id})",
        }
        await do_alert_operators(
            session,
            municipality_id=row.municipality_id or 0,
            kind="dead_letter",
            payload=payload,
            dedup=f"dead{row.id}",
            now=self.clock.now(),
        )
