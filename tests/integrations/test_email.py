"""Letters over SMTP against a real local server (aiosmtpd): what arrives, and how a refusal
for good, a refusal for now, no server and a silent one are told apart."""

import socket
from dataclasses import replace

import pytest
from pydantic import SecretStr

from integrations.email.client import Bounced, TemporaryFailure, send_email
from integrations.email.config import SmtpConfig
from integrations.email.message import DOCX
from tests.forbidden import secret
from tests.smtp import HOST, TRY_LATER, SmtpServer, free_port

SENDER = "Администрация МО «Бежтинский участок» <mcu@bezhta.example.ru>"
TO = "petrov.citizen@example.ru"
GONE = "no-such-citizen@example.ru"
SUBJECT = "Ваше обращение № БЖТ-2026-000123 зарегистрировано"
BODY = "Уважаемый Петров Пётр!\n\nВаше обращение зарегистрировано 01.12.2026.\nЁлки, щука, съезд."
PASSWORD = secret("smtp-Pa55word-for-the-tests", "пароль SMTP")


def config(port: int, **kw: object) -> SmtpConfig:
    return replace(SmtpConfig(host=HOST, port=port, sender=SENDER, timeout=5), **kw)  # type: ignore[arg-type]


async def test_a_letter_arrives_with_its_cyrillic_and_its_attachment() -> None:
    docx = b"PK\x03\x04 not really a docx \x00\xff"
    with SmtpServer() as smtp:
        mid = await send_email(
            config(smtp.port),
            to=TO,
            subject=SUBJECT,
            text=BODY,
            attachments=[("Письмо БЖТ-2026-000123.docx", docx, DOCX)],
        )
    [got] = smtp.received
    assert got.mail_from == "mcu@bezhta.example.ru" and got.rcpt_tos == [TO]
    msg = got.message
    assert msg["Subject"] == SUBJECT and msg["To"] == TO
    assert got.header("From") == SENDER and got.header("Subject") == SUBJECT
    assert b"\r\n\r\n" in got.raw and max(got.raw) < 128  # 7-bit, CRLF: any relay carries it
    assert msg["Message-ID"] == mid and mid.endswith("@bezhta.example.ru>")
    assert msg["Date"].datetime.tzinfo is not None
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n").strip() == BODY
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == "Письмо БЖТ-2026-000123.docx"
    assert part.get_content_type() == DOCX and part.get_content() == docx


async def test_the_message_id_given_is_the_one_sent() -> None:
    with SmtpServer() as smtp:
        mid = await send_email(
            config(smtp.port), to=TO, subject="Тема", text="Текст", message_id="<x-1@example.ru>"
        )
    assert mid == "<x-1@example.ru>" and smtp.messages[0]["Message-ID"] == mid


async def test_a_refused_recipient_bounces_with_the_code_and_without_the_address() -> None:
    with SmtpServer(refuse={GONE}) as smtp, pytest.raises(Bounced) as e:
        await send_email(config(smtp.port), to=GONE, subject=SUBJECT, text=BODY)
    assert "550 5.1.1 no such user" in e.value.reason and "адресату" in e.value.reason
    assert "no-such-citizen" not in e.value.reason and smtp.received == []


@pytest.mark.parametrize("to", ["без собаки", "a@", "two@@example.ru", "x@example.ru\nBcc: y@z.ru"])
async def test_a_malformed_address_bounces_before_any_connection(to: str) -> None:
    port = free_port()  # nothing listens: a connection attempt would be a TemporaryFailure
    with pytest.raises(Bounced) as e:
        await send_email(config(port), to=to, subject=SUBJECT, text=BODY)
    assert "адрес получателя не годится" in e.value.reason


async def test_a_451_is_temporary() -> None:
    with SmtpServer(data_reply=TRY_LATER) as smtp, pytest.raises(TemporaryFailure) as e:
        await send_email(config(smtp.port), to=TO, subject=SUBJECT, text=BODY)
    assert "451 4.3.0 try again later" in e.value.reason and "временно" in e.value.reason
    assert TO not in e.value.reason


async def test_no_server_is_temporary() -> None:
    port = free_port()
    with pytest.raises(TemporaryFailure) as e:
        await send_email(config(port), to=TO, subject=SUBJECT, text=BODY)
    assert f"нет связи с сервером почты {HOST}:{port}" in e.value.reason


async def test_a_silent_server_times_out_as_temporary() -> None:
    with socket.socket() as listener:  # accepts connections, never says a word
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(TemporaryFailure) as e:
            await send_email(config(port, timeout=0.5), to=TO, subject=SUBJECT, text=BODY)
    assert e.value.reason == f"сервер почты {HOST}:{port} не ответил за 0.5 с"


async def test_starttls_with_login_delivers() -> None:
    with SmtpServer(tls=True, login=("mcu", PASSWORD)) as smtp:
        cfg = config(
            smtp.port,
            security="starttls",
            user="mcu",
            password=SecretStr(PASSWORD),
            ca_file=smtp.cert_file,
        )
        await send_email(cfg, to=TO, subject=SUBJECT, text=BODY)
    assert [m["Subject"] for m in smtp.messages] == [SUBJECT]


async def test_a_wrong_password_is_told_without_the_password() -> None:
    wrong = secret("smtp-Wr0ng-password-typed", "пароль SMTP")
    with SmtpServer(tls=True, login=("mcu", PASSWORD)) as smtp:
        cfg = config(
            smtp.port,
            security="starttls",
            user="mcu",
            password=SecretStr(wrong),
            ca_file=smtp.cert_file,
        )
        with pytest.raises(TemporaryFailure) as e:
            await send_email(cfg, to=TO, subject=SUBJECT, text=BODY)
    assert "не принял логин или пароль (535" in e.value.reason
    assert "MCU_SMTP_PASSWORD" in e.value.reason and wrong not in str(e.value)
    assert e.value.__cause__ is None and smtp.received == []


async def test_a_server_that_wants_starttls_says_which_setting_to_fix() -> None:
    with SmtpServer(tls=True) as smtp, pytest.raises(TemporaryFailure) as e:
        await send_email(config(smtp.port), to=TO, subject=SUBJECT, text=BODY)
    assert "требует STARTTLS" in e.value.reason and "MCU_SMTP_SECURITY" in e.value.reason


async def test_an_untrusted_certificate_is_temporary_and_says_so() -> None:
    with SmtpServer(tls=True) as smtp, pytest.raises(TemporaryFailure) as e:
        await send_email(config(smtp.port, security="starttls"), to=TO, subject=SUBJECT, text=BODY)
    assert "сертификат сервера почты" in e.value.reason and "не прошёл проверку" in e.value.reason
    assert smtp.received == []
