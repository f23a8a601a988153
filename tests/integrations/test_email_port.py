"""The outbox's e-mail channel: a notice becomes one letter; through the real sender a letter
refused for good is a dead letter at once (the operators told, without the address) and one
refused for now waits for another try."""

from datetime import timedelta

import pytest

from integrations.email.client import TemporaryFailure
from integrations.email.config import SmtpConfig
from integrations.email.message import DOCX, Attachment
from integrations.email.port import EmailPort
from models import Channel, OutboxStatus
from tests.helpers import outbox
from tests.smtp import HOST, NO_SUCH_USER, TRY_LATER, SmtpServer
from workflows.core.clock import FakeClock
from workflows.notifications.notify import enqueue
from workflows.outbox.ports import Notice, PermanentFailure
from workflows.outbox.sender import Sender

SENDER = "mcu@bezhta.example.ru"
TO = "petrov.citizen@example.ru"
GONE = "no-such-citizen@example.ru"
LETTER = {
    "to": TO,
    "subject": "Ответ на обращение № БЖТ-2026-000123",
    "text": "Уважаемый Петров Пётр!",
}


def port(smtp: SmtpServer, **kw: object) -> EmailPort:
    return EmailPort(SmtpConfig(host=HOST, port=smtp.port, sender=SENDER, timeout=5), **kw)  # type: ignore[arg-type]


def notice(payload: dict[str, object], outbox_id: int = 7) -> Notice:
    return Notice(str(payload.get("to", "")), "letter", dict(payload), "", outbox_id)


async def test_a_notice_goes_as_one_letter_with_its_attachment() -> None:
    asked: list[str] = []

    async def load(n: Notice, name: str) -> Attachment:
        asked.append(name)
        return (name, b"docx bytes", DOCX)

    with SmtpServer() as smtp:
        await port(smtp, load=load).send(notice({**LETTER, "attachment": "Ответ.docx"}))
    [msg] = smtp.messages
    assert msg["Message-ID"] == "<mcu-outbox-7@bezhta.example.ru>"  # the same on every retry
    assert msg["Subject"] == LETTER["subject"] and msg["To"] == TO
    [part] = list(msg.iter_attachments())
    assert asked == ["Ответ.docx"] and part.get_content() == b"docx bytes"


@pytest.mark.parametrize(
    ("payload", "missing"),
    [({**LETTER, "subject": " "}, "subject"), ({"to": TO, "subject": "Тема"}, "text")],
)
async def test_a_notice_without_a_letter_fails_for_good(payload: dict, missing: str) -> None:
    with SmtpServer() as smtp, pytest.raises(PermanentFailure, match=f"не хватает {missing}"):
        await port(smtp).send(notice(payload))
    assert smtp.received == []


async def test_an_attachment_nobody_can_load_fails_for_good() -> None:
    with SmtpServer() as smtp, pytest.raises(PermanentFailure, match="вложения"):
        await port(smtp).send(notice({**LETTER, "attachment": "Ответ.docx"}))
    assert smtp.received == []


async def test_bounced_is_permanent_and_temporary_is_retried_by_the_port() -> None:
    with SmtpServer(refuse={GONE}) as smtp, pytest.raises(PermanentFailure, match=NO_SUCH_USER):
        await port(smtp).send(notice({**LETTER, "to": GONE}))
    with SmtpServer(data_reply=TRY_LATER) as smtp, pytest.raises(TemporaryFailure, match="451"):
        await port(smtp).send(notice(LETTER))


def row(muni: int, clock: FakeClock, n: int, to: str) -> dict[str, object]:
    return {
        "municipality_id": muni,
        "dedup_key": f"letter{n}",
        "channel": Channel.email,
        "chat_id": to,
        "kind": "letter",
        "payload": {**LETTER, "to": to},
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": clock.now(),
        "created_at": clock.now(),
    }


async def test_through_the_sender_sent_dead_and_retried(sm, clock, muni) -> None:
    async with sm() as s:
        await enqueue(s, [row(muni, clock, 1, TO), row(muni, clock, 2, GONE)])
        await s.commit()
    with SmtpServer(refuse={GONE}) as smtp:
        snd = Sender(sm, clock=clock, ports={Channel.email: port(smtp)})
        assert await snd.run_once() == 1
    assert [m["To"] for m in smtp.messages] == [TO]
    sent, dead = await outbox(sm, channel=Channel.email)
    assert sent.status == OutboxStatus.sent and sent.attempts == 1
    assert dead.status == OutboxStatus.dead and NO_SUCH_USER in (dead.last_error or "")
    alerts = await outbox(sm, kind="dead_letter")
    assert alerts and all(
        GONE not in str(a.payload) and "no-such" not in str(a.payload) for a in alerts
    )
    assert NO_SUCH_USER in alerts[0].payload["reason"]

    async with sm() as s:
        await enqueue(s, [row(muni, clock, 3, TO)])
        await s.commit()
    with SmtpServer(data_reply=TRY_LATER) as smtp:
        snd = Sender(sm, clock=clock, ports={Channel.email: port(smtp)})
        assert await snd.run_once() == 0
    [later] = await outbox(sm, dedup_key="letter3")
    assert later.status == OutboxStatus.pending and later.attempts == 1
    assert later.next_attempt_at > clock.now() and "451" in (later.last_error or "")
    clock.advance(timedelta(hours=1))
    with SmtpServer() as smtp:
        snd = Sender(sm, clock=clock, ports={Channel.email: port(smtp)})
        assert await snd.run_once() == 1
    assert smtp.messages[0]["Message-ID"] == f"<mcu-outbox-{later.id}@bezhta.example.ru>"
