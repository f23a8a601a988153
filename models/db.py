"""Engines and sessions for Postgres (asyncpg) and the embedded SQLite (aiosqlite)."""

import logging
import sys
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def normalize_url(url: str) -> str:
    """Accept plain postgres:// and sqlite:// URLs and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the API read while the in-process worker writes; busy_timeout waits for the lock.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine with the pragmas and pool settings each backend needs. Statement
    parameters never appear in errors or logs (they hold citizens' names, addresses, texts)."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A pool as large as the expected concurrency: connections opened and closed under load
    # cost more than the queries. No pre-ping (three statements per checkout); stale
    # connections are recycled and a failed one is invalidated by SQLAlchemy.
    kwargs.setdefault("pool_size", 30)
    kwargs.setdefault("max_overflow", 0)  # overflow connections are closed after each use
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# SQLSTATE classes of a database that is not there for us right now: connection exceptions,
# too many connections, the server shutting down or starting up, the database missing.
OUTAGE_SQLSTATES = ("08", "53", "57P", "3D000")
DRIVERS = ("asyncpg", "aiosqlite", "sqlalchemy", "sqlite3")


def is_db_outage(error: BaseException) -> bool:
    """Whether this error means the database cannot be reached (down, restarting, its
    connections cut), not that a statement was wrong: the first is a 503, the second a bug."""
    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, exc.DBAPIError):
            code = str(getattr(e.orig, "sqlstate", None) or getattr(e.orig, "pgcode", "") or "")
            if e.connection_invalidated or isinstance(e, exc.OperationalError | exc.InterfaceError):
                return True
            if code.startswith(OUTAGE_SQLSTATES):
                return True
        elif isinstance(e, exc.TimeoutError | exc.DisconnectionError):
            return True  # the pool had no connection to give in time
        elif isinstance(e, OSError | TimeoutError) and _raised_in_driver(e):
            return True  # refused, unreachable, timed out while connecting
        e = e.__cause__ or e.__context__
    return False


def _raised_in_driver(error: BaseException) -> bool:
    """An OSError from inside the database driver, not from, say, writing a report file."""
    tb = error.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(DRIVERS):
            return True
        tb = tb.tb_next
    return False


def log_failure(log: logging.Logger, what: str) -> None:
    """Inside `except`: a database outage is one short line (a loop meets it on every round),
    anything else its traceback."""
    error = sys.exc_info()[1]
    if error is not None and is_db_outage(error):
        log.warning("%s: база данных недоступна (%s)", what, type(error).__name__)
    else:
        log.exception(what)
