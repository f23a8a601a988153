"""Production refuses weak secrets and webhooks without one; the refusal is one Russian line that
names each setting and never repeats a value."""

import secrets

import pytest
from pydantic import ValidationError

from models.settings import Settings
from models.settings_check import describe, secret_weakness

PG = "postgresql://postgres@127.0.0.1:5432/mcu"
STRONG = "Zq4v-8KbWm2rT9yLx6Hc3NfJd7Pa5EsU"  # 32 characters, mixed, not a placeholder


def production(**values: str) -> Settings:
    return Settings.model_validate({"MCU_ENV": "production", "DATABASE_URL": PG, **values})


def refusal(**values: str) -> str:
    with pytest.raises(ValidationError) as e:
        production(**values)
    return describe(e.value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("a", "короткий"),
        ("12345678", "короткий"),
        ("x", "короткий"),
        ("", "заглушка"),
        ("changeme", "заглушка"),
        ("Change-Me-please-to-a-real-secret-value-0123", "заглушка"),
        ("your-secret-goes-here-1234567890abcdef", "заглушка"),
        ("x" * 40, "простой"),
        ("1" * 40, "простой"),
        ("0123456789" * 4, "простой"),  # digits only
        ("abcdefghijklmnopqrstuvwxyzabcdefgh", "простой"),  # one case of letters only
        ("ab12" * 10, "простой"),  # two classes, four characters repeated
    ],
)
def test_weak_secrets_are_named_weak(value: str, why: str) -> None:
    weakness = secret_weakness(value)
    assert weakness is not None and why in weakness


@pytest.mark.parametrize(
    "value", [STRONG, secrets.token_urlsafe(32), "mcu_" + secrets.token_urlsafe(32)]
)
def test_strong_secrets_pass(value: str) -> None:
    assert secret_weakness(value) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("MCU_ADMIN_TOKEN", "a"), ("MCU_ADMIN_TOKEN", "12345678"), ("TELEGRAM_WEBHOOK_SECRET", "x")],
)
def test_production_refuses_a_weak_secret_without_showing_it(name: str, value: str) -> None:
    line = refusal(**{name: value, "VK_CALLBACK_SECRET": "leaky-" + STRONG[:8]})
    assert line.startswith(f"Настройка {name}: ") and "\n" not in line
    assert "VK_CALLBACK_SECRET: слишком короткий секрет" in line
    assert STRONG[:8] not in line and "leaky" not in line and "input" not in line


def test_production_refuses_a_webhook_without_its_secret() -> None:
    line = refusal(TELEGRAM_WEBHOOK_URL="https://mcu.example/telegram/webhook")
    assert line == (
        "Настройка TELEGRAM_WEBHOOK_SECRET: не задан, а TELEGRAM_WEBHOOK_URL задан: "
        "без секрета вебхук открыт всем"
    )
    line = refusal(VK_CALLBACK_URL="https://mcu.example/vk/callback/1")
    assert line.startswith("Настройка VK_CALLBACK_SECRET: не задан, а VK_CALLBACK_URL задан")
    ok = production(
        TELEGRAM_WEBHOOK_URL="https://mcu.example/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=STRONG,
        VK_CALLBACK_URL="https://mcu.example/vk/callback/1",
        VK_CALLBACK_SECRET=STRONG[::-1],
        MCU_ADMIN_TOKEN="mcu_" + STRONG,
    )
    assert ok.telegram_webhook_secret is not None and not ok.docs_shown


def test_development_keeps_working_without_secrets_or_with_short_ones() -> None:
    dev = Settings.model_validate(
        {"MCU_ADMIN_TOKEN": "a", "TELEGRAM_WEBHOOK_SECRET": "x", "TELEGRAM_WEBHOOK_URL": "http://x"}
    )
    assert dev.env == "development" and dev.docs_shown
    assert Settings.model_validate({}).bootstrap_admin_token is None


def test_field_errors_are_russian_and_name_the_setting() -> None:
    with pytest.raises(ValidationError) as e:
        Settings.model_validate(
            {"MCU_ENV": "prod", "MCU_POLL_SECONDS": "0", "VK_CONFIRMATION": "s3cr3t" * 20}
        )
    line = describe(e.value)
    assert "Настройка MCU_ENV: допустимые значения: 'development', 'production' или 'test'" in line
    assert "настройка MCU_POLL_SECONDS: нужно больше 0" in line
    assert "настройка VK_CONFIRMATION: не длиннее 64 символов" in line
    assert "s3cr3t" not in line and "\n" not in line


def test_api_docs_setting_shows_them_in_production() -> None:
    assert production(MCU_API_DOCS="true").docs_shown
    assert not Settings.model_validate(
        {"MCU_ENV": "development", "MCU_API_DOCS": "false"}
    ).docs_shown


def test_a_validator_s_own_message_is_kept_and_unknown_errors_stay_vague() -> None:
    from pydantic import BaseModel, field_validator

    class Probe(BaseModel):
        port: int
        mode: str

        @field_validator("mode")
        @classmethod
        def _known(cls, v: str) -> str:
            if v != "a":
                raise ValueError("только режим a")
            return v

    with pytest.raises(ValidationError) as e:
        Probe.model_validate({"port": [1], "mode": "b"})
    assert describe(e.value) == (
        "Настройка port: недопустимое значение; настройка mode: только режим a"
    )


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (
            {"MCU_SMTP_FROM": "not an address"},
            "Настройка MCU_SMTP_FROM: нужен адрес электронной почты отправителя, например "
            "mcu@example.ru или «МЦУ <mcu@example.ru>»",
        ),
        ({"MCU_SMTP_PORT": "70000"}, "Настройка MCU_SMTP_PORT: нужно не больше 65535"),
        ({"MCU_SMTP_PORT": "0"}, "Настройка MCU_SMTP_PORT: нужно не меньше 1"),
        (
            {"MCU_SMTP_SECURITY": "ssl"},
            "Настройка MCU_SMTP_SECURITY: допустимые значения: 'none', 'starttls' или 'tls'",
        ),
        (
            {"MCU_SMTP_HOST": "smtp.example.ru"},
            "Настройка MCU_SMTP_FROM: не задан, а MCU_SMTP_HOST задан: письмам нужен адрес "
            "отправителя",
        ),
        (
            {"MCU_SMTP_HOST": "smtp://smtp.example.ru:25", "MCU_SMTP_FROM": "mcu@example.ru"},
            "Настройка MCU_SMTP_HOST: нужно имя или IP-адрес сервера без схемы, порта и "
            "пробелов, например smtp.example.ru (порт — в MCU_SMTP_PORT)",
        ),
        (
            {
                "MCU_SMTP_HOST": "smtp.example.ru",
                "MCU_SMTP_FROM": "a@example.ru",
                "MCU_SMTP_USER": "u",
            },
            "Настройка MCU_SMTP_PASSWORD: не задан, а MCU_SMTP_USER задан",
        ),
    ],
)
def test_bad_smtp_settings_are_refused_in_one_line(values: dict[str, str], line: str) -> None:
    with pytest.raises(ValidationError) as e:
        Settings.model_validate(values)
    assert describe(e.value) == line


def test_smtp_settings_that_will_do() -> None:
    s = Settings.model_validate(
        {
            "MCU_SMTP_HOST": "::1",
            "MCU_SMTP_FROM": " МЦУ Бежта <mcu@bezhta.example.ru> ",
            "MCU_SMTP_PORT": "587",
            "MCU_SMTP_SECURITY": "starttls",
        }
    )
    assert (s.smtp_host, s.smtp_port, s.smtp_from) == (
        "::1",
        587,
        "МЦУ Бежта <mcu@bezhta.example.ru>",
    )
    assert Settings.model_validate({}).smtp_host is None  # e-mail off by default


def test_production_refuses_an_smtp_password_in_clear() -> None:
    smtp = {
        "MCU_SMTP_HOST": "smtp.example.ru",
        "MCU_SMTP_FROM": "mcu@example.ru",
        "MCU_SMTP_USER": "mcu",
        "MCU_SMTP_PASSWORD": "smtp-" + STRONG,
    }
    line = refusal(**smtp)
    assert line.startswith("Настройка MCU_SMTP_SECURITY: none, а пароль MCU_SMTP_PASSWORD задан")
    assert STRONG not in line
    assert production(**smtp, MCU_SMTP_SECURITY="tls", MCU_SMTP_PORT="465").smtp_port == 465
