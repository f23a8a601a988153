"""Inbound updates: saved before they are acknowledged, processed once, in order."""

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Inbox
from workflows.core.dialect import insert_for


@functools.cache
def _save_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect with parameters."""
    table = Inbox.metadata.tables["inbox"]
    return (
        insert_for(dialect)(table)
        .values({c: bindparam(c) for c in ("channel", "update_id", "payload", "received_at")})
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(table.c.id)
    )


async def do_save_update(
    engine: AsyncEngine,
    *,
    channel: Channel,
    update_id: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Save an inbound update; False when the same update id was saved before (a redelivery).
    One statement in autocommit: the webhook's hot path has no BEGIN, COMMIT or ORM."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        params = {
            "channel": channel,
            "update_id": update_id,
            "payload": payload,
            "received_at": now,
        }
        row = await conn.execute(_save_statement(engine.dialect.name), params)
        return row.first() is not None


async def get_unprocessed(session: AsyncSession, *, channel: Channel, limit: int) -> list[Inbox]:
    """Saved updates not yet handled, oldest first (a chat's updates keep their order)."""
    rows = await session.exec(
        select(Inbox)
        .where(Inbox.channel == channel, col(Inbox.processed_at).is_(None))
        .order_by(col(Inbox.id))
        .limit(limit)
    )
    return list(rows)


async def do_mark_processed(
    session: AsyncSession, *, inbox_id: int, now: datetime, error: str | None = None
) -> None:
    """Record that an update was handled (or failed with `error`); the caller commits."""
    await session.execute(
        update(Inbox)
        .where(col(Inbox.id) == inbox_id)
        .values(processed_at=now, error=error[:1000] if error else None)
    )


async def get_last_update_id(session: AsyncSession, *, channel: Channel) -> int | None:
    """The highest numeric update id saved (update ids are stored as text: compare as numbers)."""
    query = select(func.max(cast(Inbox.update_id, BigInteger))).where(Inbox.channel == channel)
    value = (await session.exec(query)).one()
    return int(value) if value is not None else None
