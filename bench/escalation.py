"""Escalation bench: lateness of the in-process timer poller, and the cost of finding due timers.

    python -m bench.escalation [--open 100000] [--due 5000] [--scale 10000,100000,1000000]
                               [--poll 5] [--history 1000000] [--runs 50] [--only lateness|find]

Figure 1: N open items with pending timers due in 30 days, N_due of them due at one instant;
the real `run_in_process` poller (and, side by side, a fixed-interval one, and the real arq
worker `run_arq_supervised` on a private redis-server) fires them. Lateness of a timer = the
moment its batch's commit finished minus its due time.
Figure 2: `due_timers_query(now, 500)` with 100 timers due and 10k…1M open items, with and
without 1M done timers of history; it must stay flat (the partial index ix_timer_pending_due).
"""

import argparse
import asyncio
import contextlib
import cProfile
import json
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.loader import (
    Muni,
    apply_test_setup,
    bulk_connection,
    drop_history,
    load_history,
    load_open,
    truncate_work,
    vacuum,
)
from bench.support import (
    Progress,
    ShiftedClock,
    percentile,
    print_report,
    private_redis,
    temp_database,
)
from models import Channel
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from workflows.core.clock import Clock
from workflows.escalation import firing as escalation
from workflows.escalation.firing import due_timers_query, next_due_at
from workflows.jobs.loop import run_in_process
from workflows.jobs.runtime import Runtime
from workflows.jobs.tasks import fire_timers, send_outbox
from workflows.jobs.worker import run_arq_supervised
from workflows.outbox.ports import ConsolePort

START = datetime(2025, 12, 2, 8, 0, tzinfo=UTC)  # Tue 2 Dec 2025 11:00 Moscow: a working moment
FAR = timedelta(days=30)  # the open items' own timers: far in the future
LEAD_S = 6.0  # the due instant lies this far after arming (room for VACUUM and start-up)
NAIVE_PHASE_S = 0.2  # the fixed-interval poller polls this long before the due instant
TIMEOUT_S = 120.0
DUE_NOW = 100  # timers already due in figure 2
BATCH = 500  # fire_batch's default limit
GOAL_RATIO = 1.2
FLAT_TOLERANCE = 1.5  # figures drift ~30% between runs here; more than 1.5x is growth
INDEX = "ix_timer_pending_due"
MODES = {  # figure 1's columns: mode -> key in the JSON
    "run_in_process": "run_in_process",
    "fixed-interval": "fixed_interval",
    "arq worker": "arq_worker",
}


# --- figure 1: lateness ----------------------------------------------------------------------


@dataclass
class Batch:
    """One committed fire_batch: when it claimed (its `now`), how many, when the commit ended."""

    claimed_at: datetime
    n: int
    committed_at: datetime


@dataclass
class BatchLog:
    """Batches committed by the poller, in order."""

    clock: Clock
    batches: list[Batch] = field(default_factory=list)

    @property
    def fired(self) -> int:
        """Timers claimed in committed batches."""
        return sum(b.n for b in self.batches)

    def committed(self, claimed_at: datetime, n: int) -> None:
        """Record a batch whose commit has just finished."""
        self.batches.append(Batch(claimed_at, n, self.clock.now()))


class TimedSession(AsyncSession):
    """A session that, once its commit finishes, logs the batch fire_batch claimed in it."""

    async def commit(self) -> None:
        """Commit, then record the tagged batch (if any) with the commit's end time."""
        batch = self.info.pop("batch", None)
        await super().commit()
        if batch is not None:
            self.info["log"].committed(*batch)


@contextlib.contextmanager
def recording_batches() -> Iterator[None]:
    """Wrap escalation.fire_batch so each session that claimed timers is tagged (now, n)."""
    original = escalation.fire_batch

    async def tagged(session: AsyncSession, *, now: datetime, limit: int = BATCH, **kw: Any) -> int:
        n = await original(session, now=now, limit=limit, **kw)
        if n:
            session.info["batch"] = (now, n)
        return n

    with mock.patch.object(escalation, "fire_batch", tagged):
        yield


def runtime(
    url: str, engine: AsyncEngine, log: BatchLog, poll: float, redis_url: str | None = None
) -> Runtime:
    """A Runtime on the bench clock whose sessions time their commits."""
    sm: async_sessionmaker[AsyncSession] = async_sessionmaker(
        engine, class_=TimedSession, expire_on_commit=False, info={"log": log}
    )
    settings = Settings.model_validate(
        {"DATABASE_URL": url, "REDIS_URL": redis_url, "MCU_POLL_SECONDS": poll, "MCU_ENV": "test"}
    )
    return Runtime(engine, sm, log.clock, settings, {Channel.console: ConsolePort()})


async def naive_in_process(rt: Runtime, *, stop: asyncio.Event) -> None:
    """run_in_process, but the timers loop sleeps the full poll period after every poll."""
    poll = rt.settings.poll_seconds

    async def timers_loop() -> None:
        while not stop.is_set():
            await fire_timers(rt)
            await sleep_or_stop(stop, poll)

    async def sender_loop() -> None:
        while not stop.is_set():
            await send_outbox(rt)
            await sleep_or_stop(stop, min(1.0, poll))

    await asyncio.gather(timers_loop(), sender_loop())


@dataclass
class Booking:
    """One `job_fire_timers` booking of its next run: when (bench clock), for when, and whether
    arq took it (it refuses a second booking under the same job id)."""

    booked_at: datetime
    defer_until: datetime
    accepted: bool = False


@contextlib.contextmanager
def arq_on_bench_clock(rt: Runtime) -> Iterator[list[Booking]]:
    """Make the real arq worker run its jobs on the bench runtime `rt`, and log the bookings.

    - arq's on_startup builds `Runtime.create(get_settings())` (system clock, plain sessions);
      here it gets `rt` instead: the bench clock and the sessions that time their commits.
    - job_fire_timers books its next run with `_defer_until=next_due`, a moment on the bench
      clock, which arq reads on the wall clock; it is moved to the same distance from now on the
      wall clock, as it is in production where both are the system clock. arq's own cron
      enqueues (function 'cron:job_fire_timers', wall-clock moments) are left alone.
    """
    from arq.connections import ArqRedis

    bookings: list[Booking] = []
    original = ArqRedis.enqueue_job

    async def enqueue_job(
        self: ArqRedis, function: str, *args: Any, _defer_until: datetime | None = None, **kw: Any
    ) -> Any:
        if function != "job_fire_timers" or _defer_until is None:
            return await original(self, function, *args, _defer_until=_defer_until, **kw)
        now = rt.clock.now()
        booking = Booking(now, _defer_until)
        bookings.append(booking)
        wall = datetime.now(UTC) + (_defer_until - now)
        job = await original(self, function, *args, _defer_until=wall, **kw)
        booking.accepted = job is not None
        return job

    def create(_settings: Settings, *, clock: Clock | None = None) -> Runtime:
        return rt

    with (
        mock.patch.object(Runtime, "create", staticmethod(create)),
        mock.patch.object(ArqRedis, "enqueue_job", enqueue_job),
    ):
        yield bookings


def wall_of(clock: Clock, moment: datetime) -> float:
    """The wall-clock (Unix) time at which `clock` will read `moment`."""
    return time.time() + (moment - clock.now()).total_seconds()


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, waking early if `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def arm(url: str, clock: Clock, *, n: int, lead_s: float) -> datetime:
    """Make items 1..n due at now + lead (timers pending again, outbox and events empty)."""
    due = clock.now() + timedelta(seconds=lead_s)
    async with bulk_connection(url) as conn:
        await conn.execute("DELETE FROM outbox")
        await conn.execute("DELETE FROM itemevent")
        await conn.execute("UPDATE item SET due_at = $1 WHERE id <= $2", due, n)
        await conn.execute(
            "UPDATE timer SET due_at = $1, anchor_at = $1, status = 'pending', fired_at = NULL"
            " WHERE id <= $2",
            due,
            n,
        )
        await vacuum(conn, "item", "timer", "outbox", "itemevent")
    return due


async def sleep_until(clock: Clock, moment: datetime) -> None:
    """Sleep until the clock reads `moment`."""
    await asyncio.sleep(max(0.0, (moment - clock.now()).total_seconds()))


async def wait_fired(log: BatchLog, n: int, limit_s: float) -> bool:
    """Wait until `n` timers were committed, at most `limit_s` seconds; True if all were."""
    deadline = time.monotonic() + limit_s
    while log.fired < n and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return log.fired >= n


async def stop_task(task: "asyncio.Task[None]", stop: asyncio.Event) -> None:
    """Ask the poller to stop; cancel it if the sender is still draining after 3 s."""
    stop.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(task, timeout=3.0)


async def outcome(url: str, n: int) -> dict[str, int]:
    """What the run left in the database for items 1..n."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM timer WHERE id <= $1 AND status = 'done') AS done,"
            " (SELECT count(*) FROM outbox WHERE kind = 'escalation') AS outbox,"
            " (SELECT count(*) FROM itemevent WHERE action = 'escalation:overdue') AS events",
            n,
        )
    finally:
        await conn.close()
    return dict(row)


def lateness_figures(log: BatchLog, due: datetime, poll: float) -> dict[str, Any]:
    """p50/p99/max lateness (commit end − due) per timer, ratio to the poll period, throughput."""
    late = [(b.committed_at - due).total_seconds() for b in log.batches for _ in range(b.n)]
    claim = [(b.claimed_at - due).total_seconds() for b in log.batches for _ in range(b.n)]
    if not late:
        return {"fired": 0}
    first, last = log.batches[0], log.batches[-1]
    span = (last.committed_at - first.claimed_at).total_seconds()
    p99 = percentile(late, 99)
    return {
        "fired": len(late),
        "batches": len(log.batches),
        "wake_s": round(claim[0], 3),
        "p50_s": round(percentile(late, 50), 3),
        "p99_s": round(p99, 3),
        "max_s": round(max(late), 3),
        "p99_over_poll": round(p99 / poll, 3),
        "firing_span_s": round(span, 3),
        "throughput_per_s": round(len(late) / span, 1) if span > 0 else None,
        "batch_ms_mean": round(
            1000
            * statistics.mean((b.committed_at - b.claimed_at).total_seconds() for b in log.batches),
            1,
        ),
    }


def poller(mode: str, rt: Runtime, stop: asyncio.Event) -> Awaitable[None]:
    """The poller of one of figure 1's columns, running until `stop` is set."""
    if mode == "run_in_process":
        return run_in_process(rt, stop=stop)
    if mode == "fixed-interval":
        return naive_in_process(rt, stop=stop)
    return run_arq_supervised(rt.settings, stop=stop)


async def run_poller(
    url: str,
    clock: Clock,
    *,
    n_due: int,
    poll: float,
    mode: str,
    progress: Progress,
    redis_url: str | None = None,
) -> dict[str, Any]:
    """Arm n_due timers, run one poller until all fired (or timeout) and return its figures."""
    engine = make_engine(url)
    log = BatchLog(clock)
    rt = runtime(url, engine, log, poll, redis_url)
    stop = asyncio.Event()
    extra: dict[str, Any] = {}
    try:
        due = await arm(url, clock, n=n_due, lead_s=LEAD_S)
        if mode == "fixed-interval":  # worst phase: due just after a poll (≈ p99 over phases)
            await sleep_until(clock, due - timedelta(seconds=NAIVE_PHASE_S))
        progress(f"  {mode}: {n_due:,} timers due in {(due - clock.now()).total_seconds():.1f} s")
        with recording_batches(), contextlib.ExitStack() as patches:
            if mode == "arq worker":
                bookings = patches.enter_context(arq_on_bench_clock(rt))
                # arq's crons run at wall-clock seconds that are multiples of the step
                step = max(1, int(poll))
                extra["due_after_cron_tick_s"] = round(wall_of(clock, due) % step, 3)
            task = asyncio.create_task(poller(mode, rt, stop))
            complete = await wait_fired(log, n_due, TIMEOUT_S + LEAD_S)
            await stop_task(task, stop)
        if mode == "arq worker":
            extra["bookings"] = [
                {
                    "booked_s": round((b.booked_at - due).total_seconds(), 3),
                    "defer_until_s": round((b.defer_until - due).total_seconds(), 3),
                    "accepted": b.accepted,
                }
                for b in bookings
            ]
        port = rt.ports[Channel.console]
        sent = len(port.sent) if isinstance(port, ConsolePort) else 0
    finally:
        await engine.dispose()
    figures = lateness_figures(log, due, poll)
    progress(
        f"  {mode}: fired {figures['fired']:,} in {figures.get('batches', 0)} batches,"
        f" p99 {figures.get('p99_s')} s"
    )
    return {
        "mode": mode,
        "complete": complete,
        "due_at": due.isoformat(),
        "notices_sent_meanwhile": sent,
        **figures,
        **extra,
        **await outcome(url, n_due),
    }


# --- where the time goes in one batch ------------------------------------------------------


def statement_label(sql: str) -> str:
    """'SELECT timer', 'INSERT outbox', 'UPDATE timer' … from a SQL statement."""
    verb = sql.lstrip().split(None, 1)[0].upper()
    pattern = {
        "SELECT": r"\bFROM\s+(\w+)",
        "INSERT": r"\bINTO\s+(\w+)",
        "UPDATE": r"^\s*UPDATE\s+(\w+)",
        "DELETE": r"\bFROM\s+(\w+)",
    }.get(verb)
    m = re.search(pattern, sql, re.IGNORECASE) if pattern else None
    return f"{verb} {m.group(1)}" if m else verb


@contextlib.contextmanager
def sql_timer(engine: AsyncEngine) -> Iterator[dict[str, list[float]]]:
    """Collect the wall time of every statement the engine runs, by statement label."""
    spent: dict[str, list[float]] = defaultdict(list)

    def before(conn: Any, _cursor: Any, _sql: str, *_: Any) -> None:
        conn.info["t0"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        spent[statement_label(sql)].append(time.perf_counter() - conn.info.pop("t0"))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)


async def one_batch(sm: async_sessionmaker[AsyncSession], clock: Clock) -> tuple[int, float]:
    """fire_batch + commit once; returns (claimed, seconds spent committing)."""
    async with sm() as s:
        n = await escalation.fire_batch(s, now=clock.now(), limit=BATCH)
        t0 = time.perf_counter()
        await s.commit()
    return n, time.perf_counter() - t0


# (label, file name ending, function name) of the steps inside fire_batch worth watching
STEPS = (
    ("fire_batch, all of it", "workflows/escalation/firing.py", "fire_batch"),
    ("ORM row loading (timers, items, context)", "sqlalchemy/orm/loading.py", "instances"),
    ("load_context", "workflows/items/context.py", "load_context"),
    ("ladder_of (parses the ladder per timer)", "workflows/calendar/deadlines.py", "ladder_of"),
    ("item_card", "workflows/notifications/notify.py", "item_card"),
    ("staff_notice", "workflows/notifications/notify.py", "staff_notice"),
    ("ItemEvent(...) construction", "models.item.ItemEvent>", "__init__"),
    ("unit-of-work flush (ItemEvents)", "sqlalchemy/orm/session.py", "_flush"),
    ("enqueue (outbox insert, incl. autoflush)", "workflows/notifications/notify.py", "enqueue"),
    ("_mark (UPDATE timer)", "workflows/escalation/firing.py", "_mark"),
    ("waiting on the socket (epoll)", "~", "<method 'poll' of 'select.epoll' objects>"),
)


async def profile_batch(url: str, clock: Clock, progress: Progress) -> dict[str, Any]:
    """Fire a warm batch of 500 timed per SQL statement, then another under cProfile."""
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    try:
        await arm(url, clock, n=2 * BATCH, lead_s=-1.0)
        await one_batch(sm, clock)  # warm-up: statement compilation, asyncpg type introspection
        t0 = time.perf_counter()
        with sql_timer(engine) as spent:
            n, commit_s = await one_batch(sm, clock)
        total = time.perf_counter() - t0
        await arm(url, clock, n=BATCH, lead_s=-1.0)
        profiler = cProfile.Profile()
        profiler.enable()
        await one_batch(sm, clock)
        profiler.disable()
    finally:
        await engine.dispose()
    sql = {k: {"calls": len(v), "ms": round(1000 * sum(v), 1)} for k, v in spent.items()}
    sql_s = sum(sum(v) for v in spent.values())
    progress(f"  timed and profiled one warm batch of {n}: {1000 * total:.0f} ms")
    return {
        "claimed": n,
        "total_ms": round(1000 * total, 1),
        "commit_ms": round(1000 * commit_s, 1),
        "sql_ms": round(1000 * sql_s, 1),
        "python_ms": round(1000 * (total - sql_s - commit_s), 1),
        "sql": dict(sorted(sql.items(), key=lambda kv: -kv[1]["ms"])),
        "profiled_steps_ms": step_times(profiler),
    }


def step_times(profiler: cProfile.Profile) -> dict[str, float]:
    """Cumulative profiled ms of each of STEPS (they overlap; cProfile inflates Python time)."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, file_end, func in STEPS:
        cum = sum(
            v[3] for (f, _, name), v in stats.items() if f.endswith(file_end) and name == func
        )
        out[label] = round(1000 * cum, 1)
    return out


async def lateness_bench(
    url: str, clock: Clock, m: Muni, args: argparse.Namespace, progress: Progress
) -> dict[str, Any]:
    """Figure 1: load open items, run both pollers, profile one batch."""
    progress(f"figure 1: loading {args.open:,} open items with pending timers")
    async with bulk_connection(url) as conn:
        await truncate_work(conn)
        far = START + FAR
        await load_open(
            conn,
            m,
            first=1,
            count=args.open,
            due_of=lambda _i: far,
            now=clock.now(),
            progress=progress,
        )
    columns: dict[str, Any] = {}
    for mode, key in MODES.items():
        async with contextlib.AsyncExitStack() as stack:
            redis_url = None
            if mode == "arq worker":
                redis_url = await stack.enter_async_context(private_redis())
                progress(f"  arq worker: private redis-server at {redis_url}")
            columns[key] = await run_poller(
                url,
                clock,
                n_due=args.due,
                poll=args.poll,
                mode=mode,
                progress=progress,
                redis_url=redis_url,
            )
    profile = await profile_batch(url, clock, progress)
    return {
        "open_items": args.open,
        "due": args.due,
        "poll_s": args.poll,
        "goal_p99_over_poll": GOAL_RATIO,
        **columns,
        "one_batch": profile,
    }


# --- figure 2: finding due timers -------------------------------------------------------------


def plan_path(plan: dict[str, Any]) -> str:
    """'Limit > LockRows > Index Scan (ix_timer_pending_due)' from an EXPLAIN JSON plan."""
    parts: list[str] = []
    node: dict[str, Any] | None = plan
    while node is not None:
        index = node.get("Index Name")
        parts.append(node["Node Type"] + (f" ({index})" if index else ""))
        children = node.get("Plans") or []
        node = children[0] if children else None
    return " > ".join(parts)


def query_sql(engine: AsyncEngine, now: datetime, *, literal: bool) -> str:
    """due_timers_query(now, 500) as SQL: with literal values, or with $1…$3 parameters."""
    kwargs = {"literal_binds": True} if literal else {}
    return str(due_timers_query(now, BATCH).compile(dialect=engine.dialect, compile_kwargs=kwargs))


async def explain(conn: asyncpg.Connection, sql: str, runs: int) -> tuple[str, float]:
    """Plan path and median server execution ms of EXPLAIN ANALYZE, rolled back each time."""
    times, plan = [], ""
    for _ in range(runs):
        tr = conn.transaction()
        await tr.start()
        out = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        await tr.rollback()
        doc = (out if isinstance(out, list) else json.loads(out))[0]
        times.append(doc["Execution Time"])
        plan = plan_path(doc["Plan"])
    return plan, statistics.median(times)


async def generic_plan(conn: asyncpg.Connection, engine: AsyncEngine, now: datetime) -> str:
    """The plan Postgres would use if it cached a generic plan for the prepared statement."""
    sql = query_sql(engine, now, literal=False)
    async with conn.transaction():
        await conn.execute(f"PREPARE bench_due AS {sql}")
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        out = await conn.fetchval(
            f"EXPLAIN (FORMAT JSON) EXECUTE bench_due('{now.isoformat()}', {BATCH})"
        )
        await conn.execute("DEALLOCATE bench_due")
    doc = (out if isinstance(out, list) else json.loads(out))[0]
    return plan_path(doc["Plan"])


async def find_due(session: AsyncSession, clock: Clock) -> int:
    """Run the poller's claim query once; returns how many rows it found."""
    return len(list(await session.exec(due_timers_query(clock.now(), BATCH))))


async def find_next(session: AsyncSession, _clock: Clock) -> int:
    """Run the poller's next_due_at once; returns 1 if it found a pending timer."""
    return int(await next_due_at(session) is not None)


async def orm_timings(
    engine: AsyncEngine,
    clock: Clock,
    runs: int,
    query: Callable[[AsyncSession, Clock], Awaitable[int]],
) -> tuple[list[float], int]:
    """Seconds per query through an ORM session on one connection, each run rolled back."""
    times: list[float] = []
    found = 0
    async with engine.connect() as conn:
        session = AsyncSession(bind=conn, expire_on_commit=False)
        for i in range(runs + 5):  # five warm-ups (and Postgres' five custom plans)
            t0 = time.perf_counter()
            found = await query(session, clock)
            if i >= 5:
                times.append(time.perf_counter() - t0)
            await session.rollback()
        await session.close()
    return times, found


async def measure_find(
    engine: AsyncEngine, conn: asyncpg.Connection, clock: Clock, runs: int
) -> dict[str, Any]:
    """Due query: ORM median/p95 ms, server ms, plans (custom, generic); next_due_at ORM ms."""
    times, found = await orm_timings(engine, clock, runs, find_due)
    next_times, _ = await orm_timings(engine, clock, runs, find_next)
    plan, server_ms = await explain(
        conn, query_sql(engine, clock.now(), literal=True), max(5, runs // 5)
    )
    return {
        "found": found,
        "orm_median_ms": round(1000 * statistics.median(times), 3),
        "orm_p95_ms": round(1000 * percentile(times, 95), 3),
        "server_median_ms": round(server_ms, 3),
        "next_due_median_ms": round(1000 * statistics.median(next_times), 3),
        "plan": plan,
        "generic_plan": await generic_plan(conn, engine, clock.now()),
    }


async def find_due_bench(
    url: str, clock: Clock, m: Muni, args: argparse.Namespace, progress: Progress
) -> dict[str, Any]:
    """Figure 2: grow the open items scale by scale; time the due query with and without history."""
    engine = make_engine(url)
    rows: list[dict[str, Any]] = []
    past, far = START - timedelta(hours=1), START + FAR
    loaded = 0
    try:
        async with bulk_connection(url) as conn:
            await truncate_work(conn)
            for n in args.scale:
                progress(f"figure 2: growing to {n:,} open items ({DUE_NOW} due now)")
                await load_open(
                    conn,
                    m,
                    first=loaded + 1,
                    count=n - loaded,
                    due_of=lambda i: past if i <= DUE_NOW else far,
                    now=clock.now(),
                    progress=progress,
                )
                loaded = n
                await settle(conn, "item", "timer")
                plain = await measure_find(engine, conn, clock, args.runs)
                progress(
                    f"  {n:,} open: {plain['orm_median_ms']} ms; adding {args.history:,}"
                    " done timers of history"
                )
                await load_history(
                    conn, count=args.history, items=n, at=START - FAR, progress=progress
                )
                await settle(conn, "timer")
                history = await measure_find(engine, conn, clock, args.runs)
                progress(f"  {n:,} open + history: {history['orm_median_ms']} ms")
                if n != args.scale[-1]:
                    await drop_history(conn)
                rows.append({"open_items": n, "pending": plain, "with_history": history})
    finally:
        await engine.dispose()
    return {
        "due_now": DUE_NOW,
        "history": args.history,
        "runs": args.runs,
        "rows": rows,
        **flatness(rows),
    }


async def settle(conn: asyncpg.Connection, *tables: str) -> None:
    """VACUUM ANALYZE and CHECKPOINT, so background writes of a big load do not skew timings."""
    await vacuum(conn, *tables)
    await conn.execute("CHECKPOINT")


def flatness(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Ratios of the largest scale to the smallest, and whether they stay within tolerance."""
    first, last = rows[0], rows[-1]
    ratio = last["pending"]["orm_median_ms"] / first["pending"]["orm_median_ms"]
    ratio_h = last["with_history"]["orm_median_ms"] / first["pending"]["orm_median_ms"]
    index_used = all(INDEX in r[k]["plan"] for r in rows for k in ("pending", "with_history"))
    return {
        "ratio_largest_to_smallest": round(ratio, 2),
        "ratio_largest_with_history_to_smallest": round(ratio_h, 2),
        "index_used_everywhere": index_used,
        "flat": index_used and max(ratio, ratio_h) <= FLAT_TOLERANCE,
    }


# --- report -----------------------------------------------------------------------------------


def report_lateness(f: dict[str, Any]) -> list[str]:
    """Figure 1 as text."""
    poll = f["poll_s"]
    cols = [f[key] for key in MODES.values()]
    a, n, q = cols
    lines = [
        f"Figure 1 - escalation lateness: {f['open_items']:,} open items, {f['due']:,} timers due"
        f" at one instant, poll period {poll:g} s",
        "  lateness = end of the commit of the timer's batch - its due time",
        f"  {'':32}" + "".join(f"{mode:>16}" for mode in MODES),
    ]
    for label, key in (
        ("first claim after due (s)", "wake_s"),
        ("p50 lateness (s)", "p50_s"),
        ("p99 lateness (s)", "p99_s"),
        ("max lateness (s)", "max_s"),
        ("p99 / poll period", "p99_over_poll"),
        ("throughput (timers/s)", "throughput_per_s"),
        ("mean batch of 500 (ms)", "batch_ms_mean"),
        ("fired / outbox / events", None),
        ("notices sent meanwhile (sender)", "notices_sent_meanwhile"),
    ):
        if key is None:
            cells = [f"{r.get('done')}/{r.get('outbox')}/{r.get('events')}" for r in cols]
        else:
            cells = [str(r.get(key)) for r in cols]
        lines.append(f"  {label:32}" + "".join(f"{c:>16}" for c in cells))
    lines.append(
        f"  (fixed-interval: the due instant falls {NAIVE_PHASE_S} s after a poll, the"
        " worst phase ≈ its p99 over random phases)"
    )
    lines.append(
        f"  (arq worker: run_arq_supervised on a private redis-server; the due instant fell"
        f" {q.get('due_after_cron_tick_s')} s after a cron tick; job_fire_timers booked"
        f" its next run {len(q.get('bookings', []))} time(s): "
        + (
            ", ".join(
                f"at due{b['booked_s']:+.3f} s for due{b['defer_until_s']:+.3f} s"
                f" ({'taken' if b['accepted'] else 'refused: same job id'})"
                for b in q.get("bookings", [])
            )
            or "none"
        )
        + ")"
    )

    def met(r: dict[str, Any]) -> bool:
        return bool(r["complete"]) and r.get("p99_over_poll", float("inf")) <= GOAL_RATIO

    lines.append(
        f"  goal p99/poll ≤ {GOAL_RATIO}: {'met' if met(a) else 'NOT met'}"
        f" (run_in_process {a.get('p99_over_poll')}; fixed-interval {n.get('p99_over_poll')},"
        f" {'met' if met(n) else 'NOT met'}; arq worker {q.get('p99_over_poll')},"
        f" {'met' if met(q) else 'NOT met'})"
    )
    budget = 0.2 * poll

    def within(r: dict[str, Any]) -> str:
        return "yes" if r.get("max_s", float("inf")) <= budget else "no"

    lines.append(
        f"  all {f['due']:,} fired within 0.2 × poll after due: {within(a)} (max {a.get('max_s')} s,"
        f" budget {budget:g} s; arq worker: {within(q)}, max {q.get('max_s')} s)"
    )
    return lines + report_profile(f["one_batch"])


def report_profile(p: dict[str, Any]) -> list[str]:
    """Where the time of one batch goes, as text."""
    lines = [
        f"  one warm batch of {p['claimed']} (no sender running): {p['total_ms']} ms ="
        f" SQL {p['sql_ms']} + commit {p['commit_ms']} + Python {p['python_ms']}"
    ]
    lines += [f"    {k:24}{v['calls']:>4} calls {v['ms']:>8} ms" for k, v in p["sql"].items()]
    lines.append("  the same batch under cProfile, cumulative ms of steps (overlapping; inflated):")
    lines += [f"    {k:44}{v:>8}" for k, v in p["profiled_steps_ms"].items()]
    return lines


def report_find(f: dict[str, Any]) -> list[str]:
    """Figure 2 as text."""
    base = f["rows"][0]["pending"]["orm_median_ms"]
    hist = f"with {f['history']:,} done timers of history"
    lines = [
        f"Figure 2 - finding due timers: due_timers_query(now, 500) with {f['due_now']} due;"
        f" median ms of {f['runs']} runs on one connection, each rolled back",
        f"  {'':12}{'pending timers only':^36}  {hist:^36}",
        f"  {'open items':>12}" + f"{'ORM':>9}{'server':>9}{'ratio':>7}{'next_due':>11}" * 2,
    ]
    for r in f["rows"]:
        cells = "".join(
            f"{x['orm_median_ms']:>9.3f}{x['server_median_ms']:>9.3f}"
            f"{x['orm_median_ms'] / base:>7.2f}{x['next_due_median_ms']:>11.3f}"
            for x in (r["pending"], r["with_history"])
        )
        lines.append(f"  {r['open_items']:>12,}{cells}")
    last = f["rows"][-1]
    lines += [
        "  (ORM = the poller's call through a session; server = EXPLAIN ANALYZE execution time;",
        "   next_due = next_due_at(), the poller's other query each round)",
        f"  plan, every scale: {last['pending']['plan']}",
        f"  plan if Postgres cached a generic plan: {last['pending']['generic_plan']}",
        f"  flat: {'yes' if f['flat'] else 'no'} (ratio {last['open_items']:,}/"
        f"{f['rows'][0]['open_items']:,} = {f['ratio_largest_to_smallest']},"
        f" with history {f['ratio_largest_with_history_to_smallest']};"
        f" tolerance {FLAT_TOLERANCE}; {INDEX} used at every scale:"
        f" {'yes' if f['index_used_everywhere'] else 'no'})",
    ]
    return lines


# --- entry point ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m bench.escalation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--open", type=int, default=100_000, help="open items in figure 1")
    p.add_argument("--due", type=int, default=5_000, help="timers due at one instant")
    p.add_argument("--scale", default="10000,100000,1000000", help="open items in figure 2")
    p.add_argument("--poll", type=float, default=5.0, help="poll period, seconds")
    p.add_argument("--history", type=int, default=1_000_000, help="done timers of history")
    p.add_argument("--runs", type=int, default=50, help="timed runs of the due query")
    p.add_argument("--only", choices=("lateness", "find"), help="run one figure only")
    args = p.parse_args(argv)
    args.scale = sorted(int(s) for s in args.scale.split(","))
    if args.due > args.open:
        p.error("--due must not exceed --open")
    return args


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Create the database, run the figures asked for, drop the database."""
    progress = Progress()
    clock = ShiftedClock(START)
    figures: dict[str, Any] = {"started": datetime.now(UTC).isoformat(), "args": vars(args)}
    async with temp_database() as url:
        progress(f"database {url.rsplit('/', 1)[1]} migrated to head")
        engine = make_engine(url)
        try:
            m = await apply_test_setup(make_sessionmaker(engine), clock)
        finally:
            await engine.dispose()
        if args.only in (None, "lateness"):
            figures["lateness"] = await lateness_bench(url, clock, m, args, progress)
        if args.only in (None, "find"):
            figures["find_due"] = await find_due_bench(url, clock, m, args, progress)
    figures["seconds"] = round(progress.elapsed, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the report and write bench/out/escalation.json."""
    args = parse_args(argv)
    figures = asyncio.run(run(args))
    print_report("escalation", figures, [("lateness", report_lateness), ("find_due", report_find)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
