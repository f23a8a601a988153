"""Telegram bench: webhook intake against a bare endpoint, and notification delivery against the
Bot API's limits, side by side in one run.

    python -m bench.telegram [--only intake|notify] [--seconds 5] [--rounds 3]
                             [--connections 64] [--client auto|wrk|python]
                             [--no-profile] [--notices 2400] [--chats 300]
                             [--few-notices 150] [--few-chats 5] [--tg-per-second X]
                             [--tg-chat-interval S]

Figure 1: updates per second that the real webhook (`create_app(rt)`: secret check, then
`do_save_update` into the inbox) acknowledges, divided by the same for a bare FastAPI + asyncpg
endpoint that inserts one row; goal ≥ 0.5. Each app runs under uvicorn (1 worker) in its own
process; the same load (wrk when installed, else aiohttp) posts unique Russian message updates;
runs alternate (real, bare, real, …) and the medians count (bench/telegram_serve.py launches
both). Every acknowledged update must be in the database exactly once. Then where the time
goes: DB round trips per update, server CPU per update, and a cProfile of each server under the
same load, by library.
Figure 2: notices delivered per second by the real outbox `Sender` through the real
`TelegramPort` (aiogram Bot, `make_bot` + `attach_port`) to the Bot API emulator with Telegram's
limits on (30/s per bot, 1/s per chat), divided by that budget; goal ≥ 0.9 with zero 429s. The
sender runs as deployed (`run_in_process`). Scenario A: escalations spread over many chats (the
bot budget binds); scenario B: many escalations to few chats (the per-chat limit binds).
The sender's own pacing settings can be tried with --tg-per-second / --tg-chat-interval. Each
scenario reports where a notice's time goes (summed over the deliveries the sender runs
concurrently) and how the messages were spaced at the emulator.
"""

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import pstats
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import aiohttp
import asyncpg
import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench import telegram_serve
from bench.loader import ITEM_COLUMNS, Muni, apply_test_setup, copy_chunks, item_row
from bench.support import Progress, free_port, print_report, temp_database
from bench.telegram_load import (
    SECRET_HEADER,
    LoadResult,
    client_kind,
    run_load,
    update_body,
)
from bot.telegram.runner import attach_port, make_bot
from models import Channel, Item, Outbox, Role, Staff, StaffCard
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from tests.bot.emulator import BotApiEmulator
from tests.bot.tg_rules import ApiError
from workflows.core.clock import SystemClock
from workflows.core.directory import load_directory
from workflows.jobs.loop import run_in_process
from workflows.jobs.runtime import Runtime
from workflows.notifications.notify import enqueue, item_card, staff_notice
from workflows.outbox.ports import ConsolePort

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-webhook-secret-7c1f"
WEBHOOK = "/telegram/webhook"
TOKEN = "123456:BENCH-token-for-the-emulator"
INTAKE_GOAL, NOTIFY_GOAL = 0.5, 0.9
BOT_BUDGET, CHAT_BUDGET = 30.0, 1.0  # Telegram: messages a second per bot, per private chat
WARMUP_S = 1.0
RUN_SPAN = 100_000_000  # each run's update ids: [run * RUN_SPAN, …); warm-up at +WARMUP_OFFSET
WARMUP_OFFSET = 50_000_000
TELEGRAM_ID0 = 5_000_000_000  # staff telegram ids (and emulator user ids) from here
START_TIMEOUT_S = 60.0


# --- figure 1: webhook intake -----------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    """One column of figure 1: the app the launcher serves (bench.telegram_serve)."""

    key: str

    @property
    def label(self) -> str:
        """How the report names it."""
        return {"real": "real webhook", "bare": "bare asyncpg"}[self.key]


REAL = Contender("real")
BARE = Contender("bare")


@dataclass
class Server:
    """A launcher process serving one contender on a loopback port."""

    proc: "subprocess.Popen[bytes]"
    base: str
    log: Path


def server_env(db_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a server process: ours, less any MCU/Telegram/VK/Redis setting,
    plus `extra` (bench.vk names its community there)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MCU_", "TELEGRAM_", "VK_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(DATABASE_URL=db_url, TELEGRAM_WEBHOOK_SECRET=SECRET, MCU_ENV="test", **(extra or {}))
    return env


async def wait_healthy(proc: "subprocess.Popen[bytes]", base: str, log: Path) -> None:
    """Wait until GET /healthz answers 200; fail early if the process died."""
    deadline = time.monotonic() + START_TIMEOUT_S
    async with aiohttp.ClientSession() as http:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
            await asyncio.sleep(0.1)


async def stop_process(proc: "subprocess.Popen[bytes]") -> None:
    """SIGTERM (uvicorn shuts down gracefully), SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 10.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait)


@contextlib.asynccontextmanager
async def served(
    who: Contender,
    db_url: str,
    logdir: Path,
    profile: Path | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Server]:
    """Start `python -m bench.telegram_serve` for one contender (`env` added to its
    environment); stopped on exit."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench.telegram_serve", who.key, "--port", str(port)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    log = logdir / f"{who.key}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=server_env(db_url, env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(proc, base, log)
        yield Server(proc, base, log)
    finally:
        await stop_process(proc)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, idle) CPU ticks of the whole machine so far (/proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, idle


async def sessions_so_far(conn: asyncpg.Connection) -> int:
    """Connections ever opened to this database (Postgres' statistics, read afresh)."""
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    n: int = await conn.fetchval(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    )
    return n


async def count_saved(db_url: str, who: Contender, lo: int, hi: int) -> int:
    """Rows the contender saved with update ids in [lo, hi)."""
    conn = await asyncpg.connect(db_url)
    try:
        if who.key == "bare":
            sql = f"SELECT count(*) FROM {telegram_serve.BARE_TABLE} WHERE update_id >= $1 AND update_id < $2"
        else:
            sql = (
                "SELECT count(*) FROM inbox WHERE channel = 'telegram'"
                " AND update_id::bigint >= $1 AND update_id::bigint < $2"
            )
        n: int = await conn.fetchval(sql, lo, hi)
        return n
    finally:
        await conn.close()


def saved_once(load: LoadResult, saved: int) -> bool:
    """Every acknowledged update is saved, nothing else is, none was taken for a duplicate
    (ids are unique; the unique keys forbid a second row). wrk stops with requests in flight,
    so up to `generated` may be saved."""
    return load.duplicates == 0 and load.failed == 0 and load.ok <= saved <= load.generated


async def wait_file(path: Path, timeout: float = 15.0) -> None:
    """Wait until a file exists and has stopped growing."""
    deadline, size = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size == size > 0:
            return
        size = path.stat().st_size if path.exists() else -1
        await asyncio.sleep(0.2)
    raise RuntimeError(f"no profile written to {path}")


async def intake_run(
    who: Contender,
    run: int,
    db_url: str,
    args: argparse.Namespace,
    logdir: Path,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Start the contender, warm it up, load it for args.seconds, stop it, count its rows."""
    base = (run + 1) * RUN_SPAN
    async with served(who, db_url, logdir, profile) as server:
        url = server.base + WEBHOOK
        common = {"client": args.client, "connections": args.connections, "secret": SECRET}
        await run_load(url, seconds=WARMUP_S, first_id=base + WARMUP_OFFSET, **common)
        pid = server.proc.pid
        if profile is not None:
            os.kill(pid, signal.SIGUSR1)
        monitor = await asyncpg.connect(db_url)
        try:
            sessions0 = await sessions_so_far(monitor)
            cpu0, (busy0, idle0) = process_cpu_s(pid), machine_ticks()
            load = await run_load(url, seconds=args.seconds, first_id=base, **common)
            cpu1, (busy1, idle1) = process_cpu_s(pid), machine_ticks()
            opened = await sessions_so_far(monitor) - sessions0
        finally:
            await monitor.close()
        if profile is not None:
            os.kill(pid, signal.SIGUSR2)
            await wait_file(profile)
    saved = await count_saved(db_url, who, base, base + WARMUP_OFFSET)
    busy, idle = busy1 - busy0, idle1 - idle0
    return {
        "contender": who.key,
        "run": run,
        "client": load.client,
        "rate": round(load.rate, 1),
        "generated": load.generated,
        "ok": load.ok,
        "duplicates": load.duplicates,
        "failed": load.failed,
        "seconds": round(load.seconds, 3),
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "saved": saved,
        "saved_once": saved_once(load, saved),
        "server_cpu_pct": round(100 * (cpu1 - cpu0) / load.seconds, 1),
        "server_cpu_us_per_update": round(1e6 * (cpu1 - cpu0) / max(load.ok, 1)),
        "machine_busy_pct": round(100 * busy / max(busy + idle, 1), 1),
        "connections_opened": opened,
    }


async def rate_rounds(
    contenders: list[Contender],
    db_url: str,
    args: argparse.Namespace,
    logdir: Path,
    progress: Progress,
) -> list[dict[str, Any]]:
    """args.rounds rounds, each running every contender once, in turn (a, b, a, b …)."""
    runs = []
    for r in range(args.rounds):
        for who in contenders:
            result = await intake_run(who, len(runs), db_url, args, logdir)
            runs.append(result)
            progress(
                f"  round {r + 1}/{args.rounds} {who.label:>13}: {result['rate']:8.1f} upd/s,"
                f" server CPU {result['server_cpu_us_per_update']} µs/update"
                f" ({result['server_cpu_pct']}% of a core), machine {result['machine_busy_pct']}%"
                f" busy, {result['connections_opened']} connections opened,"
                f" {result['ok']} acknowledged, {result['saved']} saved (of"
                f" {result['generated']} sent) {'✓' if result['saved_once'] else '✗'}"
            )
    return runs


# --- where the time goes ---------------------------------------------------------------------


@contextlib.contextmanager
def counting_queries() -> Iterator[Counter[str]]:
    """Count what asyncpg sends, one entry per round trip, by the statement's first words:
    simple queries (BEGIN, COMMIT, the pool's reset) and bound executions."""
    from asyncpg.connection import Connection
    from asyncpg.prepared_stmt import PreparedStatement

    seen: Counter[str] = Counter()
    execute, _execute = Connection.execute, Connection._execute
    bind_execute = PreparedStatement._PreparedStatement__bind_execute  # type: ignore[attr-defined]

    def label(query: str) -> str:
        text = " ".join(query.split()) or ";"
        return text if len(text) <= 44 else text[:43] + "…"

    async def counted_execute(self: Any, query: str, *args: Any, **kw: Any) -> Any:
        if not args:  # with args it goes through _execute, counted there
            seen[label(query)] += 1
        return await execute(self, query, *args, **kw)

    async def counted__execute(self: Any, query: str, *args: Any, **kw: Any) -> Any:
        seen[label(query)] += 1
        return await _execute(self, query, *args, **kw)

    async def counted_bind(self: Any, *args: Any, **kw: Any) -> Any:
        seen[label(self._query)] += 1
        return await bind_execute(self, *args, **kw)

    with (
        mock.patch.object(Connection, "execute", counted_execute),
        mock.patch.object(Connection, "_execute", counted__execute),
        mock.patch.object(PreparedStatement, "_PreparedStatement__bind_execute", counted_bind),
    ):
        yield seen


@contextlib.asynccontextmanager
async def in_process_app(who: Contender, db_url: str) -> AsyncIterator[Any]:
    """The contender's ASGI app in this process (its lifespan run), for counting queries."""
    if who.key == "bare":
        app = telegram_serve.bare_app(telegram_serve.plain_dsn(db_url))
        async with app.router.lifespan_context(app):
            yield app
        return
    settings = Settings.model_validate(
        {"DATABASE_URL": db_url, "TELEGRAM_WEBHOOK_SECRET": SECRET, "MCU_ENV": "test"}
    )
    app = telegram_serve.real_app(settings)
    try:
        yield app
    finally:
        await app.state.rt.engine.dispose()


async def round_trips(who: Contender, db_url: str, *, n: int = 200) -> dict[str, Any]:
    """Statements sent to Postgres per update, after a warm-up, by statement."""
    base = 9_000_000_000 + {"real": 0, "bare": 1}[who.key] * RUN_SPAN
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with in_process_app(who, db_url) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for i in range(20):
                await http.post(WEBHOOK, content=update_body(base + n + i), headers=headers)
            with counting_queries() as seen:
                for i in range(n):
                    resp = await http.post(WEBHOOK, content=update_body(base + i), headers=headers)
                    resp.raise_for_status()
    return {
        "per_update": round(sum(seen.values()) / n, 2),
        "statements": {k: round(v / n, 2) for k, v in seen.most_common()},
    }


def library_of(file: str, func: str) -> str | None:
    """The group a profiled function's own time counts to; None for the idle wait in epoll."""
    if func == "<method 'poll' of 'select.epoll' objects>":
        return None
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if file.startswith(str(ROOT)):
        return "project (api, workflows, bench)"
    if file == "~":
        return "C calls (socket send/recv, …)"
    return "stdlib (asyncio, json, …)"


def short_name(file: str, line: int, func: str) -> str:
    """A profiled function as package/module.py:line name."""
    if "site-packages/" in file:
        file = file.split("site-packages/", 1)[1]
    elif file.startswith(str(ROOT)):
        file = file[len(str(ROOT)) + 1 :]
    else:
        file = file.rsplit("/", 1)[-1]
    return f"{file}:{line} {func}" if file != "~" else func


def profile_by_library(path: Path, updates: int, top: int = 12) -> dict[str, Any]:
    """Own (wall) time per acknowledged update by library, and the heaviest functions."""
    stats: dict[Any, Any] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    groups: Counter[str] = Counter()
    funcs: list[tuple[float, str]] = []
    for (file, line, func), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        group = library_of(file, func)
        if group is None:
            continue
        groups[group] += tottime
        funcs.append((tottime, short_name(file, line, func)))
    per = 1e6 / max(updates, 1)
    funcs.sort(reverse=True)
    return {
        "updates": updates,
        "busy_us_per_update": round(sum(groups.values()) * per),
        "by_library_us": {k: round(v * per) for k, v in groups.most_common()},
        "top_functions_us": {name: round(t * per) for t, name in funcs[:top]},
    }


async def where_time_goes(
    contenders: list[Contender],
    db_url: str,
    args: argparse.Namespace,
    logdir: Path,
    progress: Progress,
) -> dict[str, Any]:
    """Round trips per update (in process), and each server profiled under the same load."""
    out: dict[str, Any] = {"round_trips": {}, "profile": {}}
    for who in contenders:
        out["round_trips"][who.key] = await round_trips(who, db_url)
        progress(f"  {who.label}: {out['round_trips'][who.key]['per_update']} statements/update")
    if args.no_profile:
        return out
    first = args.rounds * len(contenders)  # run numbers (update id ranges) after the rounds
    for i, who in enumerate(contenders):
        path = logdir / f"{who.key}.prof"
        run = await intake_run(who, first + i, db_url, args, logdir, profile=path)
        out["profile"][who.key] = profile_by_library(path, run["ok"])
        out["profile"][who.key]["rate_under_profiler"] = run["rate"]
        busy = out["profile"][who.key]["busy_us_per_update"]
        progress(f"  {who.label} under cProfile: {run['rate']} upd/s, {busy} µs busy/update")
    return out


def medians(runs: list[dict[str, Any]], contenders: list[Contender]) -> dict[str, Any]:
    """Median rate, CPU and latency of each contender over its runs."""
    out = {}
    for who in contenders:
        mine = [r for r in runs if r["contender"] == who.key]
        out[who.key] = {
            "rate": round(statistics.median(r["rate"] for r in mine), 1),
            "rates": [r["rate"] for r in mine],
            "server_cpu_us_per_update": round(
                statistics.median(r["server_cpu_us_per_update"] for r in mine)
            ),
            "p50_ms": round(statistics.median(r["p50_ms"] or 0 for r in mine), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] or 0 for r in mine), 1),
            "saved_once": all(r["saved_once"] for r in mine),
            "connections_opened": round(statistics.median(r["connections_opened"] for r in mine)),
        }
    return out


async def intake_bench(db_url: str, args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Figure 1: the interleaved rounds, the medians and ratio, then where the time goes."""
    contenders = [REAL, BARE]
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(telegram_serve.BARE_DDL)
    finally:
        await conn.close()
    progress(
        f"figure 1: {args.rounds} rounds × {len(contenders)} servers × {args.seconds:g} s,"
        f" {args.connections} connections, load by {args.client};"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="mcu_bench_tg_") as tmp:
        logdir = Path(tmp)
        runs = await rate_rounds(contenders, db_url, args, logdir, progress)
        progress("where the time goes")
        diagnosis = await where_time_goes(contenders, db_url, args, logdir, progress)
    m = medians(runs, contenders)
    ratio = m["real"]["rate"] / m["bare"]["rate"]
    figures: dict[str, Any] = {
        "client": args.client,
        "connections": args.connections,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "runs": runs,
        "medians": m,
        "ratio": round(ratio, 3),
        "goal": INTAKE_GOAL,
        "met": ratio >= INTAKE_GOAL and m["real"]["saved_once"],
        **diagnosis,
    }
    return figures


# --- figure 2: notifications ------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Notices to deliver and how many chats they go to."""

    key: str
    notices: int
    chats: int

    @property
    def budget(self) -> float:
        """What Telegram allows: the bot's 30/s, or 1/s per chat when there are fewer chats."""
        return min(BOT_BUDGET, self.chats * CHAT_BUDGET)

    @property
    def bound(self) -> str:
        """Which of Telegram's limits binds."""
        return "per-bot" if self.chats * CHAT_BUDGET >= BOT_BUDGET else "per-chat"


PORT_STEPS = ("get_item_view", "get_card", "get_attachments", "do_save_card")  # in port.send


@dataclass
class SenderLog:
    """What the sender did during a scenario (collected by wrapping its methods): rows claimed,
    rows left for later because their chat was busy, seconds spent and calls by step."""

    claimed: int = 0
    postponed: int = 0
    spent: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)

    def timed(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        """`fn`, adding its wall time to `spent[name]`."""

        async def wrapper(*args: Any, **kw: Any) -> Any:
            t0 = time.monotonic()
            try:
                return await fn(*args, **kw)
            finally:
                self.spent[name] += time.monotonic() - t0
                self.calls[name] += 1

        return wrapper


@contextlib.contextmanager
def watching_sender(rt: Runtime) -> Iterator[SenderLog]:
    """Time the sender's passes and the steps of each delivery; count claimed and postponed
    rows. Only wrappers: what the sender does is unchanged. A pass delivers several rows at a
    time (Sender.run_once, up to `concurrency`), so the times of the steps inside a delivery
    add up over overlapping deliveries and their sum exceeds the wall time of the passes."""
    import bot.telegram.port as port_module

    log = SenderLog()
    sender, port = rt.sender, rt.ports[Channel.telegram]
    assert isinstance(port, port_module.TelegramPort)
    claim, release = sender.claim, sender._release

    async def counted_claim(limit: int) -> list[Outbox]:
        rows = await claim(limit)
        log.claimed += len(rows)
        return rows

    async def counted_release(ids: list[int]) -> None:
        log.postponed += len(ids)  # rows handed back for a later pass (beyond PER_CHAT_PASS)
        await release(ids)

    with contextlib.ExitStack() as stack:
        patch = stack.enter_context
        patch(mock.patch.object(sender, "run_once", log.timed("pass", sender.run_once)))
        patch(mock.patch.object(sender, "claim", log.timed("claim", counted_claim)))
        patch(mock.patch.object(sender, "_release", counted_release))
        patch(mock.patch.object(sender, "_deliver", log.timed("deliver", sender._deliver)))
        patch(mock.patch.object(sender, "_set", log.timed("mark row", sender._set)))
        patch(mock.patch.object(port, "send", log.timed("port.send", port.send)))
        wait = log.timed("pacing wait", sender.limits.acquire)
        patch(mock.patch.object(sender.limits, "acquire", wait))
        http = log.timed("send_message", port.bot.send_message)
        patch(mock.patch.object(port.bot, "send_message", http))
        for name in PORT_STEPS:
            original = getattr(port_module, name)
            patch(mock.patch.object(port_module, name, log.timed(name, original)))
        yield log


def step_ms(log: SenderLog, sends: int, backoff_s: float) -> dict[str, float]:
    """Milliseconds per delivered notice by step of a delivery, summed over the deliveries that
    ran concurrently: inside port.send (the HTTP call less the pacing wait and the sleeps after
    429s in it, the database reads and the card save, the rest), marking the row, and the rest
    of the delivery. The steps add up to the summed delivery time, not to wall time."""
    per = 1000 / max(sends, 1)
    spent = log.spent
    inside = sum(spent[n] for n in PORT_STEPS) + spent["send_message"]
    http = spent["send_message"] - spent["pacing wait"] - backoff_s
    return {
        "pacing wait": round(spent["pacing wait"] * per, 2),
        "429 back-off": round(backoff_s * per, 2),
        "HTTP sendMessage": round(http * per, 2),
        **{n: round(spent[n] * per, 2) for n in PORT_STEPS},
        "rest of port.send": round((spent["port.send"] - inside) * per, 2),
        "mark row": round(spent["mark row"] * per, 2),
        "rest of the delivery": round(
            (spent["deliver"] - spent["port.send"] - spent["mark row"]) * per, 2
        ),
    }


async def seed_staff(sm: async_sessionmaker[AsyncSession], m: Muni, n: int) -> list[Staff]:
    """n executors of the zhkh sector, each bound to a Telegram account."""
    staff = [
        Staff(
            municipality_id=m.municipality_id,
            code=f"bench{i:04d}",
            name=f"Исполнитель {i}",
            role=Role.recipient,
            sector_id=m.sector_id,
            telegram_id=TELEGRAM_ID0 + i,
        )
        for i in range(n)
    ]
    async with sm() as s:
        s.add_all(staff)
        await s.commit()
    return staff


async def seed_items(
    url: str, sm: async_sessionmaker[AsyncSession], m: Muni, n: int, progress: Progress
) -> list[dict[str, Any]]:
    """n overdue items (COPY); the escalation payload of each, as the timer poller builds it."""
    now = datetime.now(UTC)
    due = now - timedelta(hours=1)
    conn = await asyncpg.connect(url)
    try:
        rows = (item_row(m, i, due, now) for i in range(1, n + 1))
        await copy_chunks(conn, "item", ITEM_COLUMNS, rows, n, progress)
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('item', 'id'), (SELECT max(id) FROM item))"
        )
    finally:
        await conn.close()
    async with sm() as s:
        directory = await load_directory(s, municipality_id=m.municipality_id)
        items = list(await s.exec(select(Item).order_by(col(Item.id))))
    return [
        {
            **item_card(item, directory),
            "step": "overdue",
            "anchor": "due",
            "anchor_at": due.isoformat(),
        }
        for item in items
    ]


async def queue_notices(
    sm: async_sessionmaker[AsyncSession],
    sc: Scenario,
    staff: list[Staff],
    payloads: list[dict[str, Any]],
) -> None:
    """sc.notices escalations over the first sc.chats staff, each chat getting its share of
    distinct items, queued in a shuffled order (as many timers firing together would)."""
    now = datetime.now(UTC)
    pairs = [(k % sc.chats, (k + k // sc.chats) % len(payloads)) for k in range(sc.notices)]
    random.Random(7).shuffle(pairs)
    rows = []
    for k, (who, what) in enumerate(pairs):
        payload = payloads[what]
        item = Item.model_construct(id=payload["item_id"])
        rows.append(
            staff_notice(
                staff=staff[who],
                item=item,
                kind="escalation",
                payload=payload,
                dedup=f"bench-{sc.key}-{k}",
                now=now,
            )
        )
    async with sm() as s:
        await enqueue(s, rows)
        await s.commit()


async def outbox_outcome(sm: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Outbox rows by status, and the staff cards saved."""
    async with sm() as s:
        statuses = Counter(str(r) for r in await s.exec(select(Outbox.status)))
        cards = len(list(await s.exec(select(StaffCard.id))))
    return {**{str(k): v for k, v in statuses.items()}, "cards": cards}


async def drain(
    rt: Runtime, emu: BotApiEmulator, sc: Scenario, progress: Progress
) -> tuple[bool, SenderLog]:
    """Run the in-process jobs (timers and sender, as `mcu run` does) until every notice has
    gone out, or a generous timeout."""
    timeout = sc.notices / sc.budget * 2 + 30
    stop = asyncio.Event()
    with watching_sender(rt) as log:
        task = asyncio.create_task(run_in_process(rt, stop=stop))
        t0 = last = time.monotonic()
        while emu.stats.sends < sc.notices and time.monotonic() - t0 < timeout:
            await asyncio.sleep(0.25)
            if time.monotonic() - last >= 10:
                last = time.monotonic()
                progress(
                    f"  {sc.key}: {emu.stats.sends:,}/{sc.notices:,} sent,"
                    f" {emu.stats.too_many_requests} × 429"
                )
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=15)
        except TimeoutError:
            progress(f"  {sc.key}: sender did not stop within 15 s, cancelled")
    return emu.stats.sends >= sc.notices, log


async def clear_outbox(url: str) -> None:
    """Empty the outbox and the staff cards between scenarios."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("TRUNCATE outbox, staffcard RESTART IDENTITY")
    finally:
        await conn.close()


async def notify_scenario(
    url: str,
    sm: async_sessionmaker[AsyncSession],
    sc: Scenario,
    staff: list[Staff],
    payloads: list[dict[str, Any]],
    pacing: dict[str, float],
    progress: Progress,
) -> dict[str, Any]:
    """Queue the scenario's notices and deliver them through aiogram to the limited emulator;
    `pacing` overrides the sender's settings (MCU_TELEGRAM_PER_SECOND, …) if given."""
    await clear_outbox(url)
    await queue_notices(sm, sc, staff, payloads)
    emu = BotApiEmulator()  # Telegram's limits: 30/s per bot, 1/s per private chat
    await emu.start()
    emu.add_bot(TOKEN, username="mcu_bench_bot")
    for s in staff[: sc.chats]:
        emu.user(s.telegram_id or 0, first_name=s.name, started=True)
    arrivals: list[tuple[float, int | None]] = []
    engine = make_engine(url)
    settings = Settings.model_validate(
        {
            "DATABASE_URL": url,
            "MCU_ENV": "test",
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": emu.base_url,
            **pacing,
        }
    )
    rt = Runtime(
        engine, make_sessionmaker(engine), SystemClock(), settings, {Channel.console: ConsolePort()}
    )
    bot = make_bot(rt)
    attach_port(rt, bot)
    progress(
        f"  {sc.key}: {sc.notices:,} escalations queued for {sc.chats} chats;"
        f" budget {sc.budget:g}/s ({sc.bound} limit)"
    )
    try:
        with recording_arrivals(emu.bot(TOKEN), arrivals):
            complete, log = await drain(rt, emu, sc, progress)
    finally:
        await bot.session.close()
        await emu.stop()
        await engine.dispose()
    arrived = arrival_figures(arrivals)
    backoff_s = arrived["retry_after_s_total"]
    figures = scenario_figures(sc, emu, complete, log, backoff_s, rt.sender.concurrency)
    return figures | {
        "arrivals": arrived,
        "outbox": await outbox_outcome(sm),
    }


@contextlib.contextmanager
def recording_arrivals(state: Any, arrivals: list[tuple[float, int | None]]) -> Iterator[None]:
    """Note when each message reached the emulator's flood check, and the retry_after of a
    refusal (None when it passed)."""
    check = state.check_rate

    def recording(chat: Any, *, edit: bool) -> None:
        now = state.env.clock()
        try:
            check(chat, edit=edit)
        except ApiError as e:
            arrivals.append((now, e.retry_after))
            raise
        arrivals.append((now, None))

    with mock.patch.object(state, "check_rate", recording):
        yield


def arrival_figures(arrivals: list[tuple[float, int | None]]) -> dict[str, Any]:
    """How the accepted messages were spaced at the emulator: the smallest gap, how many gaps
    were under 1/30 s, the most accepted in any 1 s, the accepted ones in the second before
    each refusal, and the seconds the refusals told the bot to wait."""
    ok = [t for t, refused in arrivals if refused is None]
    gaps = [b - a for a, b in itertools.pairwise(ok)]
    most, lo = 0, 0
    for hi, t in enumerate(ok):
        while ok[lo] <= t - 1.0:
            lo += 1
        most = max(most, hi - lo + 1)
    refusals = [(t, r) for t, r in arrivals if r is not None]
    return {
        "min_gap_ms": round(1000 * min(gaps), 2) if gaps else None,
        "gaps_under_1_30_s": sum(g < 1 / BOT_BUDGET for g in gaps),
        "max_accepted_in_1s": most,
        "accepted_in_1s_before_each_429": [
            sum(1 for x in ok if t - 1.0 < x <= t) for t, _ in refusals
        ],
        "retry_after_s_total": sum(r for _, r in refusals),
    }


def scenario_figures(
    sc: Scenario,
    emu: BotApiEmulator,
    complete: bool,
    log: SenderLog,
    backoff_s: float,
    concurrency: int,
) -> dict[str, Any]:
    """Delivered/s over the run (first to last send), against the budget; the sender's log:
    wall time of its passes, how many deliveries overlapped, and the summed step times."""
    st = emu.stats
    span = (st.last_send_at or 0.0) - (st.first_send_at or 0.0)
    rate = (st.sends - 1) / span if span > 0 else 0.0
    per_chat = [len(emu.chat(TELEGRAM_ID0 + i).messages) for i in range(sc.chats)]
    per = 1000 / max(st.sends, 1)
    passes = log.spent["pass"]
    return {
        "notices": sc.notices,
        "chats": sc.chats,
        "budget_per_s": sc.budget,
        "bound_by": sc.bound,
        "complete": complete,
        "sends": st.sends,
        "span_s": round(span, 2),
        "delivered_per_s": round(rate, 2),
        "ratio": round(rate / sc.budget, 3),
        "too_many_requests": st.too_many_requests,
        "errors": dict(st.errors),
        "met": complete and st.too_many_requests == 0 and rate / sc.budget >= NOTIFY_GOAL,
        "messages_per_chat_min_max": [min(per_chat), max(per_chat)],
        "sender": {
            "passes": log.calls["pass"],
            "claimed": log.claimed,
            "postponed_chat_busy": log.postponed,
            "busy_s": round(passes, 2),
            "idle_s": round(max(span - passes, 0.0), 2),
            "concurrency": concurrency,
            "deliveries_in_flight_avg": round(log.spent["deliver"] / passes, 2) if passes else None,
            "wall_ms_per_notice_in_passes": round(passes * per, 2),
            "claim_ms_per_notice": round(log.spent["claim"] * per, 2),
            "delivery_ms_per_notice_summed": round(log.spent["deliver"] * per, 2),
            "summed_ms_per_notice_by_step": step_ms(log, st.sends, backoff_s),
        },
    }


async def notify_bench(url: str, args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Figure 2: both scenarios on one database with the test municipality and bound staff."""
    scenarios = [
        Scenario("many_chats", args.notices, args.chats),
        Scenario("few_chats", args.few_notices, args.few_chats),
    ]
    # every 429 is counted and reported; the pacing middleware's warning for each is noise here
    logging.getLogger("bot.telegram.pacing").setLevel(logging.ERROR)
    pacing = {
        name: value
        for name, value in (
            ("MCU_TELEGRAM_PER_SECOND", args.tg_per_second),
            ("MCU_TELEGRAM_CHAT_INTERVAL", args.tg_chat_interval),
        )
        if value is not None
    }
    engine = make_engine(url)
    try:
        sm = make_sessionmaker(engine)
        m = await apply_test_setup(sm, SystemClock())
        staff = await seed_staff(sm, m, max(sc.chats for sc in scenarios))
        payloads = await seed_items(url, sm, m, args.items, progress)
        progress(f"figure 2: {len(staff)} staff bound to Telegram, {len(payloads)} overdue items")
        out = {}
        for sc in scenarios:
            out[sc.key] = await notify_scenario(url, sm, sc, staff, payloads, pacing, progress)
            f = out[sc.key]
            progress(
                f"  {sc.key}: {f['delivered_per_s']}/s over {f['span_s']} s"
                f" = {f['ratio']} of {sc.budget:g}/s, {f['too_many_requests']} × 429"
            )
    finally:
        await engine.dispose()
    return {"goal": NOTIFY_GOAL, "pacing_settings": pacing, **out}


# --- report -----------------------------------------------------------------------------------


def met(ok: bool) -> str:
    """A goal's verdict."""
    return "met" if ok else "NOT met"


def report_intake(f: dict[str, Any]) -> list[str]:
    """Figure 1 as text."""
    m = f["medians"]
    keys = [k for k in ("real", "bare") if k in m]
    labels = {c.key: c.label for c in (REAL, BARE)}
    lines = [
        f"Figure 1 - webhook intake: {f['rounds']} interleaved rounds of {f['seconds']:g} s,"
        f" {f['connections']} concurrent connections, load by {f['client']}; medians",
        f"  {'':28}" + "".join(f"{labels[k]:>16}" for k in keys),
    ]
    rows: list[tuple[str, Any]] = [
        ("updates/s (median)", lambda k: f"{m[k]['rate']:.1f}"),
        ("runs", lambda k: "/".join(f"{r:.0f}" for r in m[k]["rates"])),
        ("latency p50 / p99 (ms)", lambda k: f"{m[k]['p50_ms']:.0f} / {m[k]['p99_ms']:.0f}"),
        ("server CPU (µs/update)", lambda k: str(m[k]["server_cpu_us_per_update"])),
        ("DB connections opened/run", lambda k: str(m[k]["connections_opened"])),
        ("every update saved once", lambda k: "yes" if m[k]["saved_once"] else "NO"),
    ]
    if f["round_trips"]:
        rows.append(("DB statements/update", lambda k: str(f["round_trips"][k]["per_update"])))
    for label, cell in rows:
        lines.append(f"  {label:28}" + "".join(f"{cell(k):>16}" for k in keys))
    lines.append(f"  ratio real / bare = {f['ratio']}: goal ≥ {f['goal']} {met(f['met'])}")
    return lines + report_diagnosis(f, keys, labels)


def report_diagnosis(f: dict[str, Any], keys: list[str], labels: dict[str, str]) -> list[str]:
    """Where the time goes, as text."""
    lines = ["  statements sent to Postgres per update (one round trip each):"]
    for k in keys:
        parts = ", ".join(f"{n:g}× {q}" for q, n in f["round_trips"][k]["statements"].items())
        lines.append(f"    {labels[k]:>13}: {parts}")
    prof = f.get("profile") or {}
    if not prof:
        return lines
    lines.append(
        "  cProfile under the same load: own wall time per update (µs) by library"
        " (profiler overhead included; compare columns, not absolutes):"
    )
    lines.append(f"    {'':34}" + "".join(f"{labels[k]:>16}" for k in keys))
    groups = list(prof[keys[0]]["by_library_us"])[:12]
    for g in groups:
        lines.append(
            f"    {g[:34]:34}" + "".join(f"{prof[k]['by_library_us'].get(g, 0):>16}" for k in keys)
        )
    lines.append(
        f"    {'total busy':34}" + "".join(f"{prof[k]['busy_us_per_update']:>16}" for k in keys)
    )
    lines.append(f"  heaviest functions of the {labels[keys[0]]} (µs/update):")
    lines += [f"    {v:>6}  {n}" for n, v in list(prof[keys[0]]["top_functions_us"].items())[:10]]
    return lines


def report_notify(f: dict[str, Any]) -> list[str]:
    """Figure 2 as text."""
    lines = [
        "Figure 2 - notifications through the real Sender + TelegramPort + aiogram Bot to the"
        " Bot API emulator (limits on: 30/s per bot, 1/s per private chat); sender settings:"
        f" {f['pacing_settings'] or 'the defaults (29/s, 1.05 s per chat)'}"
    ]
    for key in ("many_chats", "few_chats"):
        s = f.get(key)
        if s is None:
            continue
        d, a = s["sender"], s["arrivals"]
        lines += [
            f"  {key}: {s['notices']:,} escalations to {s['chats']} chats ({s['bound_by']} limit"
            f" binds): {s['sends']:,} sent in {s['span_s']} s = {s['delivered_per_s']}/s;"
            f" budget {s['budget_per_s']:g}/s; ratio {s['ratio']}; 429s:"
            f" {s['too_many_requests']} -> goal ≥ {f['goal']} with no 429 {met(s['met'])}",
            f"    sender: {d['passes']} passes, {d['claimed']:,} rows claimed,"
            f" {d['postponed_chat_busy']:,} left for later (chat busy); in passes"
            f" {d['busy_s']} s = {d['wall_ms_per_notice_in_passes']} ms/notice wall time (claim"
            f" {d['claim_ms_per_notice']}), idle between passes {d['idle_s']} s; up to"
            f" {d['concurrency']} deliveries at a time, {d['deliveries_in_flight_avg']} in"
            " flight on average",
            f"    ms per notice summed over concurrent deliveries (they overlap: the sum,"
            f" {d['delivery_ms_per_notice_summed']}, is not wall time): "
            + ", ".join(f"{k} {v:g}" for k, v in d["summed_ms_per_notice_by_step"].items()),
            f"    at the emulator: smallest gap between accepted sends"
            f" {a['min_gap_ms']} ms, {a['gaps_under_1_30_s']} gaps under 1/30 s, at most"
            f" {a['max_accepted_in_1s']} accepted in 1 s; accepted in the second before each"
            f" 429: {a['accepted_in_1s_before_each_429'] or '-'}; told to wait"
            f" {a['retry_after_s_total']} s in all",
            f"    outbox after: {s['outbox']}; messages per chat min/max:"
            f" {s['messages_per_chat_min_max']}",
        ]
    return lines


# --- entry point ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m bench.telegram",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--only", choices=("intake", "notify"), help="run one figure only")
    p.add_argument("--seconds", type=float, default=5.0, help="load per intake run")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of intake runs")
    p.add_argument("--connections", type=int, default=64, help="concurrent clients")
    p.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    p.add_argument("--notices", type=int, default=2400, help="scenario A: notices")
    p.add_argument("--chats", type=int, default=300, help="scenario A: chats")
    p.add_argument("--few-notices", type=int, default=150, help="scenario B: notices")
    p.add_argument("--few-chats", type=int, default=5, help="scenario B: chats")
    p.add_argument("--items", type=int, default=300, help="overdue items the notices are about")
    p.add_argument(
        "--tg-per-second", type=float, help="sender's MCU_TELEGRAM_PER_SECOND (default: as set)"
    )
    p.add_argument(
        "--tg-chat-interval",
        type=float,
        help="sender's MCU_TELEGRAM_CHAT_INTERVAL (default: as set)",
    )
    args = p.parse_args(argv)
    args.client = client_kind(args.client)
    return args


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Create the database, run the figures asked for, drop the database."""
    progress = Progress()
    figures: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(),
        "args": vars(args),
        "load_average_at_start": os.getloadavg(),
    }
    async with temp_database("mcu_bench_tg") as url:
        progress(f"database {url.rsplit('/', 1)[1]} migrated to head")
        if args.only in (None, "intake"):
            figures["intake"] = await intake_bench(url, args, progress)
        if args.only in (None, "notify"):
            figures["notify"] = await notify_bench(url, args, progress)
    figures["seconds"] = round(progress.elapsed, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the report and write bench/out/telegram.json."""
    args = parse_args(argv)
    figures = asyncio.run(run(args))
    print_report("telegram", figures, [("intake", report_intake), ("notify", report_notify)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
