"""The migrations build exactly the tables the models declare, and 0017 goes down and up."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from models import metadata
from models.db import make_engine
from models.migrate import alembic_config
from tests.conftest import PG_ADMIN, pg_url


def _diffs(connection: Connection) -> list[Any]:
    ctx = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(ctx, metadata))


async def _drift_after_round_trip(url: str) -> tuple[list[Any], list[Any]]:
    """Diffs at head, then after going down to 0016 and up again."""
    cfg = alembic_config(url)
    out = []
    for steps in (("head",), ("0016", "head")):
        for target in steps:
            fn = command.downgrade if target == "0016" else command.upgrade
            await asyncio.to_thread(fn, cfg, target)
        engine = make_engine(url)
        async with engine.connect() as conn:
            out.append(await conn.run_sync(_diffs))
        await engine.dispose()
    return out[0], out[1]


async def test_sqlite_has_no_drift(tmp_path: Path) -> None:
    at_head, again = await _drift_after_round_trip(f"sqlite+aiosqlite:///{tmp_path}/m.db")
    assert at_head == [] and again == []


async def test_postgres_has_no_drift() -> None:
    name = f"mcu_mig_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        at_head, again = await _drift_after_round_trip(pg_url(name))
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
    assert at_head == [] and again == []
