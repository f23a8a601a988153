"""A letter as a MIME message: UTF-8 subject and body, a Message-ID and Date, attachments."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

# (filename, content, MIME type), e.g. ("Письмо.docx", b"…", DOCX)
Attachment = tuple[str, bytes, str]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# CRLF lines, and a 7-bit body (quoted-printable or base64): old relays without 8BITMIME too.
POLICY = SMTP.clone(cte_type="7bit")


def address_of(sender: str) -> str:
    """The bare address of «Имя <a@b.ru>» or of a@b.ru."""
    return parseaddr(sender)[1] or sender


def new_message_id(sender: str, *, key: str | None = None) -> str:
    """A Message-ID in the sender's domain; with `key` the same one every time (a retried send
    of one outbox row repeats its id, and mail clients may fold the copies into one)."""
    domain = address_of(sender).rpartition("@")[2] or "localhost"
    return f"<{key}@{domain}>" if key else make_msgid(domain=domain)


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    attachments: Sequence[Attachment] = (),
    message_id: str,
    now: datetime | None = None,
) -> EmailMessage:
    """The message as it goes on the wire (CRLF lines, encoded words for Cyrillic headers)."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = re.sub(r"\s+", " ", subject).strip()  # a header cannot carry a newline
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = message_id
    msg.set_content(text, charset="utf-8")
    for filename, content, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg
