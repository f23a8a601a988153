"""The jobs under arq: its worker settings (each job a cron every poll period) and a supervisor
that starts the worker again when Redis goes away."""

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import make_engine, make_sessionmaker
from models.settings import Settings, get_settings
from workflows.escalation.firing import next_due_at
from workflows.jobs.heartbeat import WORKER, alive_file, beat_until, process_name
from workflows.jobs.loop import sleep_or_stop
from workflows.jobs.runtime import Runtime, clock_for
from workflows.jobs.tasks import (
    fire_timers,
    make_due_digests,
    poll_monitoring,
    prune_data,
    publish_replies,
    retrain_routing,
    send_outbox,
)

log = logging.getLogger(__name__)


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


async def job_retrain(ctx: dict[str, Any]) -> int:
    return await retrain_routing(ctx["rt"])


async def job_retention(ctx: dict[str, Any]) -> int:
    return await prune_data(ctx["rt"])


async def job_monitor(ctx: dict[str, Any]) -> int:
    return await poll_monitoring(ctx["rt"])


async def job_publish_replies(ctx: dict[str, Any]) -> int:
    return await publish_replies(ctx["rt"])


def arq_settings(settings: Settings) -> type:
    """arq WorkerSettings: both jobs as crons every poll period (at least once a second)."""
    from arq import cron
    from arq.connections import RedisSettings

    step = max(1, int(settings.poll_seconds))
    seconds = set(range(0, 60, step))

    class WorkerSettings:
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379")
        functions = [  # noqa: RUF012 (class attrs)
            job_fire_timers,
            job_send_outbox,
            job_digests,
            job_retrain,
            job_retention,
            job_monitor,
            job_publish_replies,
        ]
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
            cron(  # Monday 03:00's retraining; at start-up too, so a missed week is made up
                job_retrain,
                minute=set(range(2, 60, 5)),
                second={45},
                run_at_startup=True,
                unique=True,
                timeout=timedelta(hours=2),  # minutes a municipality, one after another
            ),
            cron(  # what is kept only to work, past its period (hourly, and at start-up)
                job_retention,
                minute={17},
                second={0},
                run_at_startup=True,
                unique=True,
                timeout=timedelta(minutes=30),
            ),
            cron(  # the watched walls: checked every 15 s, read when MCU_MONITOR_SECONDS is up
                job_monitor,
                second={0, 15, 30, 45},
                run_at_startup=True,
                unique=True,
                timeout=timedelta(minutes=30),
            ),
            cron(  # incidents' approved answers, under their posts within seconds
                job_publish_replies,
                second=set(range(0, 60, 2)),
                run_at_startup=True,
                unique=True,
                timeout=timedelta(minutes=5),
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
    and since every job re-reads Postgres, a restarted worker just carries on. The heartbeat
    beats while the worker runs (not while it waits for Redis)."""
    engine = make_engine(settings.database_url)
    try:
        await _supervise(settings, make_sessionmaker(engine), stop or asyncio.Event())
    finally:
        await engine.dispose()


async def _supervise(
    settings: Settings, sm: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    from arq.worker import create_worker
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    clock, name = clock_for(settings), process_name(WORKER)
    delay = 1.0
    while not stop.is_set():
        worker = create_worker(arq_settings(settings), handle_signals=False)
        beating = asyncio.Event()
        beat = asyncio.create_task(
            beat_until(sm, clock, name=name, stop=beating, alive=alive_file(WORKER))
        )
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
            beating.set()  # not alive while waiting for Redis
            log.warning("Redis недоступен (%s): перезапуск через %.0f с", type(e).__name__, delay)
            await sleep_or_stop(stop, delay)
            delay = min(delay * 2, 30.0)
        finally:
            beating.set()
            await asyncio.gather(beat, return_exceptions=True)
            with contextlib.suppress(Exception):
                await worker.close()
