"""The conversation's neutral outputs the VK way: plain text (VK shows no markup; emphasis is
in the layout, headings on lines of their own), options as callback buttons on inline
keyboards within VK's limits, standing keyboards as VK's keyboards under the input field."""

import json
import math
import zlib
from typing import Any

from workflows.conversation.parts import Choice, Keyboard, Option, Rich, plain
from workflows.texts import citizen as tc
from workflows.texts.split import split_plain

TEXT_LIMIT = 4096
LABEL_LIMIT = 40
INLINE_BUTTONS = 10  # an inline keyboard holds at most 10 buttons in at most 6 rows
INLINE_ROWS = 6
ROW_BUTTONS = 5
RANDOM_SPACE = 2**30  # random_id is int32: outbox ids below 2^30, turn replies above


def texts(text: Rich, limit: int = 3800) -> list[str]:
    """Plain text in pieces VK accepts (at most 4,096 characters each)."""
    return split_plain(plain(text), limit) or ["…"]


def payload(choice: Choice) -> str:
    """An option as a button payload, trailing zeros dropped: {"o":["tk",12,3]} (≤ 255 bytes)."""
    numbers = [choice.a, choice.b, choice.c]
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return json.dumps({"o": [choice.act, *numbers]}, separators=(",", ":"))


def label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def inline_keyboards(options: tuple[Option, ...], columns: int) -> list[str]:
    """Options as inline keyboards of callback buttons: one per 10 options (VK's limit), rows
    as wide as asked but never more than 6 rows or 5 buttons to a row."""
    keyboards: list[str] = []
    for start in range(0, len(options), INLINE_BUTTONS):
        chunk = options[start : start + INLINE_BUTTONS]
        width = min(ROW_BUTTONS, max(columns, 1, math.ceil(len(chunk) / INLINE_ROWS)))
        buttons = [_callback(o) for o in chunk]
        rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
        keyboards.append(_dump({"inline": True, "buttons": rows}))
    return keyboards


STANDING_BUTTONS, STANDING_ROWS = 40, 10


def option_buttons(options: tuple[Option, ...], columns: int) -> str:
    """Options for an app without inline keyboards: text buttons under the input field, each
    carrying its option as payload (pressing one sends its label and the payload)."""
    chunk = options[:STANDING_BUTTONS]
    width = min(ROW_BUTTONS, max(columns, 1, math.ceil(len(chunk) / STANDING_ROWS)))
    buttons = [
        {"action": {"type": "text", "label": label(o.label), "payload": payload(o.choice)}}
        for o in chunk
    ]
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    return _dump({"one_time": True, "buttons": rows})


def standing(keyboard: Keyboard) -> str:
    """The keyboard under the input field: the menu, «send my location», or none."""
    if keyboard is Keyboard.menu:
        rows = [[_text(tc.MENU_REPORT, "primary")], [_text(tc.MENU_MINE), _text(tc.MENU_HELP)]]
        return _dump({"one_time": False, "buttons": rows})
    if keyboard is Keyboard.place:
        rows = [[{"action": {"type": "location"}}], [_text(tc.CANCEL, "negative")]]
        return _dump({"one_time": True, "buttons": rows})
    return _dump({"one_time": True, "buttons": []})


def reply_random_id(key: str, n: int) -> int:
    """A turn's n-th message: the same for a redelivered update, so VK sends it once."""
    return RANDOM_SPACE + zlib.crc32(f"{key}#{n}".encode()) % RANDOM_SPACE


def outbox_random_id(outbox_id: int, part: int, piece: int = 0) -> int:
    """A notice's message: derived from its outbox row, so a retried send is delivered once."""
    return (outbox_id * 64 + part * 4 + piece) % RANDOM_SPACE + 1


def _callback(o: Option) -> dict[str, Any]:
    action = {"type": "callback", "label": label(o.label), "payload": payload(o.choice)}
    return {"action": action, "color": "secondary"}


def _text(text: str, color: str = "secondary") -> dict[str, Any]:
    return {"action": {"type": "text", "label": label(text)}, "color": color}


def _dump(keyboard: dict[str, Any]) -> str:
    return json.dumps(keyboard, ensure_ascii=False, separators=(",", ":"))
