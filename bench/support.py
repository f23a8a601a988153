"""Shared bench helpers: a throwaway database, a shifted real-time clock, progress and figures."""

import contextlib
import json
import math
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from models.migrate import upgrade_head_async

PG_ADMIN = os.environ.get("MCU_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
OUT_DIR = Path(__file__).parent / "out"


class ShiftedClock:
    """Real time at real speed, but starting at a fixed moment (e.g. a working weekday morning)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """The fixed start plus the real time elapsed since this clock was made."""
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class Progress:
    """Prints progress lines stamped with the seconds since the bench started."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the bench started."""
        return time.monotonic() - self._t0

    def __call__(self, message: str) -> None:
        """Print one progress line."""
        print(f"[{self.elapsed:7.1f}s] {message}", flush=True)


def pg_url(database: str) -> str:
    """The admin URL pointed at another database on the same server."""
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


@contextlib.asynccontextmanager
async def temp_database(prefix: str = "mcu_bench") -> AsyncIterator[str]:
    """A fresh database migrated to head by Alembic; dropped on exit, also on error."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        url = pg_url(name)
        await upgrade_head_async(url)
        yield url
    finally:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def write_json(name: str, data: dict[str, Any]) -> Path:
    """Write a bench's figures to bench/out/<name>.json; returns the path."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
