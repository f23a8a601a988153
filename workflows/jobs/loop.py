"""The embedded mode: the timer poller, the outbox sender, the weekly note's and the weekly
retraining's checks, retention and the watched walls' poll, in this process, until told to stop."""

import asyncio
import contextlib
import logging
from pathlib import Path

from models.db import log_failure
from workflows.escalation.firing import next_due_at
from workflows.jobs.heartbeat import WORKER, beat_until, process_name
from workflows.jobs.runtime import Runtime
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


async def run_in_process(rt: Runtime, *, stop: asyncio.Event, alive: Path | None = None) -> None:
    """The embedded mode: poll timers and send the outbox in this process until `stop` is set,
    saying it is alive (the heartbeat) meanwhile."""
    poll = rt.settings.poll_seconds

    async def timers_loop() -> None:
        while not stop.is_set():
            try:
                await fire_timers(rt)
                async with rt.sm() as s:
                    nxt = await next_due_at(s)
                wait = poll if nxt is None else (nxt - rt.clock.now()).total_seconds()
            except Exception:  # keep polling: the next round retries what failed
                log_failure(log, "ошибка опроса таймеров")
                wait = poll
            await sleep_or_stop(stop, min(max(wait, 0.05), poll))

    async def sender_loop() -> None:
        while not stop.is_set():
            try:
                await send_outbox(rt, stop=stop)
            except Exception:
                log_failure(log, "ошибка отправки уведомлений")
            await sleep_or_stop(stop, min(1.0, poll))

    async def digest_loop() -> None:
        while not stop.is_set():
            try:
                await make_due_digests(rt)
            except Exception:
                log_failure(log, "ошибка подготовки недельной записки")
            await sleep_or_stop(stop, DIGEST_CHECK_SECONDS)

    async def retrain_loop() -> None:
        while not stop.is_set():
            try:
                await retrain_routing(rt, stop=stop)
            except Exception:
                log_failure(log, "ошибка еженедельного переобучения маршрутизации")
            await sleep_or_stop(stop, RETRAIN_CHECK_SECONDS)

    async def retention_loop() -> None:
        while not stop.is_set():
            try:
                await prune_data(rt)
            except Exception:
                log.exception("ошибка очистки данных по срокам хранения")
            await sleep_or_stop(stop, RETENTION_SECONDS)

    async def monitor_loop() -> None:
        # Checked often, polled when due (the job keeps each municipality's turn in Postgres).
        check = min(rt.settings.monitor_seconds, MONITOR_CHECK_SECONDS)
        while not stop.is_set():
            try:
                await poll_monitoring(rt, stop=stop)
            except Exception:
                log_failure(log, "ошибка опроса соцсетей")
            await sleep_or_stop(stop, check)

    async def publish_loop() -> None:
        while not stop.is_set():
            try:
                await publish_replies(rt)
            except Exception:
                log_failure(log, "ошибка публикации ответов на инциденты")
            await sleep_or_stop(stop, min(PUBLISH_SECONDS, poll))

    beat = beat_until(rt.sm, rt.clock, name=process_name(WORKER), stop=stop, alive=alive)
    await asyncio.gather(
        timers_loop(),
        sender_loop(),
        digest_loop(),
        retrain_loop(),
        retention_loop(),
        monitor_loop(),
        publish_loop(),
        beat,
    )


DIGEST_CHECK_SECONDS = 300  # the Monday note goes out within five minutes of 09:00
RETRAIN_CHECK_SECONDS = 300  # Monday's training begins within five minutes of 03:00
RETENTION_SECONDS = 3600
MONITOR_CHECK_SECONDS = 15  # how late past MCU_MONITOR_SECONDS a poll may begin
PUBLISH_SECONDS = 2.0  # an approved answer appears under its post within seconds


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
