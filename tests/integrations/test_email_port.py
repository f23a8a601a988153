"""The outbox's e-mail channel at its edges: `deliver` tells a refusal for good (a
PermanentFailure, kept reason) from one for now (retried); the port sends only kept letters
(a notice naming no letter fails for good, nothing is sent). The whole way of a letter through
the sender is in test_letters_delivery.py."""

import pytest

from integrations.email.client import TemporaryFailure
from integrations.email.config import SmtpConfig
from integrations.email.message import DOCX
from integrations.email.port import EmailPort, deliver
from tests.smtp import HOST, NO_SUCH_USER, TRY_LATER, SmtpServer
from workflows.outbox.ports import Notice, PermanentFailure

SENDER = "mcu@bezhta.example.ru"
TO = "petrov.citizen@example.ru"
GONE = "no-such-citizen@example.ru"


def config(smtp: SmtpServer) -> SmtpConfig:
    return SmtpConfig(host=HOST, port=smtp.port, sender=SENDER, timeout=5)


async def test_deliver_sends_one_letter_with_its_attachment() -> None:
    with SmtpServer() as smtp:
        mid = await deliver(
            config(smtp),
            to=TO,
            subject="Ответ на обращение № БЖТ-2026-000123",
            text="Уважаемый Петров Пётр!",
            attachments=[("Письмо.docx", b"docx bytes", DOCX)],
            message_id="<mcu-outbox-7@bezhta.example.ru>",
        )
    [msg] = smtp.messages
    assert mid == msg["Message-ID"] == "<mcu-outbox-7@bezhta.example.ru>"
    [part] = list(msg.iter_attachments())
    assert part.get_content() == b"docx bytes" and msg["To"] == TO


async def test_bounced_is_permanent_and_temporary_is_retried() -> None:
    letter = {"subject": "Тема", "text": "Текст"}
    with SmtpServer(refuse={GONE}) as smtp, pytest.raises(PermanentFailure, match=NO_SUCH_USER):
        await deliver(config(smtp), to=GONE, **letter)
    with SmtpServer(data_reply=TRY_LATER) as smtp, pytest.raises(TemporaryFailure, match="451"):
        await deliver(config(smtp), to=TO, **letter)


@pytest.mark.parametrize(
    "payload", [{"to": TO, "subject": "Тема", "text": "Текст"}, {"letter_id": "7"}]
)
async def test_a_notice_naming_no_letter_fails_for_good(sm, clock, payload: dict) -> None:
    with SmtpServer() as smtp, pytest.raises(PermanentFailure, match="letter_id"):
        port = EmailPort(config(smtp), sm=sm, clock=clock)
        await port.send(Notice("letter:7", "letter", payload, "", 7))
    assert smtp.received == []
