"""What a channel offers the sender: a port that sends a notice, the notice it is given, and the
two ways a send can fail that are not a plain error (wait, or never)."""

import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)


class RetryAfter(Exception):
    """The channel asks to wait; not counted as a failed try."""

    def __init__(self, seconds: float, budget: str | None = None) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds
        self.budget = budget  # whose sends wait (one bot of the channel); None: the channel's


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
    municipality_id: int | None = None  # whose bot sends it, when a channel has several
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
    """Until a messenger is configured: notices go to the log, their headline only (kind and
    number): the rest holds the citizen's words, address and answers, not for a log."""

    per_second = 1000.0
    self_paced = False

    def chat_interval(self, chat_id: str) -> float:
        return 0.0

    def __init__(self) -> None:
        self.sent: deque[Notice] = deque(maxlen=100)  # the latest, for tests and a glance

    async def send(self, notice: Notice) -> None:
        self.sent.append(notice)
        to = (
            f"сотрудник {notice.staff_id}"
            if notice.staff_id
            else f"житель {notice.citizen_id}"
            if notice.citizen_id
            else "чат"
        )
        log.info(  # whom by our ids: a chat id (a fallback for a channel's row) is theirs
            "уведомление #%s → %s [%s]: %s",
            notice.outbox_id,
            to,
            notice.kind,
            notice.text.partition("\n")[0],
        )
