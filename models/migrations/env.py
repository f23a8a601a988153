"""Alembic environment: runs migrations through the async engine (asyncpg or aiosqlite)."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import models  # noqa: F401  (registers every table on the metadata)
from models.base import metadata
from models.db import make_engine

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_main())
