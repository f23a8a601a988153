"""Everything the bot says, in Russian; citizen texts polite and plain, staff texts terse.
Citizen-supplied text is always escaped before it goes into HTML."""

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from models import ItemKind, ItemStatus
from workflows.transitions import STATUS_RU

CONSENT_TEXT = (
    "Чтобы принять ваше сообщение, нам нужно ваше согласие на обработку персональных данных "
    "(ФЗ-152): идентификатор Telegram, текст сообщения, фотографии и место проблемы. Данные "
    "используются только для рассмотрения ваших сообщений, хранятся в администрации "
    "и не передаются третьим лицам. Ваши имя и телефон сотрудникам в мессенджерах не "
    "показываются. Согласие можно отозвать командой /delete_me."
)

KIND_RU = {
    ItemKind.message: "сообщение",
    ItemKind.appeal_59fz: "обращение (59-ФЗ)",
    ItemKind.incident: "инцидент",
}

MENU_REPORT = "📝 Сообщить о проблеме"
MENU_MINE = "📋 Мои обращения"
MENU_HELP = "ℹ️ Помощь"


def greeting(municipality: str) -> str:
    return (
        f"Здравствуйте! Это бот администрации «{escape(municipality)}».\n\n"
        "Здесь можно сообщить о проблеме в вашем селе: нет воды или света, разбита дорога, "
        "не вывозят мусор и т. п. Мы передадим сообщение ответственному сотруднику и сообщим "
        "вам о ходе работы.\n\n" + CONSENT_TEXT
    )


def local(moment: datetime | None, tz: str, *, with_time: bool = False) -> str:
    if moment is None:
        return "—"
    value = moment.astimezone(ZoneInfo(tz))
    return value.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def status_ru(status: ItemStatus | str) -> str:
    return STATUS_RU.get(ItemStatus(status), str(status))


def quote(text: str, limit: int = 1500) -> str:
    """A citizen's or staff member's own words, escaped and shortened."""
    text = text.strip()
    return escape(text if len(text) <= limit else text[:limit] + "…")


def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
