"""The SMTP server letters go through, taken from the settings once (None: e-mail is off)."""

from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr

from models.settings import Settings

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # MCU_SMTP_FROM: an address or «Имя <address>»
    security: Security = "none"
    user: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    timeout: float = 30.0
    # A CA bundle to trust instead of the system's (a server with its own certificate; tests).
    ca_file: str | None = None


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The deployment's SMTP server, or None when MCU_SMTP_HOST is not set."""
    if not settings.smtp_host or not settings.smtp_from:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
    )
