"""A real SMTP server on loopback for tests (aiosmtpd in its own thread): it keeps what it
received, parsed, and can refuse a recipient (550 at RCPT) or every letter for now (451 at
DATA); with `tls=True` it offers STARTTLS under a certificate made for 127.0.0.1 on the spot,
and with `login` it asks for that user and password after STARTTLS.

    with SmtpServer(refuse={"nobody@example.ru"}) as smtp:
        ... send to 127.0.0.1:smtp.port ...
        smtp.messages[0]["Subject"]
"""

import email
import email.policy
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
NO_SUCH_USER = "550 5.1.1 no such user"
TRY_LATER = "451 4.3.0 try again later"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    """One letter as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes

    def header(self, name: str) -> str:
        """A header decoded as a mail client does (RFC 2047 words joined without the folding
        space, which Python's own address parser keeps, splitting a word in the middle)."""
        value = email.message_from_bytes(self.raw, policy=email.policy.compat32)[name]
        return str(make_header(decode_header(value)))


@dataclass
class _Handler:
    refuse: set[str]
    data_reply: str | None
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return NO_SUCH_USER
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        raw = cast(bytes, envelope.original_content or envelope.content)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), cast(EmailMessage, msg), raw)
        )
        return "250 Message accepted for delivery"


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (one day), made with openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}"]
    subprocess.run(
        ["openssl", *args, "-addext", f"subjectAltName=IP:{HOST}", "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    return cert, key


class SmtpServer:
    """Start on enter, stop on exit; `messages` are what arrived, oldest first."""

    def __init__(
        self,
        *,
        refuse: set[str] | frozenset[str] = frozenset(),
        data_reply: str | None = None,
        tls: bool = False,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.handler = _Handler({a.lower() for a in refuse}, data_reply)
        self.port = free_port()
        self.tls, self.login = tls, login
        self.cert_file: str | None = None  # the CA bundle a client trusts (tls=True)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.handler.received]

    def __enter__(self) -> "SmtpServer":
        kwargs: dict[str, Any] = {}
        if self.tls:
            self._tmp = tempfile.TemporaryDirectory()
            cert, key = _certificate(Path(self._tmp.name))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            kwargs.update(tls_context=context, require_starttls=True)
            self.cert_file = str(cert)
        if self.login is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(self.handler, hostname=HOST, port=self.port, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login == (
            data.login.decode(),
            data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)
