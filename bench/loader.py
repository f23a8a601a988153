"""Bulk loading for benches: open items with pending timers, and timer history, by COPY."""

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.support import Progress
from models import DeadlinePolicy, Sector, Staff
from tests.fixtures import TEST_SETUP
from workflows.core.clock import Clock
from workflows.items.timers import step_kind
from workflows.setup.apply import check_apply_setup

ITEM_COLUMNS = (
    "id",
    "municipality_id",
    "number",
    "kind",
    "status",
    "channel",
    "sector_id",
    "text",
    "assignee_id",
    "policy_id",
    "registered_at",
    "take_due_at",
    "due_at",
    "extensions",
    "version",
    "updated_at",
)
TIMER_COLUMNS = (
    "id",
    "item_id",
    "kind",
    "due_at",
    "anchor_at",
    "item_version",
    "status",
    "fired_at",
)
OVERDUE = step_kind("overdue")  # a real rung of the default ladder: tells sector_lead and head
CHUNK = 100_000
HISTORY_BASE = 1_000_000_000  # history timer ids start here, above every open item's id
ITEM_TEXT = "Нет воды в селе (нагрузочный тест)"


@dataclass(frozen=True)
class Muni:
    """Ids from the applied TEST_SETUP that the loaded rows point at."""

    municipality_id: int
    policy_id: int
    assignee_id: int
    sector_id: int


async def apply_test_setup(sm: async_sessionmaker[AsyncSession], clock: Clock) -> Muni:
    """Apply TEST_SETUP and return the msg policy, the `water` staff and its zhkh sector."""
    async with sm() as s:
        report = await check_apply_setup(s, text=TEST_SETUP, clock=clock)
        mid = report.municipality_id
        policy = (
            await s.exec(
                select(DeadlinePolicy).where(
                    DeadlinePolicy.municipality_id == mid, DeadlinePolicy.code == "msg"
                )
            )
        ).one()
        water = (
            await s.exec(select(Staff).where(Staff.municipality_id == mid, Staff.code == "water"))
        ).one()
        sector = (
            await s.exec(select(Sector).where(Sector.municipality_id == mid, Sector.code == "zhkh"))
        ).one()
    assert policy.id and water.id and sector.id
    return Muni(mid, policy.id, water.id, sector.id)


def item_row(m: Muni, item_id: int, due: datetime, now: datetime) -> tuple[Any, ...]:
    """An assigned message on paper, registered five days before `now`, due at `due`."""
    registered = now - timedelta(days=5)
    return (
        item_id,
        m.municipality_id,
        f"B{item_id:010d}",
        "message",
        "assigned",
        "paper",
        m.sector_id,
        ITEM_TEXT,
        m.assignee_id,
        m.policy_id,
        registered,
        registered + timedelta(hours=4),
        due,
        0,
        1,
        registered,
    )


def pending_timer_row(item_id: int, due: datetime) -> tuple[Any, ...]:
    """The item's pending overdue timer (its id is the item's id), anchored at the deadline."""
    return (item_id, item_id, OVERDUE, due, due, 1, "pending", None)


def done_timer_row(timer_id: int, item_id: int, at: datetime) -> tuple[Any, ...]:
    """A timer fired long ago: history that must not slow the search for due ones."""
    return (timer_id, item_id, OVERDUE, at, at, 1, "done", at)


@contextlib.asynccontextmanager
async def bulk_connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection that skips FK triggers (the rows are consistent by construction)."""
    conn = await asyncpg.connect(url)
    try:
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
        yield conn
    finally:
        await conn.close()


async def copy_chunks(
    conn: asyncpg.Connection,
    table: str,
    columns: tuple[str, ...],
    rows: Iterator[tuple[Any, ...]],
    total: int,
    progress: Progress,
) -> None:
    """COPY rows into a table in chunks, printing a progress line per chunk."""
    done, t0 = 0, time.monotonic()
    while chunk := list(islice(rows, CHUNK)):
        await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
        done += len(chunk)
        rate = done / max(time.monotonic() - t0, 1e-9)
        progress(f"  COPY {table}: {done:,}/{total:,} rows ({rate:,.0f} rows/s)")


async def load_open(
    conn: asyncpg.Connection,
    m: Muni,
    *,
    first: int,
    count: int,
    due_of: Callable[[int], datetime],
    now: datetime,
    progress: Progress,
) -> None:
    """Items first..first+count-1, each with one pending overdue timer due at `due_of(id)`."""
    ids = range(first, first + count)
    await copy_chunks(
        conn, "item", ITEM_COLUMNS, (item_row(m, i, due_of(i), now) for i in ids), count, progress
    )
    await copy_chunks(
        conn,
        "timer",
        TIMER_COLUMNS,
        (pending_timer_row(i, due_of(i)) for i in ids),
        count,
        progress,
    )
    await sync_sequences(conn)


async def load_history(
    conn: asyncpg.Connection, *, count: int, items: int, at: datetime, progress: Progress
) -> None:
    """`count` done timers spread over items 1..items, fired at `at`."""
    rows = (done_timer_row(HISTORY_BASE + k, 1 + k % items, at) for k in range(count))
    await copy_chunks(conn, "timer", TIMER_COLUMNS, rows, count, progress)


async def drop_history(conn: asyncpg.Connection) -> None:
    """Delete the history timers again and vacuum them away."""
    await conn.execute("DELETE FROM timer WHERE id >= $1", HISTORY_BASE)
    await vacuum(conn, "timer")


async def sync_sequences(conn: asyncpg.Connection) -> None:
    """Move the item id sequence past the copied ids so ORM inserts do not collide."""
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('item', 'id'), (SELECT max(id) FROM item))"
    )


async def vacuum(conn: asyncpg.Connection, *tables: str) -> None:
    """VACUUM ANALYZE the tables (fresh statistics and visibility map, as autovacuum would)."""
    await conn.execute(f"VACUUM ANALYZE {', '.join(tables)}")


async def truncate_work(conn: asyncpg.Connection) -> None:
    """Empty items, timers, events and the outbox; the municipality's setup stays."""
    await conn.execute("TRUNCATE item, timer, itemevent, outbox RESTART IDENTITY CASCADE")
