"""Sending one letter over SMTP, and what its failure means: refused for good (Bounced) or for
now (TemporaryFailure). Reasons carry the server's code and text, never the password nor the
recipient's address (a dead letter's reason reaches the operators in a messenger)."""

import logging
import re
import ssl
from collections.abc import Sequence

import aiosmtplib
from email_validator import EmailNotValidError, validate_email

from integrations.email.config import SmtpConfig
from integrations.email.message import Attachment, address_of, build_message, new_message_id

log = logging.getLogger(__name__)
REASON_MAX = 400
ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


class Bounced(Exception):
    """The letter can never be delivered to this address (5xx, a malformed address)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(Exception):
    """Not delivered now (4xx, no connection, a timeout): the same letter may go later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def send_email(
    config: SmtpConfig,
    *,
    to: str,
    subject: str,
    text: str,
    attachments: Sequence[Attachment] = (),
    message_id: str | None = None,
) -> str:
    """Send one letter to one address; returns its Message-ID once the server has accepted it."""
    try:
        to = validate_email(to.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise Bounced("адрес получателя не годится для письма: проверьте его написание") from None
    mid = message_id or new_message_id(config.sender)
    msg = build_message(
        sender=config.sender,
        to=to,
        subject=subject,
        text=text,
        attachments=attachments,
        message_id=mid,
    )
    try:
        await aiosmtplib.send(
            msg,
            sender=address_of(config.sender),
            recipients=[to],
            hostname=config.host,
            port=config.port,
            username=config.user,
            password=config.password.get_secret_value() if config.password else None,
            timeout=config.timeout,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            cert_bundle=config.ca_file,
        )
    except Exception as e:
        raise classify(e, config=config, to=to) from None  # the cause may quote the password
    return mid


def classify(e: Exception, *, config: SmtpConfig, to: str) -> Bounced | TemporaryFailure:
    """What a failed send means, in a Russian line cleaned of the password and the address."""
    where = f"{config.host}:{config.port}"
    failure: Bounced | TemporaryFailure
    if isinstance(e, aiosmtplib.SMTPRecipientsRefused):
        refusals = e.recipients or [aiosmtplib.SMTPRecipientRefused(550, "", to)]
        first = refusals[0]
        permanent = all(r.code >= 500 for r in refusals)
        failure = (
            Bounced(f"сервер почты отказал адресату ({_said(first)})")
            if permanent
            else TemporaryFailure(f"сервер почты временно не принял адресата ({_said(first)})")
        )
    elif isinstance(e, aiosmtplib.SMTPAuthenticationError):
        failure = TemporaryFailure(
            f"сервер почты не принял логин или пароль ({_said(e)}): "
            "проверьте MCU_SMTP_USER и MCU_SMTP_PASSWORD"
        )
    elif isinstance(e, aiosmtplib.SMTPSenderRefused) and e.code == 530:
        failure = TemporaryFailure(
            f"сервер почты требует STARTTLS или вход ({_said(e)}): "
            "проверьте MCU_SMTP_SECURITY, MCU_SMTP_USER и MCU_SMTP_PASSWORD"
        )
    elif isinstance(e, aiosmtplib.SMTPSenderRefused):
        failure = TemporaryFailure(
            f"сервер почты не принял отправителя ({_said(e)}): проверьте MCU_SMTP_FROM"
        )
    elif isinstance(e, aiosmtplib.SMTPResponseException) and e.code >= 500:
        failure = Bounced(f"сервер почты отказался принять письмо ({_said(e)})")
    elif isinstance(e, aiosmtplib.SMTPResponseException):
        failure = TemporaryFailure(f"сервер почты временно не принял письмо ({_said(e)})")
    elif isinstance(e, aiosmtplib.SMTPNotSupported):
        failure = TemporaryFailure(
            f"сервер почты {where} не умеет нужного ({e}): проверьте MCU_SMTP_SECURITY"
        )
    elif isinstance(e, ssl.SSLCertVerificationError):
        failure = TemporaryFailure(
            f"сертификат сервера почты {where} не прошёл проверку ({e.verify_message}): "
            "нужен сертификат, выданный на это имя сервера доверенным центром"
        )
    elif isinstance(e, ssl.SSLError):
        failure = TemporaryFailure(
            f"не удалось установить TLS с сервером почты {where} ({e.__class__.__name__}): "
            "проверьте MCU_SMTP_SECURITY и MCU_SMTP_PORT"
        )
    elif isinstance(e, TimeoutError):
        failure = TemporaryFailure(f"сервер почты {where} не ответил за {config.timeout:g} с")
    elif isinstance(e, OSError):
        failure = TemporaryFailure(f"нет связи с сервером почты {where} ({e})")
    else:
        log.exception("письмо не отправлено: неожиданная ошибка %s", type(e).__name__)
        failure = TemporaryFailure(f"письмо не отправлено: ошибка {type(e).__name__}")
    failure.reason = _clean(failure.reason, config=config, to=to)
    failure.args = (failure.reason,)
    return failure


def _said(e: aiosmtplib.SMTPResponseException) -> str:
    """The server's answer: its code and its text on one line."""
    return f"{e.code} {' '.join(e.message.split())}".strip()


def _clean(reason: str, *, config: SmtpConfig, to: str) -> str:
    """The reason without the password and without any address in it (servers quote the
    recipient's), cut to a length a log line and an alert can carry."""
    if config.password is not None and config.password.get_secret_value():
        secret = re.escape(config.password.get_secret_value())
        reason = re.sub(secret, "***", reason, flags=re.IGNORECASE)
    reason = re.sub(re.escape(to), "<адрес>", reason, flags=re.IGNORECASE)
    reason = ADDRESS.sub("<адрес>", reason)
    return reason[:REASON_MAX]
