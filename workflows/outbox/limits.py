"""Pacing: when each chat and each channel may send next, shared by the sender and a channel's
direct replies so that together they keep the channel's budget."""

import bisect
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from workflows.core.clock import Clock

# What shares one budget: a channel (Channel is a str) or one bot of it ("vk:<group id>").
Budget = str


@dataclass
class Limits:
    """Pacing state of one process: when each chat may send next, which moments are booked on
    each channel, and until when a channel is paused ("retry after"). Shared by the outbox
    sender and a channel's direct replies, so together they keep the budget."""

    chat_next: dict[tuple[Budget, str], datetime] = field(default_factory=dict)
    channel_next: dict[Budget, datetime] = field(default_factory=dict)
    booked: dict[Budget, list[datetime]] = field(default_factory=dict)

    async def acquire(
        self,
        channel: Budget,
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
        interval = timedelta(seconds=chat_interval)
        self.chat_next[(channel, chat)] = turn + interval
        if turn > now:
            await sleep((turn - now).total_seconds())
            # Woken late (a busy loop) the message leaves late: the chat's next one waits a
            # full interval from when this one really left, or the two arrive too close.
            late = clock.now() + interval
            key = (channel, chat)
            self.chat_next[key] = max(self.chat_next.get(key, late), late)
