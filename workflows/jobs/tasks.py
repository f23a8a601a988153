"""The background jobs, listed explicitly (JOBS): fire the due timers, send the outbox, queue the
weekly notes, retrain the routing models, prune, poll the watched walls; each one call, harmless
to run twice. They run under arq (worker.py) when REDIS_URL is set and in-process (loop.py)
otherwise; Postgres holds the state either way, so losing Redis or a worker loses nothing."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workflows.escalation.firing import run_due_timers
from workflows.escalation.retries import describe
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)
SENDER_LOCK = 727_001  # pg advisory lock id: one active sender keeps the rate limits exact
MONITOR_LOCK = 727_002  # one poller in the deployment: the service token's budget is its alone
RETRAIN_LOCK = 727_003  # one trainer: a week trained once, and two cores not both training
RETRAINING = asyncio.Lock()  # in a process: arq overlaps crons, SQLite has no advisory lock


async def fire_timers(rt: Runtime) -> int:
    """One poll: fire every due timer."""
    try:
        n = await run_due_timers(rt.sm, clock=rt.clock, max_attempts=rt.settings.timer_max_attempts)
    except DBAPIError as e:  # its text carries the SQL and its parameters: not for any log
        raise RuntimeError(f"опрос таймеров не удался: {describe(e)}") from None
    if n:
        log.info("таймеры: обработано %s", n)
    return n


@contextlib.asynccontextmanager
async def deployment_lock(rt: Runtime, lock: int) -> AsyncIterator[bool]:
    """Hold a deployment-wide lock (Postgres advisory); SQLite has one process anyway."""
    if rt.engine.dialect.name != "postgresql":
        yield True
        return
    async with rt.engine.connect() as conn:
        got = (await conn.execute(text(f"SELECT pg_try_advisory_lock({lock})"))).scalar()
        try:
            yield bool(got)
        finally:
            if got:
                await conn.execute(text(f"SELECT pg_advisory_unlock({lock})"))


def sender_lock(rt: Runtime) -> contextlib.AbstractAsyncContextManager[bool]:
    """The deployment's one sender."""
    return deployment_lock(rt, SENDER_LOCK)


async def send_outbox(rt: Runtime, *, stop: asyncio.Event | None = None) -> int:
    """Deliver what is due, batch by batch, if no other sender is active; a stop request is
    honoured between batches."""
    async with sender_lock(rt) as mine:
        if not mine:
            return 0
        total = 0
        while not (stop and stop.is_set()) and (n := await rt.sender.run_once()):
            total += n
        return total


async def make_due_digests(rt: Runtime) -> int:
    """Queue the weekly notes that are due (imported late: charts pull in matplotlib)."""
    if not rt.settings.weekly_note:
        return 0
    from workflows.digest.schedule import run_due_digests

    return await run_due_digests(rt.sm, rt.clock)


async def retrain_routing(rt: Runtime, *, stop: asyncio.Event | None = None) -> int:
    """Train the routing models whose week is due (workflows/routing/weekly.py), if no other
    process is training; imported late: scikit-learn is not for every process."""
    from workflows.routing.weekly import run_due_retraining

    if RETRAINING.locked():
        return 0
    async with RETRAINING, deployment_lock(rt, RETRAIN_LOCK) as mine:
        return await run_due_retraining(rt.sm, rt.clock, stop=stop) if mine else 0


async def prune_data(rt: Runtime) -> int:
    """Drop what is kept only to work once its period is over (workflows/jobs/retention.py)."""
    from workflows.jobs.retention import run_retention

    return (await run_retention(rt)).total


async def poll_monitoring(rt: Runtime, *, stop: asyncio.Event | None = None) -> int:
    """Read the watched walls of every municipality due a poll (workflows/jobs/monitor.py)."""
    from workflows.jobs.monitor import POLLING, run_due_polls

    if POLLING.locked():  # arq overlaps crons in one process; SQLite has no advisory lock
        return 0
    async with POLLING, deployment_lock(rt, MONITOR_LOCK) as mine:
        return await run_due_polls(rt, stop=stop) if mine else 0


async def publish_replies(rt: Runtime) -> int:
    """Publish incidents' approved answers under their posts (workflows/incidents/publishing)."""
    from workflows.incidents.publishing import run_publish_replies

    n = await run_publish_replies(
        rt.sm, clock=rt.clock, wall=rt.wall, max_attempts=rt.settings.outbox_max_attempts
    )
    if n:
        log.info("ответы на инциденты: опубликовано %s", n)
    return n


JOBS = {
    "fire_timers": fire_timers,
    "send_outbox": send_outbox,
    "digests": make_due_digests,
    "retrain_routing": retrain_routing,
    "retention": prune_data,
    "monitor": poll_monitoring,
    "publish_replies": publish_replies,
}
