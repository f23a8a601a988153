"""Background jobs, listed explicitly: the timer poller and the outbox sender. They run under arq
when REDIS_URL is set and in-process otherwise; Postgres holds the state either way, so losing
Redis or a worker loses nothing."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel
from models.db import make_engine, make_sessionmaker
from models.settings import Settings, get_settings
from workflows.core.clock import Clock, FileClock, SystemClock
from workflows.escalation.firing import next_due_at, run_due_timers
from workflows.escalation.retries import describe
from workflows.outbox.ports import ChannelPort, ConsolePort
from workflows.outbox.sender import Sender

log = logging.getLogger(__name__)
# The composition root (the CLI) registers channel set-ups here, e.g. the Telegram port, so that
# every runtime a process makes (arq builds its own) can deliver through them.
RUNTIME_HOOKS: list[Callable[["Runtime"], None]] = []
SENDER_LOCK = 727_001  # pg advisory lock id: one active sender keeps the rate limits exact


@dataclass
class Runtime:
    """What the jobs need: the database, the clock and the channel ports."""

    engine: AsyncEngine
    sm: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    ports: dict[Channel, ChannelPort] = field(default_factory=dict)
    _sender: Sender | None = None

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock | None = None) -> "Runtime":
        engine = make_engine(settings.database_url)
        if clock is None:
            clock = (
                FileClock(settings.fake_clock_file) if settings.fake_clock_file else SystemClock()
            )
        rt = cls(
            engine, make_sessionmaker(engine), clock, settings, {Channel.console: ConsolePort()}
        )
        for hook in RUNTIME_HOOKS:
            hook(rt)
        return rt

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = Sender(
                self.sm,
                clock=self.clock,
                ports=self.ports,
                max_attempts=self.settings.outbox_max_attempts,
            )
        return self._sender


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
async def sender_lock(rt: Runtime) -> AsyncIterator[bool]:
    """Hold the deployment-wide sender lock (Postgres); SQLite has one process anyway."""
    if rt.engine.dialect.name != "postgresql":
        yield True
        return
    async with rt.engine.connect() as conn:
        got = (await conn.execute(text(f"SELECT pg_try_advisory_lock({SENDER_LOCK})"))).scalar()
        try:
            yield bool(got)
        finally:
            if got:
                await conn.execute(text(f"SELECT pg_advisory_unlock({SENDER_LOCK})"))


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


async def run_in_process(rt: Runtime, *, stop: asyncio.Event) -> None:
    """The embedded mode: poll timers and send the outbox in this process until `stop` is set."""
    poll = rt.settings.poll_seconds

    async def timers_loop() -> None:
        while not stop.is_set():
            try:
                await fire_timers(rt)
                async with rt.sm() as s:
                    nxt = await next_due_at(s)
                wait = poll if nxt is None else (nxt - rt.clock.now()).total_seconds()
            except Exception:  # keep polling: the next round retries what failed
                log.exception("ошибка опроса таймеров")
                wait = poll
            await _sleep_or_stop(stop, min(max(wait, 0.05), poll))

    async def sender_loop() -> None:
        while not stop.is_set():
            try:
                await send_outbox(rt, stop=stop)
            except Exception:
                log.exception("ошибка отправки уведомлений")
            await _sleep_or_stop(stop, min(1.0, poll))

    async def digest_loop() -> None:
        while not stop.is_set():
            try:
                await make_due_digests(rt)
            except Exception:
                log.exception("ошибка подготовки недельной записки")
            await _sleep_or_stop(stop, DIGEST_CHECK_SECONDS)

    await asyncio.gather(timers_loop(), sender_loop(), digest_loop())


DIGEST_CHECK_SECONDS = 300  # the Monday note goes out within five minutes of 09:00


async def make_due_digests(rt: Runtime) -> int:
    """Queue the weekly notes that are due (imported late: charts pull in matplotlib)."""
    if not rt.settings.weekly_note:
        return 0
    from workflows.digest.schedule import run_due_digests

    return await run_due_digests(rt.sm, rt.clock)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


# --- arq -----------------------------------------------------------------------------------


async def _arq_startup(ctx: dict[str, Any]) -> None:
    ctx["rt"] = Runtime.create(get_settings())


async def _arq_shutdown(ctx: dict[str, Any]) -> None:
    await ctx["rt"].engine.dispose()


async def job_fire_timers(ctx: dict[str, Any]) -> int:
    """Fire what is due, then book the next run at the next due moment; the cron every poll
    period re-feeds the queue from Postgres if Redis lost that booking."""
    rt: Runtime = ctx["rt"]
    n = await fire_timers(rt)
    async with rt.sm() as s:
        nxt = await next_due_at(s)
    if nxt is not None and (nxt - rt.clock.now()).total_seconds() < rt.settings.poll_seconds:
        # A little after the due moment: arq rounds to the millisecond, and a run that started
        # early would find nothing due while its job id blocks a second booking.
        await ctx["redis"].enqueue_job(
            "job_fire_timers",
            _job_id=f"fire_timers:{nxt.isoformat()}",
            _defer_until=nxt + timedelta(milliseconds=20),
        )
    if n:
        await ctx["redis"].enqueue_job("job_send_outbox")  # the new notices, without waiting
    return n


async def job_send_outbox(ctx: dict[str, Any]) -> int:
    return await send_outbox(ctx["rt"])


async def job_digests(ctx: dict[str, Any]) -> int:
    return await make_due_digests(ctx["rt"])


JOBS = {"fire_timers": fire_timers, "send_outbox": send_outbox, "digests": make_due_digests}


def arq_settings(settings: Settings) -> type:
    """arq WorkerSettings: both jobs as crons every poll period (at least once a second)."""
    from arq import cron
    from arq.connections import RedisSettings

    step = max(1, int(settings.poll_seconds))
    seconds = set(range(0, 60, step))

    class WorkerSettings:
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379")
        functions = [job_fire_timers, job_send_outbox, job_digests]  # noqa: RUF012 (class attrs)
        cron_jobs = [  # noqa: RUF012
            cron(
                job_fire_timers,
                second=seconds,
                run_at_startup=True,
                unique=True,
                timeout=timedelta(minutes=5),
            ),
            cron(  # the Monday note; at start-up too, so a missed Monday is made up
                job_digests,
                minute=set(range(0, 60, 5)),
                second={30},
                run_at_startup=True,
                unique=True,
                timeout=timedelta(minutes=10),
            ),
            cron(
                job_send_outbox,
                second=set(range(60)),  # notices go out within a second
                run_at_startup=True,
                unique=True,
                timeout=timedelta(minutes=5),
            ),
        ]
        on_startup = _arq_startup
        on_shutdown = _arq_shutdown
        max_jobs = 4
        poll_delay = 0.2  # how often arq looks for booked jobs: bounds the lateness it adds

    return WorkerSettings


async def run_arq_supervised(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the arq worker and start it again when Redis goes away: arq alone exits on an outage,
    and since every job re-reads Postgres, a restarted worker just carries on."""
    from arq.worker import create_worker
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    stop = stop or asyncio.Event()
    delay = 1.0
    while not stop.is_set():
        worker = create_worker(arq_settings(settings), handle_signals=False)
        try:
            main = asyncio.create_task(worker.main())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if main.done():
                main.result()
            else:
                main.cancel()
            delay = 1.0
        except (RedisConnectionError, RedisTimeoutError, OSError) as e:
            log.warning("Redis недоступен (%s): перезапуск через %.0f с", type(e).__name__, delay)
            await _sleep_or_stop(stop, delay)
            delay = min(delay * 2, 30.0)
        finally:
            with contextlib.suppress(Exception):
                await worker.close()
