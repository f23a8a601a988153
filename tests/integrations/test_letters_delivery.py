"""Letters by e-mail through the real sender and a real SMTP server: the letter arrives with the
letterhead and its DOCX; a bounce keeps it bounced and tells the operator and the ПОС officer
without the address; a refusal for now is retried and the letter goes once; without SMTP the
letter is bounced for the post."""

from datetime import timedelta
from io import BytesIO

from docx import Document

from integrations.email.config import SmtpConfig
from integrations.email.port import EmailPort, attach_email
from models import Channel, LetterStatus, OutboxStatus, ReplyBy
from models.settings import Settings
from tests.helpers import outbox, staff
from tests.letters_kit import ADDRESS, EMAIL, NAME, TITLE, appeal, letter, letter_setup, write
from tests.smtp import HOST, NO_SUCH_USER, TRY_LATER, SmtpServer
from workflows.jobs.runtime import Runtime
from workflows.notifications.letter_delivery import EMAIL_OFF
from workflows.outbox.email_off import EmailOffPort
from workflows.outbox.ports import ChannelPort, ConsolePort, Notice
from workflows.outbox.sender import Sender

SENDER = "mcu@testmo.example.ru"


def email_port(smtp: SmtpServer, sm, clock) -> EmailPort:
    config = SmtpConfig(host=HOST, port=smtp.port, sender=SENDER, timeout=5)
    return EmailPort(config, sm=sm, clock=clock)


def ports(smtp: SmtpServer, sm, clock) -> dict[Channel, ChannelPort]:
    """E-mail through the server; staff notices (of registering, of a bounce) to the log."""
    return {Channel.email: email_port(smtp, sm, clock), Channel.console: ConsolePort()}


async def test_a_letter_arrives_with_the_letterhead_and_its_docx(sm, clock) -> None:
    muni = await letter_setup(sm, clock)
    item = await appeal(sm, clock, muni)
    sent = await write(sm, clock, item)
    with SmtpServer() as smtp:
        snd = Sender(sm, clock=clock, ports=ports(smtp, sm, clock))
        assert await snd.run_once() == 2  # the triage notice of registering, and the letter
    [got] = smtp.received
    assert got.rcpt_tos == [EMAIL] and got.header("Subject") == "Ваше обращение зарегистрировано"
    [row] = await outbox(sm, channel=Channel.email)
    assert got.message["Message-ID"] == f"<mcu-outbox-{row.id}@testmo.example.ru>"
    body = got.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body.startswith(TITLE) and NAME in body and f"№ {sent.number}" in body
    assert "09.01.2026" in body and "Глава Тестового округа" in body
    [part] = list(got.message.iter_attachments())
    assert part.get_filename() == f"Письмо {item.number}-1.docx"
    document = Document(BytesIO(part.get_content()))
    words = "\n".join(p.text for p in document.paragraphs)
    assert TITLE in words and "зарегистрировано 02.12.2025" in words
    done = await letter(sm, sent.id or 0)
    assert done.status is LetterStatus.sent and done.sent_at == clock.now() and done.error is None
    assert row.status is OutboxStatus.sent


async def test_a_bounce_keeps_the_letter_and_tells_operator_and_pos_without_the_address(
    sm, clock
) -> None:
    muni = await letter_setup(sm, clock)
    item = await appeal(sm, clock, muni)
    sent = await write(sm, clock, item)
    with SmtpServer(refuse={EMAIL}) as smtp:
        snd = Sender(sm, clock=clock, ports=ports(smtp, sm, clock))
        await snd.run_once()
        assert smtp.received == []
        bounced = await letter(sm, sent.id or 0)
        assert bounced.status is LetterStatus.bounced and bounced.sent_at is None
        assert NO_SUCH_USER in (bounced.error or "") and EMAIL not in (bounced.error or "")
        assert bounced.text and bounced.address == EMAIL  # kept, for the post
        told = await outbox(sm, kind="letter_bounced")
        operator, pos = await staff(sm, "operator"), await staff(sm, "pos")
        assert {r.staff_id for r in told} == {operator.id, pos.id}
        for r in told:
            shown = str(r.payload)
            assert EMAIL not in shown and "petrov" not in shown and "Петров" not in shown
            assert ADDRESS not in shown and r.payload["number"] == item.number
            assert r.payload["letter_number"] == sent.number and NO_SUCH_USER in shown
        # The row is done, not dead: no second «dead letter» alert about the same letter.
        [row] = await outbox(sm, channel=Channel.email)
        assert row.status is OutboxStatus.sent and await outbox(sm, kind="dead_letter") == []
        # A repeated try (the lease ran out, say) sends nothing and tells nobody again.
        await email_port(smtp, sm, clock).send(
            Notice(row.chat_id, row.kind, row.payload, "", row.id or 0)
        )
        assert smtp.received == [] and len(await outbox(sm, kind="letter_bounced")) == 2


async def test_refused_for_now_is_retried_then_delivered_once(sm, clock) -> None:
    muni = await letter_setup(sm, clock)
    item = await appeal(sm, clock, muni)
    sent = await write(sm, clock, item)
    with SmtpServer(data_reply=TRY_LATER) as smtp:
        snd = Sender(sm, clock=clock, ports=ports(smtp, sm, clock))
        await snd.run_once()
    assert smtp.received == []
    [row] = await outbox(sm, channel=Channel.email)
    assert row.status is OutboxStatus.pending and "451" in (row.last_error or "")
    assert (await letter(sm, sent.id or 0)).status is LetterStatus.pending
    clock.advance(timedelta(hours=1))
    with SmtpServer() as smtp:
        snd = Sender(sm, clock=clock, ports=ports(smtp, sm, clock))
        assert await snd.run_once() == 1
        clock.advance(timedelta(hours=1))
        assert await snd.run_once() == 0  # nothing left: delivered once
    assert len(smtp.received) == 1
    assert (await letter(sm, sent.id or 0)).status is LetterStatus.sent


async def test_without_smtp_the_letter_is_bounced_for_the_post(sm, clock, engine) -> None:
    muni = await letter_setup(sm, clock)
    item = await appeal(sm, clock, muni, reply_by=ReplyBy.email)
    sent = await write(sm, clock, item)
    body_letter = await write(sm, clock, item, to_body=True)
    rt = Runtime.create(
        Settings(DATABASE_URL=engine.url.render_as_string(hide_password=False)), clock=clock
    )  # type: ignore[call-arg]
    try:
        assert isinstance(rt.ports[Channel.email], EmailOffPort)
        attach_email(rt)  # MCU_SMTP_HOST is not set: the port stays
        assert isinstance(rt.ports[Channel.email], EmailOffPort)
        await rt.sender.run_once()
    finally:
        await rt.engine.dispose()
    for one in (sent, body_letter):
        off = await letter(sm, one.id or 0)
        assert off.status is LetterStatus.bounced and off.error == EMAIL_OFF
    told = await outbox(sm, kind="letter_bounced")
    assert len(told) == 4 and all(EMAIL_OFF in r.payload["reason"] for r in told)
    assert all(EMAIL not in str(r.payload) and "police@" not in str(r.payload) for r in told)


async def test_with_smtp_set_the_runtime_sends_through_the_server(sm, clock, engine) -> None:
    muni = await letter_setup(sm, clock)
    sent = await write(sm, clock, await appeal(sm, clock, muni))
    with SmtpServer() as smtp:
        settings = Settings(  # type: ignore[call-arg]
            DATABASE_URL=engine.url.render_as_string(hide_password=False),
            MCU_SMTP_HOST=HOST,
            MCU_SMTP_PORT=smtp.port,
            MCU_SMTP_FROM=SENDER,
        )
        rt = Runtime.create(settings, clock=clock)
        try:
            attach_email(rt)
            assert isinstance(rt.ports[Channel.email], EmailPort)
            assert await rt.sender.run_once() == 2  # the triage notice and the letter
        finally:
            await rt.engine.dispose()
    assert [r.rcpt_tos for r in smtp.received] == [[EMAIL]]
    assert (await letter(sm, sent.id or 0)).status is LetterStatus.sent
