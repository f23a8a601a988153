"""The injectable clock: production reads the wall clock, tests move time by hand."""

import random
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until told to move; a month of deadlines runs in seconds."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FileClock:
    """Reads "now" from a file on every call: lets an end-to-end test move a running system's
    time from outside. Refused in production (see Settings)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def now(self) -> datetime:
        with open(self.path, encoding="utf-8") as f:
            moment = datetime.fromisoformat(f.read().strip())
        if moment.tzinfo is None:
            raise ValueError(f"{self.path}: время без часового пояса")
        return moment.astimezone(UTC)


class ShiftedClock:
    """Real time flowing from a chosen start, and movable forward: for end-to-end tests where
    rate limits need time to pass while deadlines need days to be skipped."""

    def __init__(self, start: datetime) -> None:
        import time

        self._monotonic = time.monotonic
        self._t0, self._start, self._offset = time.monotonic(), start.astimezone(UTC), timedelta()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._t0) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def set(self, moment: datetime) -> None:
        self._offset += moment.astimezone(UTC) - self.now()


def backoff(attempts: int, *, base: float = 1.0, cap: float = 900.0) -> timedelta:
    """base·2, base·4, base·8 … seconds, capped, with jitter so retries do not march together."""
    return timedelta(seconds=min(base * 2.0**attempts, cap) * random.uniform(0.8, 1.2))
