"""What every channel's intake runs: chat workers over its part of the inbox, and waits that
give way to a stop (a long poll must not delay shutdown)."""

import asyncio
import contextlib
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from models import Channel
from workflows.intake.workers import Handle, run_inbox_workers
from workflows.jobs.runtime import Runtime

T = TypeVar("T")


async def run_chats(
    rt: Runtime,
    channel: Channel,
    handle: Handle,
    *,
    stop: asyncio.Event,
    wake: asyncio.Event,
    concurrency: int | None = None,
) -> None:
    """The channel's saved updates by chat until `stop`, with the process's settings."""
    await run_inbox_workers(
        rt.engine,
        channel=channel,
        handle=handle,
        clock=rt.clock,
        concurrency=concurrency or rt.settings.inbox_concurrency,
        lease=timedelta(seconds=rt.settings.inbox_lease_seconds),
        stop=stop,
        wake=wake,
    )


async def unless_stopped(call: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await `call`, or give it up when `stop` is set."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    return None


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
