"""Pollers under load and faults: none missed, none fired twice, nothing lost to kill -9 or Redis."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from models import ItemEvent, Timer, TimerStatus
from tests.bulk import bulk_due
from tests.logscan import log_path
from workflows.core.clock import FakeClock
from workflows.escalation.firing import run_due_timers


async def fired(sm) -> tuple[int, int, int]:
    """(timers done, escalation events, distinct timers among those events)."""
    async with sm() as s:
        done = (
            await s.exec(
                select(func.count()).select_from(Timer).where(Timer.status == TimerStatus.done)
            )
        ).one()
        events = list(
            await s.exec(select(ItemEvent.data).where(col(ItemEvent.action).like("escalation:%")))
        )
    return done, len(events), len({e["timer_id"] for e in events})


async def test_two_pollers_5000_timers_each_fired_exactly_once(sm, engine, muni):
    due = datetime(2025, 12, 2, 8, 0, tzinfo=UTC)
    await bulk_due(sm, muni=muni, n=5000, due=due)
    clock = FakeClock(due + timedelta(seconds=1))
    counts = await asyncio.gather(
        run_due_timers(sm, clock=clock, limit=250), run_due_timers(sm, clock=clock, limit=250)
    )
    assert sum(counts) == 5000 and all(c > 0 for c in counts), counts  # both did real work
    assert await fired(sm) == (5000, 5000, 5000)


def worker_env(pg_database: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return {**env, "DATABASE_URL": pg_database, "MCU_POLL_SECONDS": "0.2", **extra}


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log_path("mcu-worker").open("ab") as out:  # scanned for PII and secrets
        return subprocess.Popen(
            [sys.executable, "-m", "mcu", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_for(sm, predicate, timeout: float = 60.0) -> tuple[int, int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = await fired(sm)
        if predicate(state):
            return state
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out; state {await fired(sm)}")


@pytest.mark.slow
async def test_kill_9_mid_batch_loses_nothing(sm, muni, pg_database):
    await bulk_due(sm, muni=muni, n=5000, due=datetime.now(UTC) - timedelta(minutes=1))
    proc = start_worker(worker_env(pg_database))
    try:
        await wait_for(sm, lambda s: 0 < s[0] < 5000)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        at_kill = await fired(sm)
        assert at_kill[0] < 5000, "killed before the end"
    finally:
        proc.kill()
    proc = start_worker(worker_env(pg_database))
    try:
        assert await wait_for(sm, lambda s: s[0] == 5000) == (5000, 5000, 5000)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.slow
async def test_redis_restart_loses_nothing(sm, muni, pg_database, tmp_path):
    port = 6391
    redis_cmd = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    redis = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)
    env = worker_env(pg_database, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    await asyncio.sleep(0.5)
    proc = start_worker(env)
    try:
        await bulk_due(sm, muni=muni, n=2500, due=datetime.now(UTC) - timedelta(seconds=5))
        await wait_for(sm, lambda s: s[0] == 2500)
        redis.send_signal(signal.SIGKILL)  # Redis dies with whatever arq had queued
        redis.wait(10)
        await bulk_due(sm, muni=muni, n=2500, due=datetime.now(UTC), start=2500)
        await asyncio.sleep(1.0)
        redis = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)
        await asyncio.sleep(0.5)
        # arq reconnects with a growing pause: on a busy machine that took over a minute once.
        done = await wait_for(sm, lambda s: s[0] == 5000, timeout=180.0)
        assert done == (5000, 5000, 5000)
        assert proc.poll() is None, "the worker outlives a Redis outage"
    finally:
        proc.terminate()
        redis.terminate()
        proc.wait(10)
        redis.wait(10)
