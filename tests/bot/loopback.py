"""What both emulators share: a broadcast signal for "something changed", waiting for it with a
timeout, and a clock tests move by hand."""

import asyncio


class Signal:
    """A broadcast "something changed"; take waiter() before checking, then await it."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake everyone waiting now."""
        self._event.set()
        self._event = asyncio.Event()

    def waiter(self) -> asyncio.Event:
        """The event the next fire() sets."""
        return self._event


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait for an event up to timeout seconds; False on timeout."""
    try:
        await asyncio.wait_for(event.wait(), max(timeout, 0))
    except TimeoutError:
        return False
    return True


class ManualClock:
    """A monotonic clock tests move by hand (rate limits, TTLs, edit windows) without sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        """Current reading."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
