"""Why the settings are refused, said in one Russian line naming the setting: pydantic's own
message prints the rejected value (part of a secret) and the CLI would add a traceback. Also the
rule a production secret must meet, shared by the environment's and the setup files' bots."""

import ipaddress
import re
import string
from email.utils import parseaddr
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

if TYPE_CHECKING:
    from models.settings import Settings

MIN_SECRET = 32
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev"}
# Words that mark a value copied from an example rather than generated (compared letters only).
PLACEHOLDER_WORDS = ("changeme", "replaceme", "placeholder", "example", "yoursecret", "yourtoken")
CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


class SettingProblems(ValueError):
    """Refusals by a validator, each carrying the setting's name."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))
        self.problems = problems


class SettingsInvalid(Exception):
    """The process cannot start with these settings; str() is the line to print."""


def secret_weakness(value: str) -> str | None:
    """Why `value` is too weak for a production secret, or None when it will do."""
    letters = re.sub(r"[^a-z0-9]", "", value.lower())
    if value.lower() in PLACEHOLDER_SECRETS or any(w in letters for w in PLACEHOLDER_WORDS):
        return "это заглушка из примера, а не секрет: сгенерируйте свой (openssl rand -hex 32)"
    if len(value) < MIN_SECRET:
        return f"слишком короткий секрет (нужно не меньше {MIN_SECRET} символов)"
    kinds = {next((i for i, c in enumerate(CLASSES) if ch in c), len(CLASSES)) for ch in value}
    if len(kinds) < 2 or len(set(value)) < 8:
        return (
            "слишком простой секрет (одни и те же символы или только один их вид): "
            "сгенерируйте случайный (openssl rand -hex 32)"
        )
    return None


def production_problems(settings: "Settings") -> list[tuple[str, str]]:
    """What production refuses: weak or missing secrets, test-only settings, SQLite."""
    problems = []
    secrets = {
        "MCU_ADMIN_TOKEN": settings.bootstrap_admin_token,
        "TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret,
        "VK_CALLBACK_SECRET": settings.vk_callback_secret,
        "MCU_METRICS_TOKEN": settings.metrics_token,
        # VK issues it (about 70 hex characters): only a value copied from an example fails
        "VK_SERVICE_TOKEN": settings.vk_service_token,
    }
    for name, secret in secrets.items():
        weakness = secret_weakness(secret.get_secret_value()) if secret is not None else None
        if weakness:
            problems.append((name, weakness))
    for url_name, url, secret_name in (
        ("TELEGRAM_WEBHOOK_URL", settings.telegram_webhook_url, "TELEGRAM_WEBHOOK_SECRET"),
        ("VK_CALLBACK_URL", settings.vk_callback_url, "VK_CALLBACK_SECRET"),
    ):
        if url and secrets[secret_name] is None:
            problems.append(
                (secret_name, f"не задан, а {url_name} задан: без секрета вебхук открыт всем")
            )
    if settings.fake_clock_file:
        problems.append(
            ("MCU_FAKE_CLOCK_FILE", "только для тестов и демонстраций, не для production")
        )
    if settings.is_sqlite:
        problems.append(
            ("DATABASE_URL", "в production нужна база Postgres (postgresql://…), не SQLite")
        )
    if settings.smtp_host and settings.smtp_password and settings.smtp_security == "none":
        problems.append(
            (
                "MCU_SMTP_SECURITY",
                "none, а пароль MCU_SMTP_PASSWORD задан: он ушёл бы открытым текстом; "
                "задайте starttls (порт 587) или tls (порт 465)",
            )
        )
    return problems


def sender_address_problem(value: str) -> str | None:
    """Why MCU_SMTP_FROM is not a sender's address (`a@b.ru` or `Имя <a@b.ru>`), or None."""
    name, address = parseaddr(value.strip())
    try:
        if not address or "@" not in address or (not name and address != value.strip()):
            raise EmailNotValidError
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return (
            "нужен адрес электронной почты отправителя, например mcu@example.ru "
            "или «МЦУ <mcu@example.ru>»"
        )
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def smtp_problems(settings: "Settings") -> list[tuple[str, str]]:
    """What makes the e-mail settings unusable in any environment (e-mail on: MCU_SMTP_HOST)."""
    if not settings.smtp_host:
        return []
    problems = []
    if re.search(r"[\s/@]", settings.smtp_host) or (
        ":" in settings.smtp_host and not _is_ip(settings.smtp_host)
    ):
        problems.append(
            (
                "MCU_SMTP_HOST",
                "нужно имя или IP-адрес сервера без схемы, порта и пробелов, "
                "например smtp.example.ru (порт — в MCU_SMTP_PORT)",
            )
        )
    if not settings.smtp_from:
        problems.append(
            ("MCU_SMTP_FROM", "не задан, а MCU_SMTP_HOST задан: письмам нужен адрес отправителя")
        )
    if settings.smtp_user and settings.smtp_password is None:
        problems.append(("MCU_SMTP_PASSWORD", "не задан, а MCU_SMTP_USER задан"))
    if settings.smtp_password is not None and not settings.smtp_user:
        problems.append(("MCU_SMTP_USER", "не задан, а MCU_SMTP_PASSWORD задан"))
    return problems


# pydantic's error types, in Russian; the rejected value is never repeated.
REASONS = {
    "missing": "не задана",
    "int_parsing": "нужно целое число",
    "int_from_float": "нужно целое число",
    "float_parsing": "нужно число",
    "bool_parsing": "нужно true или false",
    "greater_than": "нужно больше {gt}",
    "greater_than_equal": "нужно не меньше {ge}",
    "less_than": "нужно меньше {lt}",
    "less_than_equal": "нужно не больше {le}",
    "string_too_long": "не длиннее {max_length} символов",
    "string_too_short": "не короче {min_length} символов",
    "literal_error": "допустимые значения: {expected}",
}


def describe(exc: ValidationError) -> str:
    """One line for all of the refused settings, without their values."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, SettingProblems):
            parts += [f"настройка {name}: {reason}" for name, reason in cause.problems]
            continue
        if err["type"] == "value_error" and isinstance(cause, ValueError):
            reason = str(cause)  # a validator of ours: its message names no value
        else:
            try:
                reason = REASONS[err["type"]].format(**ctx).replace(" or ", " или ")
            except (KeyError, IndexError):
                reason = "недопустимое значение"
        name = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"настройка {name}: {reason}" if name else f"настройки: {reason}")
    line = "; ".join(parts) or "настройки не приняты"
    return line[:1].upper() + line[1:]
