"""The e-mail channel of the outbox sender: one notice, one letter. For now the letter rides in
the notice's payload (`to`, `subject`, `text`, optional `attachment` naming a file the port's
loader supplies); its core, `deliver`, takes the letter itself, so it can come from a table."""

import logging
from collections.abc import Awaitable, Callable, Sequence

from integrations.email.client import Bounced, send_email
from integrations.email.config import SmtpConfig
from integrations.email.message import Attachment, new_message_id
from workflows.outbox.ports import Notice, PermanentFailure

log = logging.getLogger(__name__)
# Finds the file a notice's payload names: (filename, content, MIME type).
LoadAttachment = Callable[[Notice, str], Awaitable[Attachment]]


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

    def __init__(self, config: SmtpConfig, *, load: LoadAttachment | None = None) -> None:
        self.config, self.load = config, load

    def chat_interval(self, chat_id: str) -> float:
        return 0.0

    async def send(self, notice: Notice) -> None:
        p = notice.payload
        to = str(p.get("to") or "").strip()  # never the chat id: rows may name a letter there
        subject, text = str(p.get("subject") or "").strip(), str(p.get("text") or "")
        text = text if text.strip() else ""
        if not to or not subject or not text.strip():
            missing = [n for n, v in (("to", to), ("subject", subject), ("text", text)) if not v]
            raise PermanentFailure(f"в уведомлении нет письма: не хватает {', '.join(missing)}")
        attachments = []
        if p.get("attachment"):
            if self.load is None:
                raise PermanentFailure("письмо с вложением, а вложения этому каналу не доступны")
            attachments.append(await self.load(notice, str(p["attachment"])))
        mid = await deliver(
            self.config,
            to=to,
            subject=subject,
            text=text,
            attachments=attachments,
            message_id=new_message_id(self.config.sender, key=_key(notice)),
        )
        log.info("письмо #%s принято сервером почты: %s", notice.outbox_id, mid)


def _key(notice: Notice) -> str | None:
    """One Message-ID per outbox row, repeated by its retries (None: a fresh one)."""
    return f"mcu-outbox-{notice.outbox_id}" if notice.outbox_id else None
