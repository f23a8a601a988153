"""Heartbeats: each long-running process (the worker, a bot runner) upserts its row every few
seconds, so that the readiness check sees it is alive; a process stopped on purpose removes its
row, one that died leaves a row that goes stale. A beat that reached the database also touches
a local file, which a container's healthcheck reads without starting Python's whole stack."""

import asyncio
import contextlib
import logging
import socket
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Heartbeat
from workflows.core.clock import Clock
from workflows.core.dialect import insert_for

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=30)  # six beats missed: the process is stuck or gone
PRUNE_AFTER = timedelta(days=1)  # rows of processes gone for good (replaced containers)
WORKER, BOT = "worker", "bot"


def alive_file(role: str) -> Path:
    """The file a process of this role touches on every beat (its container's healthcheck)."""
    return Path(tempfile.gettempdir()) / f"mcu-{role}.alive"


def process_name(role: str) -> str:
    """This process's heartbeat name: its role and host (a container's id under compose), so
    that several workers each have a row and a container's healthcheck finds its own."""
    return f"{role}:{socket.gethostname()}"[:64]


async def do_beat(sm: async_sessionmaker[AsyncSession], *, name: str, now: datetime) -> None:
    """Upsert this process's row; drop rows of processes silent for a day."""
    async with sm() as s:
        stmt = insert_for(s)(Heartbeat).values(name=name, beat_at=now)
        await s.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now}))
        await s.execute(delete(Heartbeat).where(col(Heartbeat.beat_at) < now - PRUNE_AFTER))
        await s.commit()


async def do_forget(sm: async_sessionmaker[AsyncSession], *, name: str) -> None:
    """A process stopping on purpose: its absence is no failure."""
    async with sm() as s:
        await s.execute(delete(Heartbeat).where(col(Heartbeat.name) == name))
        await s.commit()


async def get_beats(session: AsyncSession, *, role: str) -> list[Heartbeat]:
    """The rows of every process of this role, the latest first."""
    rows = await session.exec(
        select(Heartbeat)
        .where(col(Heartbeat.name).startswith(role + ":"))
        .order_by(col(Heartbeat.beat_at).desc())
    )
    return list(rows)


def is_fresh(beat: Heartbeat | None, now: datetime) -> bool:
    return beat is not None and now - beat.beat_at <= STALE_AFTER


def _touch(path: Path | None, *, remove: bool = False) -> None:
    """A local file's mtime, for the healthcheck (a microsecond: no thread needed)."""
    if path is None:
        return
    if remove:
        path.unlink(missing_ok=True)
    else:
        path.touch()


async def beat_until(
    sm: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    name: str,
    stop: asyncio.Event,
    every: float = HEARTBEAT_SECONDS,
    alive: Path | None = None,
) -> None:
    """Beat until `stop` is set (or the task is cancelled), then remove the row (and the file)."""
    try:
        while not stop.is_set():
            try:
                await do_beat(sm, name=name, now=clock.now())
                _touch(alive)
            except Exception as e:  # the database is away: beat again next round
                log.warning("сигнал «жив» не записан: %s", type(e).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
    finally:
        _touch(alive, remove=True)
        try:
            await asyncio.shield(do_forget(sm, name=name))
        except Exception as e:
            log.warning("сигнал «жив» не снят: %s", type(e).__name__)
