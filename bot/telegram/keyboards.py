"""Keyboards: the citizen's menu, pickers for sectors, places, people and days."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.telegram import callbacks as cb
from bot.telegram.texts import MENU_HELP, MENU_MINE, MENU_REPORT


def rows(buttons: list[InlineKeyboardButton], width: int = 2) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + width] for i in range(0, len(buttons), width)]
    )


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=MENU_REPORT)],
            [KeyboardButton(text=MENU_MINE), KeyboardButton(text=MENU_HELP)],
        ],
        resize_keyboard=True,
    )


def location_request() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="📍 Отправить геопозицию", request_location=True)],
            [KeyboardButton(text="Отменить")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def consent() -> InlineKeyboardMarkup:
    return rows([button("✅ Согласен(на)", cb.Citizen(act="consent"))], 1)


def sectors(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    buttons = [button(name, cb.Sector(id=sid)) for sid, name in items]
    buttons.append(button("🤷 Не знаю", cb.Sector(id=0)))
    return rows(buttons, 2)


def localities(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    return rows([button(name, cb.Locality(id=lid)) for lid, name in items], 2)


def describe_done() -> InlineKeyboardMarkup:
    return rows(
        [
            button("Готово ➡️", cb.Citizen(act="desc_done")),
            button("Отменить", cb.Citizen(act="cancel")),
        ],
        2,
    )


def confirm() -> InlineKeyboardMarkup:
    return rows(
        [
            button("✅ Отправить", cb.Citizen(act="send")),
            button("✏️ Изменить описание", cb.Citizen(act="edit_text")),
            button("📍 Изменить место", cb.Citizen(act="edit_place")),
            button("❌ Отменить", cb.Citizen(act="cancel")),
        ],
        2,
    )


def similar(item_id: int) -> InlineKeyboardMarkup:
    return rows(
        [
            button("Всё равно отправить", cb.Citizen(act="send_anyway")),
            button("Открыть прежнее", cb.Citizen(act="open", item=item_id)),
            button("Отменить", cb.Citizen(act="cancel")),
        ],
        1,
    )


def feedback(item_id: int) -> InlineKeyboardMarkup:
    return rows(
        [
            button("👍 Да, решена", cb.Citizen(act="solved", item=item_id)),
            button("👎 Нет", cb.Citizen(act="unsolved", item=item_id)),
        ],
        2,
    )


def rating(item_id: int) -> InlineKeyboardMarkup:
    return rows(
        [button("⭐" * n, cb.Citizen(act="rate", item=item_id, arg=n)) for n in range(1, 6)], 5
    )


def reply_to(item_id: int, label: str = "✍️ Ответить") -> InlineKeyboardMarkup:
    return rows([button(label, cb.Citizen(act="details", item=item_id))], 1)
