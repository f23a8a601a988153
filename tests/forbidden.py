"""What no log line may hold: the test citizens' personal data and every secret the tests use.

The session's log scan (tests/logscan.py) looks for each of these in every line the test run
logged, in process and in the subprocesses it started. A test that types a new citizen's name,
phone or address adds it below; a test that makes a token or secret wraps it:
`TOKEN = secret("…", "токен бота")` at import, or `secret(created, "токен API")` when made.
Values shorter than MIN_LENGTH are refused: they would match innocent text.
"""

import re

MIN_LENGTH = 5

# The test citizens' names, phones and addresses, as the tests type them.
NAMES = (
    "Магомедрасул Гаджиев",
    "Магомедрасул",
    "Гаджиев",
    "Гасанов Магомед",
    "Гасанов",
    "Петров Пётр",
    "Петров П.П.",
    "Петров",
    "Сидоров С.С.",
    "Сидоров",
    "Иванов И.И.",
    "Иванов",
    "Гражданин Тестовый",
    "Патимат Алиева",
    "Алиева",
)
PHONES = (
    "+7 999 123-45-67",
    "123-45-67",
    "+7 900 000-00-00",
    "+79031234567",
    "+79281234567",
    "+79001112233",
    "+79990000000",
    "+7 928 555-44-33",
    "+7 903 123-45-67",
    "89281112233",
)
ADDRESSES = (
    "ул. Садовая",
    "улица Садовая",
    "Садовая",
    "ул. Школьная",
    "Школьная у дома 3",
    "ул. Секретная",
    "Секретная, 7",
    "Дом 12, второй подъезд",
    "ул. Ленина 5 кв 3",
)
# Secrets tests use without wrapping them in secret() (settings, setups, masking).
SECRETS = (
    "bootstrap-admin-token-for-masking-test",
    "Zq4v-8KbWm2rT9yLx6Hc3NfJd7Pa5EsU",
    "123456:AAF-real-token",
    "Change-Me-please-to-a-real-secret-value-0123",
    "your-secret-goes-here-1234567890abcdef",
)
# Shapes that are a secret whoever made it (a test, the API, a subprocess): our API tokens.
SHAPES = {"токен API (mcu_…)": re.compile(rb"mcu_[A-Za-z0-9_-]{43}")}

_secrets: dict[str, str] = dict.fromkeys(SECRETS, "секрет")


def _phone_forms(phone: str) -> list[str]:
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits[0] in "78":
        return [phone, "+7" + digits[1:], "7" + digits[1:], "8" + digits[1:]]
    return [phone]


def personal_data() -> dict[str, str]:
    """Every personal value, with what it is (phones also as +7…, 7… and 8…)."""
    found = dict.fromkeys(NAMES, "имя")
    found.update((a, "адрес") for a in ADDRESSES)
    found.update((form, "телефон") for p in PHONES for form in _phone_forms(p))
    return found


def secret(value: str, what: str) -> str:
    """Register a token or secret the tests use; returns it, to wrap the assignment."""
    if len(value) < MIN_LENGTH:
        raise ValueError(f"too short to look for in logs: {what}")
    _secrets.setdefault(value, what)
    return value


def forbidden() -> dict[str, str]:
    """Every value to look for, with what it is."""
    return {**personal_data(), **_secrets}
