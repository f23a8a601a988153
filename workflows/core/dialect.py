"""The database's own INSERT, the one that knows ON CONFLICT: Postgres in production, SQLite
embedded."""

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

Bind = AsyncSession | AsyncEngine | AsyncConnection | str
Insert = postgresql.Insert | sqlite.Insert


def dialect_of(bind: Bind) -> str:
    """The dialect's name ("postgresql", "sqlite") of a session, an engine, a connection, or
    the name itself; a session bound to nothing is taken for Postgres."""
    if isinstance(bind, str):
        return bind
    if isinstance(bind, AsyncSession):
        return bind.bind.dialect.name if bind.bind else "postgresql"
    return bind.dialect.name


def insert_for(bind: Bind) -> Callable[[Any], Insert]:
    """`insert` of the bind's dialect, for INSERT … ON CONFLICT (upserts and deduplication)."""
    name = dialect_of(bind)
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"база данных {name} не поддерживается: нужны PostgreSQL или SQLite")
