"""The conversation's neutral outputs as Telegram messages: HTML with every segment escaped,
options as inline keyboards (payload ≤ 64 bytes), standing keyboards as reply keyboards."""

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from workflows.conversation.parts import Choice, Keyboard, Option, Rich, Strong
from workflows.texts import citizen as tc

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


class Opt(CallbackData, prefix="o"):
    """Any option: its action code and up to three numbers (ids, versions, days)."""

    act: str
    a: int = 0
    b: int = 0
    c: int = 0

    @classmethod
    def of(cls, choice: Choice) -> "Opt":
        return cls(act=choice.act, a=choice.a, b=choice.b, c=choice.c)

    def choice(self) -> Choice:
        return Choice(self.act, self.a, self.b, self.c)


def html(text: Rich, limit: int = TEXT_LIMIT) -> str:
    """Segments as HTML; plain text is cut (never the markup) to fit Telegram's limit."""
    out: list[str] = []
    left = limit - 50  # room for tags
    for segment in text:
        piece = segment[:left] if len(segment) > left else segment
        left -= len(piece)
        out.append(f"<b>{escape(piece)}</b>" if isinstance(segment, Strong) else escape(piece))
        if left <= 0:
            break
    return "".join(out)


def inline(options: tuple[Option, ...], columns: int) -> InlineKeyboardMarkup | None:
    if not options:
        return None
    buttons = [
        InlineKeyboardButton(text=o.label, callback_data=Opt.of(o.choice).pack()) for o in options
    ]
    width = max(columns, 1)
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + width] for i in range(0, len(buttons), width)]
    )


def standing(keyboard: Keyboard) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    if keyboard is Keyboard.menu:
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=tc.MENU_REPORT)],
                [KeyboardButton(text=tc.MENU_MINE), KeyboardButton(text=tc.MENU_HELP)],
            ],
            resize_keyboard=True,
        )
    if keyboard is Keyboard.place:
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=tc.SEND_LOCATION, request_location=True)],
                [KeyboardButton(text=tc.CANCEL)],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    return ReplyKeyboardRemove()
