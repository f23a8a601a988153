"""Keyboard and event_data rules of messages.send, messages.edit and sendMessageEventAnswer."""

from __future__ import annotations

import json
from typing import Any

from tests.bot.vk.vk_rules import VkError, invalid

# Keyboards (dev.vk.com/api/bots/development/keyboard): a standard keyboard is at most
# 5 buttons x 10 rows and 40 buttons, an inline one 5 x 6 and 10 buttons.
BUTTONS_PER_ROW = 5
KEYBOARD_SIZE = {False: (10, 40), True: (6, 10)}  # inline -> (rows, buttons)
MAX_LABEL = 40
MAX_PAYLOAD = 255
ACTION_TYPES = frozenset({"text", "callback", "location", "open_link", "vkpay", "open_app"})
LABELLED = frozenset({"text", "callback", "open_link", "open_app"})
WIDE = frozenset({"location", "vkpay", "open_app"})  # each takes a whole row
COLORS = frozenset({"primary", "secondary", "negative", "positive", "default"})
MAX_SNACKBAR = 90  # characters of a show_snackbar text


def _bad_keyboard(where: str, rule: str) -> VkError:
    return VkError(911, f"{where}: {rule}" if where else rule)


def _check_payload(where: str, payload: Any) -> None:
    """A button payload: a JSON string of at most 255 characters (null means none)."""
    if payload is None:
        return
    if not isinstance(payload, str):
        raise _bad_keyboard(where, "payload must be a string with JSON")
    if len(payload) > MAX_PAYLOAD:
        raise _bad_keyboard(where, f"payload is longer than {MAX_PAYLOAD} characters")
    try:
        json.loads(payload)
    except ValueError:
        raise _bad_keyboard(where, "payload is not valid JSON") from None


def _check_button(where: str, button: Any) -> str:
    """One button; returns its action type."""
    action = button.get("action") if isinstance(button, dict) else None
    if not isinstance(action, dict):
        raise _bad_keyboard(where, "button must be an object with an action object")
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        raise _bad_keyboard(f"{where}.action.type", f"unsupported button type {kind!r}")
    label = action.get("label")
    if kind in LABELLED:
        if not isinstance(label, str) or not label:
            raise _bad_keyboard(f"{where}.action.label", "label is required")
        if len(label) > MAX_LABEL:
            raise _bad_keyboard(
                f"{where}.action.label", f"label is longer than {MAX_LABEL} characters"
            )
    _check_payload(f"{where}.action.payload", action.get("payload"))
    if kind == "open_link":
        link = action.get("link")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            raise _bad_keyboard(f"{where}.action.link", "link must be an http(s) URL")
    if kind == "open_app" and not isinstance(action.get("app_id"), int):
        raise _bad_keyboard(f"{where}.action.app_id", "app_id is required")
    if kind == "vkpay" and not isinstance(action.get("hash"), str):
        raise _bad_keyboard(f"{where}.action.hash", "hash is required")
    color = button.get("color")
    if color is not None and color not in COLORS:
        raise _bad_keyboard(f"{where}.color", f"unknown color {color!r}")
    return str(kind)


def check_keyboard(raw: str) -> dict[str, Any]:
    """Validate a `keyboard` field; {"buttons": []} is valid and hides the keyboard."""
    try:
        keyboard = json.loads(raw)
    except ValueError:
        raise _bad_keyboard("", "keyboard is not valid JSON") from None
    if not isinstance(keyboard, dict):
        raise _bad_keyboard("", "keyboard must be a JSON object")
    rows = keyboard.get("buttons")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_keyboard("buttons", "buttons must be an array of arrays")
    inline = bool(keyboard.get("inline"))
    if inline and keyboard.get("one_time"):
        raise _bad_keyboard("one_time", "one_time is not supported by inline keyboards")
    max_rows, max_buttons = KEYBOARD_SIZE[inline]
    kind_name = "inline" if inline else "standard"
    if len(rows) > max_rows:
        raise _bad_keyboard("buttons", f"a {kind_name} keyboard has at most {max_rows} rows")
    if sum(len(row) for row in rows) > max_buttons:
        raise _bad_keyboard("buttons", f"a {kind_name} keyboard has at most {max_buttons} buttons")
    for r, row in enumerate(rows):
        if not row:
            raise _bad_keyboard(f"buttons[{r}]", "a row must not be empty")
        if len(row) > BUTTONS_PER_ROW:
            raise _bad_keyboard(f"buttons[{r}]", f"a row has at most {BUTTONS_PER_ROW} buttons")
        kinds = [_check_button(f"buttons[{r}][{c}]", button) for c, button in enumerate(row)]
        wide = sorted(WIDE.intersection(kinds))
        if wide and len(row) > 1:
            raise _bad_keyboard(f"buttons[{r}]", f"a {wide[0]} button takes the whole row")
    return keyboard


def check_event_data(raw: str | None) -> dict[str, Any] | None:
    """event_data of sendMessageEventAnswer: show_snackbar (text <= 90), open_link or open_app."""
    if raw is None or raw == "":
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        raise invalid("event_data is not valid JSON") from None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "show_snackbar":
        text = data.get("text")
        if not isinstance(text, str) or not text:
            raise invalid("event_data.text is required for show_snackbar")
        if len(text) > MAX_SNACKBAR:
            raise invalid(f"event_data.text is longer than {MAX_SNACKBAR} characters")
    elif kind == "open_link":
        link = data.get("link")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            raise invalid("event_data.link must be an http(s) URL")
    elif kind == "open_app":
        if not isinstance(data.get("app_id"), int):
            raise invalid("event_data.app_id is required for open_app")
    else:
        raise invalid(f"event_data.type {kind!r} is not one of show_snackbar, open_link, open_app")
    return dict(data)
