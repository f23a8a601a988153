"""Pacing: when each chat and each channel may send next, shared by the sender and a channel's
direct replies so that together they keep the channel's budget."""

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models import Channel
from workflows.core.clock import Clock


@dataclass
class Limits:
    """Pacing state of one process: when each chat and each channel may send next. Shared by
    the outbox sender and a channel's direct replies, so together they keep the budget."""

    chat_next: dict[tuple[Channel, str], datetime] = field(default_factory=dict)
    channel_next: dict[Channel, datetime] = field(default_factory=dict)

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
        """Book the first moment both the channel and the chat allow, then wait for it. Booking
        before sleeping keeps concurrent callers in line without re-reading the clock."""
        now = clock.now()
        turn = max(
            m
            for m in (now, self.channel_next.get(channel), self.chat_next.get((channel, chat)))
            if m is not None
        )
        # Rounded up: 1/30 s rounded to the microsecond below would let 30 through in 0.99999 s.
        self.channel_next[channel] = turn + timedelta(microseconds=math.ceil(1e6 / per_second))
        self.chat_next[(channel, chat)] = turn + timedelta(seconds=chat_interval)
        if turn > now:
            await sleep((turn - now).total_seconds())
