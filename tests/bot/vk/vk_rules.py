"""VK API refusals, request parameters, limits and counters the emulator keeps."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# error_msg of each code, as VK words them (errors.json of VKCOM/vk-api-schema, 5.199).
ERROR_MESSAGES = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request",
    9: "Flood control",
    10: "Internal server error",
    15: "Access denied",
    18: "User was deleted or banned",
    27: "Group authorization failed: method is unavailable with group auth.",
    28: "Application authorization failed: method is unavailable with service token.",
    30: "This profile is private",
    100: "One of the parameters specified was missing or invalid",
    104: "Not found",
    105: "Couldn't save file",
    118: "Invalid server",
    121: "Invalid hash",
    129: "Invalid photo",
    212: "Access to post comments denied",
    213: "Access to status replies denied",
    900: "Can't send messages for users from blacklist",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
    909: "Can't edit this message, because it's too old",
    911: "Keyboard format is invalid",
    914: "Message is too long",
    917: "You don't have access to this chat",
    920: "Can't edit this kind of message",
}
MIN_VERSION = (5, 81)  # older versions are refused with error 8 since 2018
INT32 = (-(2**31), 2**31 - 1)


class VkError(Exception):
    """A VK API refusal: becomes {"error": {"error_code", "error_msg", "request_params"}}."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        base = ERROR_MESSAGES.get(code, ERROR_MESSAGES[1])
        super().__init__(f"{base}: {detail}" if detail else base)
        self.code = code
        self.message = str(self)

    def payload(self, method: str, values: Mapping[str, str]) -> dict[str, Any]:
        """The "error" object; request_params echo the call without the token, as VK does."""
        params = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        params += [{"key": k, "value": v} for k, v in values.items() if k != "access_token"]
        return {"error_code": self.code, "error_msg": self.message, "request_params": params}


def invalid(detail: str) -> VkError:
    """Error 100 with VK's "One of the parameters specified was missing or invalid: " prefix."""
    return VkError(100, detail)


class Params:
    """Typed access to a method call's fields (all strings, as form data carries them)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def has(self, name: str) -> bool:
        """Whether the field was sent and is not empty."""
        return self.values.get(name, "") != ""

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A string field."""
        value = self.values.get(name)
        if value is None and required:
            raise invalid(f"{name} is undefined")
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """An integer field."""
        value = self.values.get(name, "")
        if value == "":
            if required:
                raise invalid(f"{name} is undefined")
            return None
        try:
            return int(value)
        except ValueError:
            raise invalid(f"{name} not integer") from None

    def integers(self, name: str) -> list[int]:
        """A comma-separated list of integers."""
        raw = self.values.get(name, "")
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise invalid(f"{name} not integer") from None

    def number(self, name: str) -> float | None:
        """A float field."""
        value = self.values.get(name, "")
        try:
            return float(value) if value != "" else None
        except ValueError:
            raise invalid(f"{name} not a number") from None


def check_version(raw: str | None) -> str:
    """The `v` of a call: required, and at least 5.81."""
    if not raw:
        raise VkError(8, "v (version) is required")
    try:
        major, minor = (int(part) for part in raw.split(".", 1))
    except ValueError:
        raise VkError(8, f"invalid version {raw!r}") from None
    if (major, minor) < MIN_VERSION:
        raise VkError(
            8, 'versions below 5.81 are deprecated. Version param should be passed as "v"'
        )
    return raw


def check_random_id(raw: int | None) -> int:
    """random_id is required since 5.90; the emulator holds it to a signed 32-bit integer."""
    if raw is None:
        raise invalid("random_id is a required parameter")
    if not INT32[0] <= raw <= INT32[1]:
        raise invalid("random_id is out of the int32 range")
    return raw


@dataclass
class Limits:
    """VK's limits and the emulator's timings; None switches a limit off. Mutable at run time."""

    per_second: int | None = 20  # requests per community token in any sliding second
    # per service token: VK's figure for an application of up to 10,000 users (see
    # models/settings.py, vk_wall_per_second)
    service_per_second: int | None = 5
    same_text_per_minute: int | None = 10  # identical texts to one peer per minute (error 9)
    max_text: int = 4096  # characters of a message (error 914)
    edit_window: float = 24 * 3600  # seconds a community may edit its message (error 909)
    event_ttl: float = 60.0  # seconds a message_event may be answered
    long_poll_max_wait: float = 5.0  # cap on a_check's `wait` (VK allows 90)
    long_poll_history: int = 1000  # events kept for a_check; an older ts gets failed 1
    callback_retries: int = 5  # re-sends of an event not answered "ok"
    callback_retry_delay: float = 0.05  # seconds between re-sends
    callback_timeout: float = 5.0  # seconds to wait for the callback server's answer


class SlidingWindow:
    """Monotonic timestamps of recent hits for a sliding-window limit."""

    def __init__(self) -> None:
        self.hits: deque[float] = deque()

    def admits(self, now: float, limit: int | None, window: float) -> bool:
        """Whether one more hit at `now` keeps at most `limit` hits in (now - window, now]."""
        while self.hits and self.hits[0] <= now - window:
            self.hits.popleft()
        return limit is None or len(self.hits) < limit

    def add(self, now: float) -> None:
        """Record a hit."""
        self.hits.append(now)


def peak(times: list[float], window: float = 1.0) -> int:
    """The most timestamps that fall in any half-open window of this length."""
    best, start = 0, 0
    ordered = sorted(times)
    for end, at in enumerate(ordered):
        while ordered[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass
class Stats:
    """What was asked and refused: requests per method, errors per code, sends."""

    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    accepted_at: list[float] = field(default_factory=list)  # arrivals inside the rate limit
    sent_at: list[float] = field(default_factory=list)  # messages actually created

    @property
    def sends(self) -> int:
        """Messages created by messages.send (dedupes and refusals not counted)."""
        return len(self.sent_at)

    def peak_per_second(self) -> int:
        """The most accepted requests in any sliding second."""
        return peak(self.accepted_at)

    def sends_per_second(self) -> int:
        """The most messages created in any sliding second."""
        return peak(self.sent_at)
