"""Bot API request parameters, validation rules and rate limits the emulator enforces."""

from __future__ import annotations

import json
import math
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.bot.tg_html import (
    EntityParseError,
    parse_html,
    sort_entities,
    strip_formatted,
    utf16_len,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_BUTTONS = 100
MAX_CALLBACK_DATA = 64
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class ApiError(Exception):
    """A Bot API refusal: becomes {"ok": false, "error_code", "description"[, "parameters"]}."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    content: bytes
    filename: str
    content_type: str


class Params:
    """Typed access to request fields whether they came as form strings or JSON values."""

    def __init__(self, values: Mapping[str, Any], files: Mapping[str, Upload]) -> None:
        self.values = dict(values)
        self.files = dict(files)

    def has(self, name: str) -> bool:
        """Whether the field was sent (files included)."""
        return name in self.values or name in self.files

    def text(self, name: str, required: bool = False) -> str | None:
        """A string field."""
        value = self.values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, required: bool = False) -> int | None:
        """An integer field."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, required: bool = False) -> float | None:
        """A float field."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        """A boolean field ("true"/"false" in forms)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, what: str) -> Any:
        """A JSON-serialized field (reply_markup, entities, media...)."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None

    def file(self, name: str) -> Upload | str | None:
        """A file field: an uploaded part (directly or via attach://), or a file_id/URL string."""
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        return self.attachment(value) if value is not None else None

    def attachment(self, value: str) -> Upload | str:
        """Resolve "attach://<part>" to the uploaded part."""
        if value.startswith("attach://"):
            part = self.files.get(value[len("attach://") :])
            if part is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return part
        return value


def format_text(
    text: str | None, parse_mode: str | None, entities: Any, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode (or explicit entities), trim, and enforce the length limits."""
    text = text or ""
    if entities:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
        parsed = sort_entities([dict(e) for e in entities])
    elif parse_mode:
        if parse_mode.lower() != "html":
            raise bad_request(f"unsupported parse_mode {parse_mode!r} (the emulator speaks HTML)")
        try:
            text, parsed = parse_html(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        parsed = []
    text, parsed = strip_formatted(text, parsed)
    if caption:
        if utf16_len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif not text:
        raise bad_request("message text is empty")
    elif utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, parsed


def _check_inline_button(button: Any) -> None:
    """One inline button: a text and exactly one action; callback_data 1-64 bytes."""
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: Object expected")
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [key for key in INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and (
        not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://"))
    ):
        raise bad_request("BUTTON_URL_INVALID")


def _rows(markup: dict[str, Any], key: str) -> list[list[Any]]:
    """The button rows of a keyboard, checked to be a list of lists."""
    rows = markup.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            f'can\'t parse reply keyboard markup JSON object: Field "{key}" must be of type Array'
        )
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate reply_markup; an empty inline keyboard means no markup, as in Telegram."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = _rows(markup, "inline_keyboard")
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return markup if any(rows) else None
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        for row in _rows(markup, "keyboard"):
            for button in row:
                if not isinstance(button, str | dict):
                    raise bad_request("can't parse keyboard button: Object expected")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


@dataclass
class Limits:
    """Telegram's flood limits; None switches one off."""

    bot_per_second: int | None = 30
    private_chat_burst: int | None = 1
    private_chat_window: float = 1.0
    group_per_minute: int | None = 20
    chat_limit_counts_edits: bool = False


class SlidingWindow:
    """Timestamps of recent hits for a sliding-window rate limit."""

    def __init__(self) -> None:
        self.hits: deque[float] = deque()

    def retry_after(self, now: float, limit: int | None, window: float) -> int | None:
        """Whole seconds to wait before one more hit fits (None if it fits now)."""
        while self.hits and self.hits[0] <= now - window:
            self.hits.popleft()
        if limit is None or len(self.hits) < limit:
            return None
        oldest_blocking = self.hits[len(self.hits) - limit]
        return max(1, math.ceil(oldest_blocking + window - now))

    def add(self, now: float) -> None:
        """Record a hit."""
        self.hits.append(now)


@dataclass
class Stats:
    """What the bot asked for and what it was refused."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    too_many_requests: int = 0
    sends: int = 0
    first_send_at: float | None = None
    last_send_at: float | None = None

    def record_send(self, now: float) -> None:
        """Count a successful message-creating call."""
        self.sends += 1
        if self.first_send_at is None:
            self.first_send_at = now
        self.last_send_at = now

    def record_error(self, code: int) -> None:
        """Count a refusal."""
        self.errors[code] += 1
        if code == 429:
            self.too_many_requests += 1
