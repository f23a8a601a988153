"""Run Alembic migrations programmatically (CLI, tests and the embedded start all use this)."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade_head(url: str) -> None:
    """Bring the database to the newest schema (idempotent)."""
    command.upgrade(alembic_config(url), "head")


async def upgrade_head_async(url: str) -> None:
    """The same from inside a running event loop (Alembic's env starts its own loop)."""
    await asyncio.to_thread(upgrade_head, url)
