"""Readiness: red when the worker falls silent or stops, when a bot runner dies, when notices
are given up, when Redis or the database is away; green again once the cause is gone."""

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from models import Channel, Heartbeat, OutboxStatus
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from tests.conftest import REDIS_URL
from tests.helpers import outbox
from tests.logscan import log_path
from tests.workflows.outbox.test_outbox import RecordingPort, fill, sender
from workflows.core.clock import SystemClock
from workflows.jobs.health import get_readiness
from workflows.jobs.heartbeat import STALE_AFTER, do_beat
from workflows.jobs.loop import run_in_process
from workflows.jobs.runtime import Runtime
from workflows.outbox.dead import check_resend_dead
from workflows.outbox.ports import ConsolePort, PermanentFailure
from workflows.outbox.sender import Sender


def runtime(engine, sm, clock, **settings: object) -> Runtime:
    config = Settings.model_validate({"MCU_ENV": "test", "MCU_WEEKLY_NOTE": False, **settings})
    return Runtime(engine, sm, clock, config)


async def failed(rt: Runtime) -> list[str]:
    return (await get_readiness(rt)).failed


async def test_the_worker_falling_silent_turns_it_red_and_beating_again_green(engine, sm, clock):
    rt = runtime(engine, sm, clock)
    assert await failed(rt) == ["worker"]  # no worker has ever beaten
    await do_beat(sm, name="worker:host-a", now=clock.now())
    ready = await get_readiness(rt)
    assert ready.ok, ready.checks
    assert set(ready.checks) == {"database", "worker", "dead_letters"}  # no Redis, no bots

    clock.advance(STALE_AFTER + timedelta(seconds=1))  # the worker hangs or was killed
    ready = await get_readiness(rt)
    assert ready.failed == ["worker"]
    assert "молчит" in ready.checks["worker"].detail

    await do_beat(sm, name="worker:host-b", now=clock.now())  # another (or the restarted) one
    assert await failed(rt) == []


async def test_the_running_worker_beats_and_a_stopped_one_is_no_longer_ready(
    engine, sm, clock, tmp_path: Path
):
    rt = runtime(engine, sm, clock, MCU_POLL_SECONDS=0.2)
    alive = tmp_path / "worker.alive"
    stop = asyncio.Event()
    task = asyncio.create_task(run_in_process(rt, stop=stop, alive=alive))
    try:
        for _ in range(200):
            if (await get_readiness(rt)).ok:
                break
            await asyncio.sleep(0.05)
        assert (await get_readiness(rt)).ok
        assert alive.exists()  # what the container's healthcheck reads
    finally:
        stop.set()
        await task
    assert await failed(rt) == ["worker"]
    assert not alive.exists()
    async with sm() as s:
        assert list(await s.exec(select(Heartbeat))) == []


async def test_a_bot_runner_that_died_turns_it_red(engine, sm, clock):
    rt = runtime(engine, sm, clock)
    await do_beat(sm, name="worker:w", now=clock.now())
    await do_beat(sm, name="bot:b", now=clock.now())
    assert await failed(rt) == []
    clock.advance(STALE_AFTER * 2)
    await do_beat(sm, name="worker:w", now=clock.now())  # the worker lives on, the bot not
    assert await failed(rt) == ["bots"]
    await do_beat(sm, name="bot:b", now=clock.now())
    assert await failed(rt) == []


def with_console(snd: Sender) -> Sender:
    """The operators' alerts about a dead letter go to the console here."""
    snd.ports[Channel.console] = ConsolePort()
    return snd


async def test_dead_letters_turn_it_red_until_sent_again(engine, sm, clock, muni):
    rt = runtime(engine, sm, clock)
    await do_beat(sm, name="worker:w", now=clock.now())
    await fill(sm, clock, chats=2, per_chat=1)
    port = RecordingPort(clock, fail={1: PermanentFailure("bot was blocked by the user")})
    await with_console(sender(sm, clock, port)).run_once()
    assert [r.status for r in await outbox(sm, kind="escalation")] == [
        OutboxStatus.dead,
        OutboxStatus.sent,
    ]
    ready = await get_readiness(rt)
    assert ready.failed == ["dead_letters"]
    assert "1" in ready.checks["dead_letters"].detail

    async with sm() as s:
        assert await check_resend_dead(s, ids=None, now=clock.now()) == 1
    assert await failed(rt) == []
    await with_console(sender(sm, clock, port)).run_once()  # fixed: it goes out this time
    assert {r.status for r in await outbox(sm, kind="escalation")} == {OutboxStatus.sent}
    assert await failed(rt) == []


async def test_an_old_dead_letter_no_longer_holds_readiness(engine, sm, clock, muni):
    rt = runtime(engine, sm, clock, MCU_READY_DEAD_HOURS=2)
    await fill(sm, clock, chats=1, per_chat=1)
    port = RecordingPort(clock, fail={1: PermanentFailure("chat not found")})
    await sender(sm, clock, port).run_once()
    clock.advance(timedelta(hours=1))
    await do_beat(sm, name="worker:w", now=clock.now())
    assert await failed(rt) == ["dead_letters"]
    clock.advance(timedelta(hours=1, minutes=1))
    await do_beat(sm, name="worker:w", now=clock.now())
    assert await failed(rt) == []


async def test_resending_unknown_ids_is_refused_and_changes_nothing(engine, sm, clock, muni):
    import pytest

    from workflows.core.errors import NotFound

    await fill(sm, clock, chats=1, per_chat=1)
    port = RecordingPort(clock, fail={1: PermanentFailure("chat not found")})
    await sender(sm, clock, port).run_once()
    [dead] = await outbox(sm, status=OutboxStatus.dead)
    async with sm() as s:
        with pytest.raises(NotFound, match="#999"):
            await check_resend_dead(s, ids=[dead.id or 0, 999], now=clock.now())
    assert [r.id for r in await outbox(sm, status=OutboxStatus.dead)] == [dead.id]


async def test_redis_is_checked_when_configured(engine, sm, clock):
    await do_beat(sm, name="worker:w", now=clock.now())
    assert await failed(runtime(engine, sm, clock, REDIS_URL=REDIS_URL)) == []
    away = await get_readiness(runtime(engine, sm, clock, REDIS_URL="redis://127.0.0.1:1/0"))
    assert away.failed == ["redis"]
    assert "Redis" in away.checks["redis"].detail


async def test_a_database_that_is_away_fails_every_check_that_needs_it(clock):
    engine = make_engine("postgresql://postgres@127.0.0.1:1/none")
    try:
        ready = await get_readiness(runtime(engine, make_sessionmaker(engine), clock))
    finally:
        await engine.dispose()
    assert ready.failed == ["database", "worker", "bots", "dead_letters", "monitoring"]
    assert all(
        "none" not in c.detail and "postgres@" not in c.detail for c in ready.checks.values()
    )


async def test_sends_are_counted_by_channel_and_result(sm, clock, muni):
    from prometheus_client import REGISTRY

    def count(result: str) -> float:
        labels = {"channel": Channel.telegram.value, "result": result}
        return REGISTRY.get_sample_value("mcu_outbox_sends_total", labels) or 0.0

    before = {r: count(r) for r in ("ok", "retry", "dead", "429")}
    await fill(sm, clock, chats=4, per_chat=1)
    from workflows.outbox.ports import RetryAfter

    port = RecordingPort(
        clock, fail={1: PermanentFailure("blocked"), 2: ConnectionError("сеть"), 3: RetryAfter(5)}
    )
    await sender(sm, clock, port).run_once()
    assert {r: count(r) - before[r] for r in before} == {"ok": 1, "retry": 1, "dead": 1, "429": 1}


async def test_the_arq_worker_beats_while_it_runs_and_says_goodbye(engine, sm, clock, tmp_path):
    """`mcu worker` under arq: ready once it runs (its file for the healthcheck written), not
    ready after SIGTERM (row and file removed)."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import pg_url

    url = pg_url(engine.url.database or "")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(DATABASE_URL=url, REDIS_URL=REDIS_URL, TMPDIR=str(tmp_path), MCU_WEEKLY_NOTE="0")
    with log_path("mcu-worker-health").open("ab") as out:  # scanned (tests/logscan.py)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mcu", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    # Real time: the worker's beats carry the wall clock.
    rt = runtime(engine, sm, SystemClock(), REDIS_URL=REDIS_URL)
    try:
        for _ in range(600):
            if (await get_readiness(rt)).ok:
                break
            await asyncio.sleep(0.1)
        assert (await get_readiness(rt)).ok
        assert (tmp_path / "mcu-worker.alive").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 30)
    assert await failed(rt) == ["worker"]
    assert not (tmp_path / "mcu-worker.alive").exists()
