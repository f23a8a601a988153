"""Reports bench: the report queries and the weekly note on a municipality with 1,000,000 items.

    python -m bench.reports [--items 1000000] [--runs 7] [--seed 20261124] [--keep]
    python -m bench.reports --reuse URL     # measure again a database kept by --keep (no load)

A scratch database (Alembic head), one generated municipality (8 sectors, 20 localities,
30 recipients), and N items COPY-loaded over 3 years (2023-01-02 .. 2025-12-28) with realistic
shapes: weekly and yearly seasonality, answer delays lognormal with the spb-appeals trace's
median 7.9 and p90 36.6 days, ~5 % still open (most of them overdue), feedback and ratings on
some, texts from the trace, take_wsec/answer_wsec from the working calendar (checked on a sample
against WorkCalendar.working_time_between). Then VACUUM ANALYZE.

Each query runs `--runs` times after one warm-up, on a fresh connection; the median is reported
in ms and as a ratio to a bare `SELECT sector_id, count(*) FROM item GROUP BY sector_id` over the
same table (goal ≤ 3), over the whole span, the last calendar year (the longest period a user
may ask for) and the last full week. A week is also timed on a connection that has just run the
same statement over the whole span (a prepared statement may then keep a generic plan). Then
`build_digest` of that week, warm (goal < 2 s). Queries above the goal get EXPLAIN ANALYZE.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np
import yaml
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.loader import bulk_connection, sync_sequences, vacuum
from bench.spb_replay import DATA, WorkingSeconds, read_trace
from bench.support import PG_ADMIN, Progress, pg_url, temp_database, write_json
from models import (
    Channel,
    DeadlineClock,
    DeadlinePolicy,
    ItemKind,
    Locality,
    Municipality,
    Sector,
    Staff,
)
from models.db import make_engine, make_sessionmaker
from models.migrate import upgrade_head_async
from workflows.calendar.deadlines import add_length, get_calendar
from workflows.calendar.periods import Period, parse_period, week_period
from workflows.calendar.work_calendar import WorkCalendar
from workflows.core.clock import FakeClock
from workflows.reports.heatmap import get_heatmap
from workflows.reports.rating import get_rating
from workflows.reports.scope import TUNE_SQL, Scope
from workflows.reports.summary import get_summary
from workflows.setup.apply import check_apply_setup

TZ = ZoneInfo("Europe/Moscow")
CODE = "bench-reports"
FIRST_DAY = date(2023, 1, 2)  # a Monday; the data runs to the Sunday before NOW
NOW = datetime(2025, 12, 29, 9, 0, tzinfo=TZ)  # Monday 09:00: the note of 2025-W52 is due
GOAL_RATIO = 3.0
GOAL_DIGEST_S = 2.0
CHUNK = 100_000
DAY = 86_400.0
PG_EPOCH = 946_684_800.0  # 2000-01-01 UTC in Unix seconds
# The spb-appeals README: message to first answer, median 7.9 days, 90th percentile 36.6 days.
ANSWER_MEDIAN_D, ANSWER_P90_D = 7.9, 36.6
Z90 = 1.2815515655446004  # the standard normal's 90th percentile
STUCK = 0.035  # never answered (on top of those still in their natural delay at NOW)
SECTORS = (
    ("zhkh", "ЖКХ", 0.34, 6),  # code, name, share of items, recipients
    ("roads", "Дороги", 0.18, 5),
    ("blago", "Благоустройство", 0.14, 4),
    ("waste", "Обращение с ТКО", 0.10, 4),
    ("energy", "Энергетика", 0.08, 3),
    ("transport", "Транспорт", 0.07, 3),
    ("education", "Образование", 0.05, 3),
    ("social", "Социальная политика", 0.04, 2),
)
LOCALITIES = 20
WEEKDAY = (1.25, 1.15, 1.1, 1.05, 0.95, 0.6, 0.55)  # Monday first
HOURS = (1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 6, 8, 9, 9, 8, 8, 8, 7, 7, 7, 8, 9, 9, 7, 4, 2)
CHANNELS = (("telegram", 0.55), ("vk", 0.30), ("pos", 0.10), ("paper", 0.05))
KINDS = (("message", 0.85), ("appeal_59fz", 0.10), ("incident", 0.05))
ITEM_COLUMNS = (
    "id", "municipality_id", "number", "kind", "status", "channel", "sector_id", "locality_id",
    "lat", "lon", "text", "assignee_id", "policy_id", "registered_at", "due_at", "extensions",
    "extension_requested_days", "taken_at", "answered_at", "closed_at", "answer_text", "solved",
    "rating", "take_wsec", "answer_wsec", "reopens", "reopened_at", "version", "updated_at",
)  # fmt: skip
BARE = "SELECT sector_id, count(*) FROM item GROUP BY sector_id"


# ---- the municipality -------------------------------------------------------------------------


def setup_yaml() -> str:
    """A generated municipality: 8 sectors, 20 localities, 30 recipients, a lead per sector."""
    staff: list[dict[str, Any]] = [
        {"code": "head", "name": "Руководитель МЦУ", "role": "head"},
        {"code": "curator", "name": "Куратор", "role": "curator"},
        {"code": "operator", "name": "Оператор", "role": "operator"},
    ]
    for code, name, _, recipients in SECTORS:
        staff.append(
            {"code": f"lead_{code}", "name": f"Руководитель: {name}", "role": "sector_lead"}
            | {"sector": code}
        )
        staff += [
            {"code": f"{code}_{k}", "name": f"Исполнитель {name} №{k}", "role": "recipient"}
            | {"sector": code}
            for k in range(1, recipients + 1)
        ]
    spec = {
        "municipality": {
            "code": CODE,
            "name": "МО «Нагрузочный»",
            "number_prefix": "НГР",
        },
        "sectors": [{"code": c, "name": n} for c, n, _, _ in SECTORS],
        "localities": [{"code": f"loc{i:02d}", "name": f"Село №{i}"} for i in range(LOCALITIES)],
        "staff": staff,
        "policies": [
            {"code": "message", "kind": "message", "clock": "working_days", "length": 10},
            {"code": "appeal", "kind": "appeal_59fz", "clock": "calendar_days", "length": 30},
            {"code": "incident", "kind": "incident", "clock": "working_days", "length": 1},
        ],
    }
    return str(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))


@dataclass
class Muni:
    """The ids and calendar the generated rows need."""

    municipality_id: int
    calendar: WorkCalendar
    sector_ids: list[int]  # in SECTORS order
    recipients: list[list[int]]  # per sector
    locality_ids: list[int]
    policies: dict[str, DeadlinePolicy]  # by kind


async def apply_setup(sm: async_sessionmaker[AsyncSession]) -> Muni:
    """Apply the generated setup and read back the ids."""
    async with sm() as s:
        await check_apply_setup(s, text=setup_yaml(), clock=FakeClock(NOW))
    return await find_setup(sm)


async def find_setup(sm: async_sessionmaker[AsyncSession]) -> Muni:
    """The ids of the applied setup."""
    async with sm() as s:
        mid = (await s.exec(select(Municipality.id).where(Municipality.code == CODE))).one()
        assert mid is not None
        sectors = {
            x.code: x for x in await s.exec(select(Sector).where(Sector.municipality_id == mid))
        }
        staff = list(await s.exec(select(Staff).where(Staff.municipality_id == mid)))
        policies = {
            p.kind.value: p
            for p in await s.exec(
                select(DeadlinePolicy).where(DeadlinePolicy.municipality_id == mid)
            )
        }
        localities = sorted(
            (x for x in await s.exec(select(Locality).where(Locality.municipality_id == mid))),
            key=lambda x: x.code,
        )
        muni = await s.get(Municipality, mid)
        assert muni is not None
        calendar = await get_calendar(s, municipality=muni)
    sector_ids = [sectors[c].id or 0 for c, _, _, _ in SECTORS]
    recipients = [
        [p.id or 0 for p in staff if p.sector_id == sid and p.role.value == "recipient"]
        for sid in sector_ids
    ]
    return Muni(mid, calendar, sector_ids, recipients, [x.id or 0 for x in localities], policies)


# ---- the items --------------------------------------------------------------------------------


@dataclass
class Columns:
    """The generated items, one numpy array per column, sorted by registration."""

    n: int
    day: np.ndarray  # index of the local day of registration
    registered: np.ndarray  # Unix seconds
    taken: np.ndarray  # Unix seconds, NaN if not taken
    answered: np.ndarray
    closed: np.ndarray
    reopened: np.ndarray
    due: np.ndarray
    sector: np.ndarray  # index into SECTORS
    locality: np.ndarray
    assignee: np.ndarray  # staff id
    kind: np.ndarray  # index into KINDS
    channel: np.ndarray
    status: np.ndarray  # str
    solved: np.ndarray  # -1 none, 0 no, 1 yes
    rating: np.ndarray  # 0 none
    extension: np.ndarray  # 0 none
    take_wsec: np.ndarray  # -1 none
    answer_wsec: np.ndarray


def day_weights(days: list[date], muni: Muni) -> np.ndarray:
    """Arrivals per day: weekday shape, a winter peak, slow growth, fewer on holidays."""
    t = np.arange(len(days)) / 365.0
    doy = np.array([d.timetuple().tm_yday for d in days])
    w = np.array([WEEKDAY[d.weekday()] for d in days])
    w *= 1 + 0.25 * np.cos(2 * np.pi * (doy - 45) / 365.0)
    w *= 1 + 0.15 * t
    holiday = np.array([d.weekday() < 5 and not muni.calendar.is_working_day(d) for d in days])
    w[holiday] *= 0.6
    out: np.ndarray = w / w.sum()
    return out


def pick(rng: np.random.Generator, n: int, shares: Any) -> np.ndarray:
    """n indices drawn with the given shares."""
    p = np.asarray(shares, dtype=float)
    out: np.ndarray = rng.choice(len(p), size=n, p=p / p.sum())
    return out


def generate(muni: Muni, ws: WorkingSeconds, n: int, seed: int, progress: Progress) -> Columns:
    """N items with realistic shapes (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    now = NOW.timestamp()
    days = [FIRST_DAY + timedelta(days=i) for i in range((NOW.date() - FIRST_DAY).days)]
    midnights = np.array([ws.midnights[i] for i in range(len(days))])
    day = np.sort(pick(rng, n, day_weights(days, muni)))
    hour = pick(rng, n, HOURS)
    registered = midnights[day] + hour * 3600.0 + rng.integers(0, 3600, n)
    order = np.argsort(registered, kind="stable")
    day, registered = day[order], registered[order]

    sector = pick(rng, n, [s[2] for s in SECTORS])
    locality = pick(rng, n, 1 / (np.arange(LOCALITIES) + 1.0) ** 0.8)
    last_week = registered >= (NOW - timedelta(days=7)).timestamp()
    spike = last_week & (rng.random(n) < 0.04)  # a burst: roads in one village, the last week
    sector[spike], locality[spike] = 1, 7
    per_sector = [np.asarray(r) for r in muni.recipients]
    assignee = np.zeros(n, dtype=np.int64)
    for i, ids in enumerate(per_sector):
        mask = sector == i
        assignee[mask] = ids[locality[mask] % len(ids)]
    kind, channel = pick(rng, n, [k[1] for k in KINDS]), pick(rng, n, [c[1] for c in CHANNELS])

    sigma = np.log(ANSWER_P90_D / ANSWER_MEDIAN_D) / Z90
    taken = registered + np.round(rng.lognormal(np.log(2 * 3600), 1.2, n))
    answered = registered + np.round(rng.lognormal(np.log(ANSWER_MEDIAN_D * DAY), sigma, n))
    answered = np.maximum(answered, taken + 60)
    stuck = rng.random(n) < STUCK
    answered[stuck] = np.nan
    taken[stuck & (rng.random(n) < 0.3)] = np.nan
    taken[taken >= now] = np.nan
    answered[answered >= now] = np.nan
    is_answered = ~np.isnan(answered)
    closed = answered + np.round(rng.uniform(0.1, 7.0, n) * DAY)
    closed[~(closed < now)] = np.nan
    is_closed = ~np.isnan(closed)
    feedback = is_closed & (rng.random(n) < 0.4)
    solved = np.where(feedback, (rng.random(n) < 0.75).astype(np.int64), -1)
    rating = np.where(is_closed & (rng.random(n) < 0.25), pick(rng, n, (10, 8, 15, 27, 40)) + 1, 0)
    reopen = is_closed & (rng.random(n) < 0.02)
    reopened = np.where(
        reopen, answered + np.round(rng.uniform(0.05, 1.0, n) * (closed - answered)), np.nan
    )

    status = np.full(n, "assigned", dtype=object)
    status[~np.isnan(taken)] = "in_progress"
    status[is_answered] = "answered"
    status[is_closed] = "closed"
    open_ = ~is_answered
    status[open_ & np.isnan(taken) & (rng.random(n) < 0.003)] = "new"
    extension = np.where(open_ & (rng.random(n) < 0.005), 10, 0)

    due = due_by_day(muni, days, kind, day)
    reg_w = ws.at_many(registered)
    take_wsec = np.where(
        np.isnan(taken), -1, np.floor(ws.at_many(np.nan_to_num(taken, nan=registered)) - reg_w)
    )
    answer_wsec = np.where(
        is_answered, np.floor(ws.at_many(np.nan_to_num(answered, nan=registered)) - reg_w), -1
    )
    progress(
        f"generated {n:,} items: open {open_.mean():.1%}, answered {is_answered.mean():.1%},"
        f" closed {is_closed.mean():.1%}, overdue now {(open_ & (due < now)).mean():.1%}"
    )
    return Columns(
        n, day, registered, taken, answered, closed, reopened, due, sector, locality, assignee,
        kind, channel, status, solved, rating, extension, take_wsec.astype(np.int64),
        answer_wsec.astype(np.int64),
    )  # fmt: skip


def due_by_day(muni: Muni, days: list[date], kind: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The policy deadline of each item: day-based clocks depend on the local date only."""
    due = np.empty(len(day))
    for k, (kind_code, _) in enumerate(KINDS):
        policy = muni.policies[kind_code]
        if policy.clock is DeadlineClock.working_hours:
            raise ValueError("due_by_day handles day-based deadline clocks only")
        table = np.array(
            [
                add_length(
                    muni.calendar,
                    datetime.combine(d, datetime.min.time(), TZ),
                    policy.clock,
                    policy.length,
                ).timestamp()
                for d in days
            ]
        )
        mask = kind == k
        due[mask] = table[day[mask]]
    return due


def sample_check(muni: Muni, cols: Columns, rng: np.random.Generator) -> int:
    """take_wsec/answer_wsec equal WorkCalendar.working_time_between on 2,000 random rows;
    returns how many (start, end) pairs were compared."""
    checked = 0
    for i in rng.choice(cols.n, size=2_000, replace=False):
        a = utc(cols.registered[i])
        for b, stored in (
            (cols.taken[i], cols.take_wsec[i]),
            (cols.answered[i], cols.answer_wsec[i]),
        ):
            if np.isnan(b):
                continue
            slow = int(muni.calendar.working_time_between(a, utc(b)).total_seconds())
            if slow != stored:
                raise RuntimeError(f"row {i}: stored {stored} s, the calendar says {slow} s")
            checked += 1
    return checked


def utc(ts: float) -> datetime:
    """Unix seconds to an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), UTC)


def records(
    muni: Muni, cols: Columns, texts: list[str], answers: list[str]
) -> Iterator[list[tuple[Any, ...]]]:
    """COPY records in chunks, in registration order (ids follow registration, as in life)."""
    rng = np.random.default_rng(1)
    n = cols.n
    ids = np.arange(1, n + 1)
    text_i, answer_i = rng.integers(0, len(texts), n), rng.integers(0, len(answers), n)
    lat = np.round(42.0 + cols.locality * 0.01 + rng.normal(0, 0.002, n), 4)
    lon = np.round(46.0 + cols.locality * 0.013 + rng.normal(0, 0.002, n), 4)
    kinds, channels = [k for k, _ in KINDS], [c for c, _ in CHANNELS]
    policy = [muni.policies[k].id for k in kinds]
    years = np.array([d.year for d in (FIRST_DAY + timedelta(days=i) for i in range(4 * 366))])
    for lo in range(0, n, CHUNK):
        s = slice(lo, min(n, lo + CHUNK))
        m = s.stop - s.start
        reg, taken, answered, closed, reopened, due = (
            _moments(getattr(cols, k)[s])
            for k in ("registered", "taken", "answered", "closed", "reopened", "due")
        )
        updated = _moments(
            np.fmax.reduce(
                [getattr(cols, k)[s] for k in ("registered", "taken", "answered", "closed")]
            )
        )
        numbers = [
            f"НГР-{y}-{i:07d}"
            for y, i in zip(years[cols.day[s]].tolist(), ids[s].tolist(), strict=True)
        ]
        answer = [
            answers[a] if ok else None
            for a, ok in zip(
                answer_i[s].tolist(), (~np.isnan(cols.answered[s])).tolist(), strict=True
            )
        ]
        yield list(
            zip(
                ids[s].tolist(), [muni.municipality_id] * m, numbers,
                [kinds[k] for k in cols.kind[s].tolist()], cols.status[s].tolist(),
                [channels[c] for c in cols.channel[s].tolist()],
                [muni.sector_ids[x] for x in cols.sector[s].tolist()],
                [muni.locality_ids[x] for x in cols.locality[s].tolist()],
                lat[s].tolist(), lon[s].tolist(), [texts[t] for t in text_i[s].tolist()],
                cols.assignee[s].tolist(), [policy[k] for k in cols.kind[s].tolist()], reg, due,
                [0] * m, [x or None for x in cols.extension[s].tolist()], taken, answered, closed,
                answer, [None if x < 0 else bool(x) for x in cols.solved[s].tolist()],
                [x or None for x in cols.rating[s].tolist()],
                [None if x < 0 else x for x in cols.take_wsec[s].tolist()],
                [None if x < 0 else x for x in cols.answer_wsec[s].tolist()],
                [0 if x is None else 1 for x in reopened], reopened, [1] * m, updated,
                strict=True,
            )
        )  # fmt: skip


def _moments(ts: np.ndarray) -> list[tuple[int] | None]:
    """Unix seconds (NaN for none) as Postgres's binary timestamptz, microseconds since 2000
    (see `raw_timestamps`): a million datetime objects would cost more than the COPY."""
    us = np.nan_to_num((ts - PG_EPOCH) * 1e6).astype(np.int64).tolist()
    return [None if none else (x,) for x, none in zip(us, np.isnan(ts).tolist(), strict=True)]


async def drop_indexes(conn: asyncpg.Connection, table: str) -> list[str]:
    """Drop a table's plain indexes (not those behind constraints); their DDL to rebuild them.
    Building an index once after a bulk load is much faster than updating it row by row."""
    rows = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass)",
        table,
    )
    for r in rows:
        await conn.execute(f'DROP INDEX "{r["indexname"]}"')
    return [r["indexdef"] for r in rows]


async def raw_timestamps(conn: asyncpg.Connection) -> None:
    """Let this connection take timestamptz as (microseconds since 2000-01-01,) tuples."""
    await conn.set_type_codec(
        "timestamptz", schema="pg_catalog", encoder=tuple, decoder=tuple, format="tuple"
    )


def trace_texts() -> tuple[list[str], list[str]]:
    """Real citizen texts and (clipped) answers from the spb-appeals trace."""
    texts, answers = [], []
    for rec in read_trace(DATA):
        if rec["text"]:
            texts.append(rec["text"])
        if rec["answer"]:
            answers.append(" ".join(rec["answer"].split())[:300])
    return texts, answers


async def load(url: str, muni: Muni, n: int, seed: int, progress: Progress) -> dict[str, Any]:
    """Generate and COPY the items, then VACUUM ANALYZE; returns the load's figures."""
    last = NOW.date() + timedelta(days=1)
    ws = WorkingSeconds(muni.calendar, FIRST_DAY, last)
    t0 = time.monotonic()
    cols = generate(muni, ws, n, seed, progress)
    checked = sample_check(muni, cols, np.random.default_rng(seed + 1))
    progress(f"working seconds equal to working_time_between on {checked:,} sampled pairs")
    texts, answers = trace_texts()
    gen_s = time.monotonic() - t0
    t1 = time.monotonic()
    async with bulk_connection(url) as conn:
        await raw_timestamps(conn)
        indexes = await drop_indexes(conn, "item")
        done = 0
        for chunk in records(muni, cols, texts, answers):
            await conn.copy_records_to_table("item", records=chunk, columns=list(ITEM_COLUMNS))
            done += len(chunk)
            progress(f"  COPY item: {done:,}/{n:,} ({done / (time.monotonic() - t1):,.0f} rows/s)")
        copy_s = time.monotonic() - t1
        t2 = time.monotonic()
        for ddl in indexes:
            await conn.execute(ddl)
        index_s = time.monotonic() - t2
        await sync_sequences(conn)
        t3 = time.monotonic()
        await vacuum(conn, "item")
        vacuum_s = time.monotonic() - t3
        size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('item'))")
        heap = await conn.fetchval("SELECT pg_size_pretty(pg_relation_size('item'))")
        first = await conn.fetchval(
            "SELECT extract(epoch FROM registered_at) FROM item WHERE id = 1"
        )
    if float(first) != cols.registered[0]:  # the raw timestamps landed where they should
        raise RuntimeError(f"item 1 registered at {first}, generated at {cols.registered[0]}")
    progress(
        f"COPY {copy_s:.1f} s (incl. building records), {len(indexes)} indexes rebuilt in"
        f" {index_s:.1f} s, VACUUM ANALYZE {vacuum_s:.1f} s"
    )
    return {
        "items": n,
        "generate_s": round(gen_s, 1),
        "copy_s": round(copy_s, 1),
        "index_rebuild_s": round(index_s, 1),
        "vacuum_analyze_s": round(vacuum_s, 1),
        "table_size": size,
        "heap_size": heap,
        "open_share": round(float(np.isnan(cols.answered).mean()), 4),
        "wsec_checked_pairs": checked,
    }


# ---- measuring --------------------------------------------------------------------------------


@dataclass
class Captured:
    """Statements an engine ran, with their parameters, and their summed wall time."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    sql_s: float = 0.0


@contextlib.contextmanager
def capturing(engine: AsyncEngine) -> Iterator[Captured]:
    """Record the statements the engine runs (and their wall time) while the block runs."""
    cap = Captured()
    starts: dict[int, float] = {}

    def before(conn: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        cap.statements.append((statement, params))
        starts[id(conn)] = time.perf_counter()

    def after(conn: Any, *_: Any) -> None:
        t0 = starts.pop(id(conn), None)
        if t0 is not None:
            cap.sql_s += time.perf_counter() - t0

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield cap
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)


Query = Callable[[AsyncSession], Awaitable[Any]]
Call = Callable[[AsyncSession, Period], Awaitable[Any]]
PRIME = 6  # Postgres may give a prepared statement a generic plan after its fifth run


async def timed(
    sm: async_sessionmaker[AsyncSession], fn: Query, runs: int, warm: int = 1
) -> list[float]:
    """Wall ms of `runs` calls, each in its own session, after `warm` untimed calls."""
    for _ in range(warm):
        async with sm() as s:
            await fn(s)
    out = []
    for _ in range(runs):
        async with sm() as s:
            t0 = time.perf_counter()
            await fn(s)
            out.append((time.perf_counter() - t0) * 1000)
    return out


@contextlib.asynccontextmanager
async def one_connection(
    url: str,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """A fresh engine with one pooled connection: no prepared statements from earlier cases."""
    engine = make_engine(url, pool_size=1)
    try:
        yield engine, make_sessionmaker(engine)
    finally:
        await engine.dispose()


def _literal(value: Any) -> str:
    """A bound parameter as an SQL literal, for EXPLAIN EXECUTE of a prepared statement."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "'{" + ",".join(str(v) for v in value) + "}'"
    text_ = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text_.replace("'", "''") + "'"


async def explain(
    url: str, statement: str, params: Any, *, plan: bool = False, generic: bool = False
) -> dict[str, Any]:
    """Server figures of one statement from EXPLAIN ANALYZE (custom plan for these parameters,
    or the generic plan a prepared statement may settle on), with the text plan if asked."""
    conn = await asyncpg.connect(url)
    try:
        args = tuple(params or ())
        await conn.execute(f"BEGIN; {TUNE_SQL}")  # the settings the report functions run with
        if generic:
            await conn.execute("SET plan_cache_mode = force_generic_plan")
            await conn.execute(f"PREPARE bench_q AS {statement}")
            statement = (
                f"EXECUTE bench_q({', '.join(map(_literal, args))})" if args else "EXECUTE bench_q"
            )
            args = ()
        raw = await conn.fetchval("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + statement, *args)
        tree = (raw if isinstance(raw, list) else json.loads(raw))[0]
        out: dict[str, Any] = {
            "server_ms": round(tree["Execution Time"], 1),
            "planning_ms": round(tree["Planning Time"], 1),
            "jit_functions": tree.get("JIT", {}).get("Functions", 0),
            "parallel": "Gather" in json.dumps(tree["Plan"]),
        }
        if plan:
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, *args)
            out["plan"] = [_short(r[0]) for r in rows]
            out["sql"] = _short(" ".join(statement.split()), 400)
        return out
    finally:
        await conn.close()


def _short(line: str, limit: int = 150) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


def report_calls(mid: int) -> list[tuple[str, Call]]:
    """The three report queries, each as a call on a session and a period."""
    scope, now = Scope((mid,)), NOW.astimezone(UTC)

    async def summary(s: AsyncSession, p: Period) -> Any:
        return await get_summary(s, scope=scope, period=p, now=now)

    async def rating(s: AsyncSession, p: Period) -> Any:
        return await get_rating(s, scope=scope, period=p, now=now, by="recipient")

    async def heatmap(s: AsyncSession, p: Period) -> Any:
        return await get_heatmap(s, scope=scope, period=p, now=now)

    incidents = replace(scope, kinds=(ItemKind.incident,))  # 5 % of the items
    pos = replace(scope, channels=(Channel.pos,))  # 10 %

    async def summary_cut(s: AsyncSession, p: Period) -> Any:
        return await get_summary(s, scope=incidents, period=p, now=now)

    async def rating_cut(s: AsyncSession, p: Period) -> Any:
        return await get_rating(s, scope=pos, period=p, now=now, by="recipient")

    return [
        ("get_summary", summary),
        ("get_rating(recipient)", rating),
        ("get_heatmap", heatmap),
        ("summary kind=incident", summary_cut),
        ("rating channel=pos", rating_cut),
    ]


async def statements_of(url: str, fn: Query) -> list[tuple[str, Any]]:
    """The statements one call runs, with their parameters."""
    async with one_connection(url) as (engine, sm):
        with capturing(engine) as cap:
            async with sm() as s:
                await fn(s)
    return cap.statements


async def measure_case(
    url: str,
    label: str,
    call: Call,
    span: str,
    period: Period,
    full: Period,
    runs: int,
    base: float,
) -> dict[str, Any]:
    """One query over one span: wall times on a fresh connection, server figures per statement,
    the heaviest statement's plan if above the goal; for a week, also the wall time on a
    connection that has just run the same statement over the full span (plan cache)."""

    def fn(s: AsyncSession, p: Period = period) -> Awaitable[Any]:
        return call(s, p)

    async with one_connection(url) as (_, sm):
        ms = await timed(sm, fn, runs)
    med = statistics.median(ms)
    statements = await statements_of(url, fn)
    server = [await explain(url, st, p) for st, p in statements]
    worst = max(range(len(server)), key=lambda i: server[i]["server_ms"])
    row: dict[str, Any] = {
        "query": label,
        "span": span,
        "median_ms": round(med, 1),
        "runs_ms": [round(x, 1) for x in ms],
        "ratio": round(med / base, 2),
        "statements": len(statements),
        "server_ms": round(sum(h["server_ms"] for h in server), 1),
        "jit": any(h["jit_functions"] for h in server),
        "heaviest": server[worst],
    }
    st, params = statements[worst]
    if med / base > GOAL_RATIO:
        row["heaviest"] = await explain(url, st, params, plan=True)
    if span == "week":
        async with one_connection(url) as (_, sm):
            await timed(sm, lambda s: call(s, full), PRIME, warm=0)
            after = await timed(sm, fn, runs, warm=0)
        row["after_full_ms"] = round(statistics.median(after), 1)
        if row["after_full_ms"] > 1.5 * med:
            row["generic"] = await explain(url, st, params, plan=True, generic=True)
    return row


async def measure(url: str, mid: int, runs: int, progress: Progress) -> dict[str, Any]:
    """The bare GROUP BY, the report queries (ratio to it) and the weekly note."""
    full = Period(FIRST_DAY, NOW.date() - timedelta(days=1), TZ, "full")
    week = week_period(NOW.date() - timedelta(days=7), TZ)

    async def bare(s: AsyncSession) -> Any:
        return (await (await s.connection()).execute(text(BARE))).all()

    async with one_connection(url) as (_, sm):
        base_ms = await timed(sm, bare, runs)
    base = statistics.median(base_ms)
    base_explain = await explain(url, BARE, (), plan=True)
    progress(f"bare GROUP BY: median {base:.1f} ms (server {base_explain['server_ms']} ms)")
    rows = []
    year = parse_period(str(NOW.year), tz=TZ, now=NOW)  # about the longest a user may ask for
    for span, period in (("full", full), ("year", year), ("week", week)):
        for label, call in report_calls(mid):
            row = await measure_case(url, label, call, span, period, full, runs, base)
            rows.append(row)
            extra = (
                f", after the full span {row['after_full_ms']} ms" if "after_full_ms" in row else ""
            )
            progress(f"{label} [{span}]: median {row['median_ms']} ms, ratio {row['ratio']}{extra}")
    digest = await measure_digest(url, mid, week, runs)
    progress(f"build_digest {week.code}: median {digest['median_ms']:.0f} ms warm")
    return {
        "bare_group_by": {
            "sql": BARE,
            "median_ms": round(base, 1),
            "runs_ms": [round(x, 1) for x in base_ms],
            **base_explain,
        },
        "queries": rows,
        "digest": digest,
        "week": week.code,
        "full_span": f"{full.first}..{full.last}",
    }


async def measure_digest(url: str, mid: int, week: Period, runs: int) -> dict[str, Any]:
    """build_digest of the week, warm, on a fresh connection: wall time, and how much is SQL."""
    from workflows.digest.build import build_digest

    now = NOW.astimezone(UTC)

    async def note(s: AsyncSession) -> Any:
        return await build_digest(s, municipality_id=mid, week=week, now=now)

    n = max(3, runs // 2)
    async with one_connection(url) as (engine, sm):
        ms = await timed(sm, note, n)
        with capturing(engine) as cap:
            async with sm() as s:
                t0 = time.perf_counter()
                doc = await note(s)
                once = (time.perf_counter() - t0) * 1000
    statements = cap.statements
    server = [await explain(url, st, p) for st, p in statements]
    heaviest = sorted(
        (
            {"server_ms": h["server_ms"], "sql": _short(" ".join(st.split()), 100)}
            for h, (st, _) in zip(server, statements, strict=True)
        ),
        key=lambda x: -x["server_ms"],
    )[:6]
    return {
        "median_ms": round(statistics.median(ms), 1),
        "runs_ms": [round(x, 1) for x in ms],
        "statements": len(statements),
        "one_run_ms": round(once, 1),
        "sql_wall_ms_of_that_run": round(cap.sql_s * 1000, 1),
        "server_ms": round(sum(h["server_ms"] for h in server), 1),
        "heaviest_statements": heaviest,
        "text_chars": len(doc.text),
        "files": {f.name: len(f.content) for f in doc.files},
        "goal_s": GOAL_DIGEST_S,
    }


# ---- report -----------------------------------------------------------------------------------


def report(f: dict[str, Any]) -> list[str]:
    """The figures as a table, with plans for the queries above the goal."""
    m, ld = f["measure"], f["load"]
    base = m["bare_group_by"]
    load_line = (
        f"COPY {ld['copy_s']} s + index rebuild {ld['index_rebuild_s']} s,"
        f" VACUUM ANALYZE {ld['vacuum_analyze_s']} s"
        if "copy_s" in ld
        else "reused database"
    )
    lines = [
        "",
        "=== reports bench ===",
        f"{ld['items']:,} items over {m['full_span']} ({ld['table_size']} with indexes, heap"
        f" {ld['heap_size']}); {ld['open_share']:.1%} open at {NOW.isoformat()}; {load_line}",
        f"load average before/after: {f['loadavg'][0]} / {f['loadavg'][1]} (2 cores)",
        f"median of {f['args']['runs']} runs after a warm-up, each query on a fresh connection;"
        f" ratio = median ÷ bare GROUP BY (goal ≤ {GOAL_RATIO:g})",
        f"  {'query':24}{'span':>6}{'median ms':>11}{'ratio':>7}{'server ms':>11}{'JIT':>5}"
        f"{'stmts':>6}{'after full':>12}  goal",
        f"  {'bare GROUP BY sector_id':24}{'full':>6}{base['median_ms']:>11.1f}{1:>7.2f}"
        f"{base['server_ms']:>11.1f}{'yes' if base['jit_functions'] else 'no':>5}{1:>6}{'':>12}"
        f"  ({'parallel' if base['parallel'] else 'serial'} plan)",
    ]
    for r in m["queries"]:
        ok = "ok" if r["ratio"] <= GOAL_RATIO else "ABOVE"
        after = f"{r['after_full_ms']:.1f}" if "after_full_ms" in r else ""
        lines.append(
            f"  {r['query']:24}{r['span']:>6}{r['median_ms']:>11.1f}{r['ratio']:>7.2f}"
            f"{r['server_ms']:>11.1f}{'yes' if r['jit'] else 'no':>5}{r['statements']:>6}"
            f"{after:>12}"
            f"  {ok}"
        )
    d = m["digest"]
    ok = "ok" if d["median_ms"] < GOAL_DIGEST_S * 1000 else "ABOVE"
    lines += [
        f"  {'build_digest (warm)':24}{m['week']:>6}{d['median_ms']:>11.1f}{'':>7}"
        f"{d['server_ms']:>11.1f}{'':>5}{d['statements']:>6}{'':>12}  {ok} (< {GOAL_DIGEST_S:g} s)",
        "  server ms: EXPLAIN ANALYZE execution time summed over the call's statements (custom"
        " plans);",
        f"  after full: the week's median on a connection that first ran the full span {PRIME}"
        " times (prepared statement, plan cache)",
        f"  build_digest: one run {d['one_run_ms']} ms, of which SQL {d['sql_wall_ms_of_that_run']}"
        " ms; the rest renders the charts and the workbook",
        "  heaviest statements of the note (server ms): "
        + "; ".join(f"{h['server_ms']} {h['sql'][:60]}" for h in d["heaviest_statements"][:4]),
        "",
        "bare GROUP BY plan:",
        *(f"    {x}" for x in base["plan"]),
    ]
    for r in m["queries"]:
        for key, what in (("heaviest", "custom plan"), ("generic", "GENERIC plan")):
            h = r.get(key, {})
            if "plan" in h:
                lines += [
                    "",
                    f"{r['query']} [{r['span']}] (ratio {r['ratio']}): heaviest statement, {what},"
                    f" {h['server_ms']} ms on the server:",
                    f"    {h['sql']}",
                    *(f"    {x}" for x in h["plan"]),
                ]
    return lines


# ---- entry point ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m bench.reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--items", type=int, default=1_000_000, help="items to load")
    p.add_argument("--runs", type=int, default=7, help="timed runs of each query")
    p.add_argument("--seed", type=int, default=20261124, help="random seed of the data")
    p.add_argument("--keep", action="store_true", help="keep the loaded database afterwards")
    p.add_argument("--reuse", metavar="URL", help="measure a database kept by --keep, no load")
    return p.parse_args(argv)


@contextlib.asynccontextmanager
async def database(args: argparse.Namespace, progress: Progress) -> AsyncIterator[tuple[str, bool]]:
    """(url, needs loading): the --reuse database, or a scratch one (kept with --keep)."""
    if args.reuse:
        yield args.reuse, False
        return
    if not args.keep:
        async with temp_database("mcu_bench_reports") as url:
            progress(f"database {url.rsplit('/', 1)[1]} migrated to head")
            yield url, True
        return
    name = f"mcu_bench_reports_keep_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = pg_url(name)
    await upgrade_head_async(url)
    progress(f"database {name} migrated to head; kept: measure it again with --reuse {url}")
    yield url, True


async def describe(url: str) -> dict[str, Any]:
    """What the loaded table holds (for --reuse, where the load's own figures are gone)."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS items,"
            " pg_size_pretty(pg_total_relation_size('item')) AS table_size,"
            " pg_size_pretty(pg_relation_size('item')) AS heap_size,"
            " round(avg((answered_at IS NULL)::int), 4)::float AS open_share FROM item"
        )
    finally:
        await conn.close()
    return dict(row)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Create the database, load it, measure, drop it (unless --keep or --reuse)."""
    progress = Progress()
    figures: dict[str, Any] = {"started": datetime.now(UTC).isoformat(), "args": vars(args)}
    load_before = round(os.getloadavg()[0], 2)
    async with database(args, progress) as (url, fresh):
        engine = make_engine(url)
        try:
            muni = await (apply_setup if fresh else find_setup)(make_sessionmaker(engine))
            if fresh:
                figures["load"] = await load(url, muni, args.items, args.seed, progress)
            else:
                figures["load"] = await describe(url)
            figures["measure"] = await measure(url, muni.municipality_id, args.runs, progress)
        finally:
            await engine.dispose()
    figures["loadavg"] = [load_before, round(os.getloadavg()[0], 2)]
    figures["seconds"] = round(progress.elapsed, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the table and write bench/out/reports.json."""
    figures = asyncio.run(run(parse_args(argv)))
    path = write_json("reports", figures)
    lines = [*report(figures), f"total {figures['seconds']} s; figures in {path}"]
    print("\n".join(line.rstrip() for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
