"""The e-mail channel of the outbox sender: a notice names a kept letter (`letter_id`), the port
sends it (the letterhead and text in the body, the printable DOCX attached) and records the
outcome on the letter. A refusal for good marks the letter bounced and tells the operators;
the outbox row then counts as done (sent), so that nobody is told twice by a dead letter."""

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from integrations.email.client import Bounced, send_email
from integrations.email.config import SmtpConfig, smtp_config
from integrations.email.message import DOCX, Attachment, new_message_id
from models import Channel
from workflows.core.clock import Clock
from workflows.jobs.runtime import Runtime
from workflows.notifications.letter_delivery import (
    do_mark_letter_bounced,
    do_mark_letter_sent,
    get_letter_mail,
)
from workflows.outbox.ports import Notice, PermanentFailure

log = logging.getLogger(__name__)


async def deliver(
    config: SmtpConfig,
    *,
    to: str,
    subject: str,
    text: str,
    attachments: Sequence[Attachment] = (),
    message_id: str | None = None,
) -> str:
    """Send one letter for the sender: a refusal for good is a PermanentFailure (the reason
    kept), a temporary one stays an ordinary error (TemporaryFailure) and is retried."""
    try:
        return await send_email(
            config,
            to=to,
            subject=subject,
            text=text,
            attachments=attachments,
            message_id=message_id,
        )
    except Bounced as e:
        raise PermanentFailure(e.reason) from None


class EmailPort:
    """Letters through the deployment's SMTP server, paced modestly (servers of small
    municipalities and their providers take offence at bursts)."""

    per_second = 5.0
    self_paced = False

    def __init__(
        self, config: SmtpConfig, *, sm: async_sessionmaker[AsyncSession], clock: Clock
    ) -> None:
        self.config, self.sm, self.clock = config, sm, clock

    def chat_interval(self, chat_id: str) -> float:
        return 0.0

    async def send(self, notice: Notice) -> None:
        letter_id = notice.payload.get("letter_id")
        if not isinstance(letter_id, int):
            raise PermanentFailure(
                "в уведомлении нет письма (letter_id): e-mail шлёт только письма"
            )
        async with self.sm() as s:
            mail = await get_letter_mail(s, letter_id=letter_id)
        if mail is None:
            log.info("письмо %s уже не ждёт отправки: пропущено", letter_id)
            return
        try:
            mid = await deliver(
                self.config,
                to=mail.to,
                subject=mail.subject,
                text=mail.text,
                attachments=[(mail.filename, mail.docx, DOCX)],
                message_id=new_message_id(self.config.sender, key=_key(notice)),
            )
        except PermanentFailure as e:
            async with self.sm() as s:
                await do_mark_letter_bounced(
                    s, letter_id=letter_id, reason=str(e), now=self.clock.now()
                )
                await s.commit()
            log.warning("письмо %s не доставлено: %s", letter_id, e)
            return
        async with self.sm() as s:
            await do_mark_letter_sent(s, letter_id=letter_id, now=self.clock.now())
            await s.commit()
        log.info("письмо %s (#%s) принято сервером почты: %s", letter_id, notice.outbox_id, mid)


def _key(notice: Notice) -> str | None:
    """One Message-ID per outbox row, repeated by its retries (None: a fresh one)."""
    return f"mcu-outbox-{notice.outbox_id}" if notice.outbox_id else None


def attach_email(rt: Runtime) -> None:
    """Send the runtime's letters through the deployment's SMTP server, when one is set (without
    it the runtime's own port refuses them, bounced, for the operators to post)."""
    config = smtp_config(rt.settings)
    if config is not None:
        rt.ports[Channel.email] = EmailPort(config, sm=rt.sm, clock=rt.clock)
