"""Chat workers: each claims a chat's next saved update, hands it to the channel's handler,
records the outcome and goes on; several per process, any number of processes per database.
A busy chat holds one worker, never the others; a chat's own updates keep their order."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from models import Channel
from models.db import log_failure
from workflows.core.clock import Clock
from workflows.core.logs import describe_invalid, log_context
from workflows.intake.claims import (
    ClaimedUpdate,
    do_claim_update,
    do_finish_and_claim,
    do_finish_update,
    do_release_claims,
    do_renew_claim,
)

log = logging.getLogger(__name__)
Handle = Callable[[ClaimedUpdate], Awaitable[None]]
# A row claimed this many times without an outcome took its workers down with it (or hung
# them past the lease) each time: it is recorded as failed instead of tried again.
MAX_CLAIMS = 3
REST_SECONDS = 30.0  # a resting worker's own look at the queue; the scout looks more often


async def handle_claimed(
    engine: AsyncEngine, claimed: ClaimedUpdate, *, handle: Handle, clock: Clock, lease: timedelta
) -> str | None:
    """Run the handler on a claimed update, renewing the lease meanwhile; the error to record
    (None: it went well). A failing update is recorded and skipped: it cannot block its chat."""
    with log_context(inbox=claimed.id):  # every line about it names its row, nothing more
        if claimed.claim > MAX_CLAIMS:
            log.error("обновление %s: брошено после %s попыток", claimed.update_id, MAX_CLAIMS)
            return f"abandoned: claimed {MAX_CLAIMS} times, never finished"
        renewing = asyncio.create_task(_keep_claim(engine, claimed, clock=clock, lease=lease))
        try:
            await handle(claimed)
        except Exception as e:  # one bad update must not stop the rest
            invalid = describe_invalid(e)
            if invalid is not None:  # no traceback: its text would quote the update
                log.error("обновление %s не обработано: %s", claimed.update_id, invalid)
                return invalid
            log.exception("обновление %s не обработано", claimed.update_id)
            return f"{type(e).__name__}: {e}"
        finally:
            renewing.cancel()
        return None


async def process_next(
    engine: AsyncEngine, *, channel: Channel, handle: Handle, clock: Clock, lease: timedelta
) -> bool:
    """Claim, handle and record one update; False when no chat has one waiting."""
    claimed = await do_claim_update(engine, channel=channel, now=clock.now(), lease=lease)
    if claimed is None:
        return False
    error = await handle_claimed(engine, claimed, handle=handle, clock=clock, lease=lease)
    await do_finish_update(engine, inbox_id=claimed.id, now=clock.now(), error=error)
    return True


async def _keep_claim(
    engine: AsyncEngine, claimed: ClaimedUpdate, *, clock: Clock, lease: timedelta
) -> None:
    """Renew the lease every third of it while the handler works."""
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        try:
            held = await do_renew_claim(engine, claimed=claimed, now=clock.now(), lease=lease)
        except Exception:  # the next renewal tries again; the lease still has two thirds
            log.exception("обновление %s: аренда не продлена", claimed.update_id)
            continue
        if not held:
            log.warning("обновление %s: аренда истекла, его взял другой", claimed.update_id)
            return


async def run_inbox_workers(
    engine: AsyncEngine,
    *,
    channel: Channel,
    handle: Handle,
    clock: Clock,
    concurrency: int,
    lease: timedelta,
    stop: asyncio.Event,
    wake: asyncio.Event,
    poll_seconds: float = 1.0,
) -> None:
    """Run `concurrency` chat workers until `stop` is set; each finishes its update first.
    Intake sets `wake` when it saves something; while the queue is empty one worker (the scout)
    also looks every `poll_seconds` for what other processes saved, and calls the others."""
    if engine.dialect.name == "sqlite":  # one process: a lease at start-up is our own past
        await do_release_claims(engine, channel=channel)

    async def drain(claimed: ClaimedUpdate | None) -> None:
        """Handle updates while there are any, recording each outcome with the next claim."""
        while claimed is not None:
            error = await handle_claimed(engine, claimed, handle=handle, clock=clock, lease=lease)
            if stop.is_set():
                await do_finish_update(engine, inbox_id=claimed.id, now=clock.now(), error=error)
                return
            claimed = await do_finish_and_claim(
                engine,
                inbox_id=claimed.id,
                error=error,
                channel=channel,
                now=clock.now(),
                lease=lease,
            )

    async def worker(n: int) -> None:
        rested = False
        while not stop.is_set():
            try:
                claimed = await do_claim_update(
                    engine, channel=channel, now=clock.now(), lease=lease
                )
                if claimed is not None and rested:  # work came while resting: call the others
                    wake.set()
                rested = False
                await drain(claimed)
            except Exception:  # the database went away: try again shortly
                log_failure(log, "очередь входящих недоступна")
                await _sleep_or_stop(stop, poll_seconds)
                continue
            if claimed is not None:
                continue
            if wake.is_set():
                wake.clear()  # then look once more: nothing saved before the clear is missed
            else:
                rested = True
                await _rest(wake, stop, poll_seconds if n == 0 else REST_SECONDS)

    await asyncio.gather(*(worker(n) for n in range(concurrency)))


async def _rest(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Wait for `wake`, `stop` or the time, whichever comes first (another worker may clear
    `wake`, never `stop`)."""
    if stop.is_set():
        return
    waits = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
    _, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
