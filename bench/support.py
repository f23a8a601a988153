"""Shared bench helpers: a throwaway database, a shifted real-time clock, progress and figures."""

import asyncio
import contextlib
import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
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


def free_port() -> int:
    """A TCP port on the loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def redis_ping(port: int) -> bool:
    """True if a Redis on 127.0.0.1:port answers PING."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        return (await asyncio.wait_for(reader.readline(), 1.0)).startswith(b"+PONG")
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[str]:
    """A throwaway redis-server (no persistence) on a free loopback port; its URL. The server is
    this bench's own child process and is stopped on exit, also on error."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not on PATH")
    with tempfile.TemporaryDirectory(prefix="mcu_bench_redis_") as workdir:
        port = free_port()
        args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        args += ["no", "--daemonize", "no", "--dir", workdir]
        proc = subprocess.Popen(
            args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 10.0
            while not await redis_ping(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"private redis-server on port {port} did not start")
                await asyncio.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


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


def print_report(
    name: str,
    figures: dict[str, Any],
    sections: Sequence[tuple[str, Callable[[dict[str, Any]], list[str]]]],
) -> Path:
    """Write bench/out/<name>.json and print each measured figure's section, then the total."""
    path = write_json(name, figures)
    lines = ["", f"=== {name} bench ==="]
    for key, report in sections:
        if key in figures:
            lines += report(figures[key])
    lines.append(f"total {figures['seconds']} s; figures in {path}")
    print("\n".join(line.rstrip() for line in lines))
    return path
