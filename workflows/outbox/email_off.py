"""The e-mail channel while the deployment has no SMTP server: a letter is not lost in the
console log but marked bounced at once, and the operators are told to send it by post."""

import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.core.clock import Clock
from workflows.notifications.letter_delivery import EMAIL_OFF, do_mark_letter_bounced
from workflows.outbox.ports import Notice, PermanentFailure

log = logging.getLogger(__name__)


class EmailOffPort:
    """Registered by every runtime; the composition root replaces it when MCU_SMTP_HOST is set."""

    per_second = 1000.0
    self_paced = False

    def __init__(self, sm: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sm, self.clock = sm, clock

    def chat_interval(self, chat_id: str) -> float:
        return 0.0

    async def send(self, notice: Notice) -> None:
        letter_id = notice.payload.get("letter_id")
        if not isinstance(letter_id, int):
            raise PermanentFailure(EMAIL_OFF)
        async with self.sm() as s:
            await do_mark_letter_bounced(
                s, letter_id=letter_id, reason=EMAIL_OFF, now=self.clock.now()
            )
            await s.commit()
        log.warning("письмо %s не отправлено: e-mail не настроен", letter_id)
