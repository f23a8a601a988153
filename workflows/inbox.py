"""Inbound updates: saved before they are acknowledged, then claimed by chat — in order within a
chat, in parallel across chats, by any number of processes, one worker per chat at a time.

A claim is a lease on the oldest unprocessed row of a chat (`claimed_until`), taken only while
no other row of that chat is unprocessed before it. The worker renews the lease while it works
and clears it when it records the outcome; a worker that dies (kill -9) holds nothing open, and
its row comes back to the queue when the lease runs out. Postgres picks rows with
`FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on each other or take one row
twice; SQLite (one process) runs the same single statement under its write lock.
"""

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, cast, exists, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Inbox
from models.base import UTCDateTime

# Where a Telegram update names its chat (the Bot API's Update fields). Updates of one chat are
# handled in order; a callback from an inline message, an inline query and the like belong to
# the user's private chat (its id is the user's).
TELEGRAM_IN_CHAT = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
    "message_reaction",
    "message_reaction_count",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
TELEGRAM_FROM_USER = (
    "inline_query",
    "chosen_inline_result",
    "shipping_query",
    "pre_checkout_query",
)


@dataclass(frozen=True)
class ClaimedUpdate:
    """A saved update a worker holds: `claim` numbers the claims of the row (1 the first time)
    and identifies this one, so that only its holder renews it."""

    id: int
    update_id: str
    chat_key: str | None
    payload: dict[str, Any]
    claim: int


def get_chat_key(*, channel: Channel, payload: dict[str, Any]) -> str | None:
    """The chat an update belongs to (None: to no chat, it needs no order). A channel without
    a reader here gets one key for all its updates: handled one at a time, in order."""
    if channel is Channel.telegram:
        return _telegram_chat_key(payload)
    return str(channel)


def _telegram_chat_key(payload: dict[str, Any]) -> str | None:
    for kind in TELEGRAM_IN_CHAT:
        if isinstance(body := payload.get(kind), dict):
            return _id(body.get("chat"))
    if isinstance(query := payload.get("callback_query"), dict):
        message = query.get("message")
        return _id(message.get("chat") if isinstance(message, dict) else None) or _id(
            query.get("from")
        )
    for kind in TELEGRAM_FROM_USER:
        if isinstance(body := payload.get(kind), dict):
            return _id(body.get("from"))
    if isinstance(answer := payload.get("poll_answer"), dict):
        return _id(answer.get("voter_chat")) or _id(answer.get("user"))
    return None


def _id(entity: Any) -> str | None:
    value = entity.get("id") if isinstance(entity, dict) else None
    return str(value) if isinstance(value, int) else None


@contextlib.asynccontextmanager
async def _autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit, for one statement."""
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


def _table() -> Table:
    table: Table = Inbox.metadata.tables["inbox"]
    return table


@functools.cache
def _save_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect with parameters."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    table = _table()
    names = ("channel", "update_id", "chat_key", "payload", "received_at")
    return (
        insert(table)
        .values({c: bindparam(c) for c in names})
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
    """Save an inbound update with its chat's key; False when the same update id was saved
    before (a redelivery). One statement in autocommit: the webhook's hot path has no BEGIN,
    COMMIT or ORM."""
    params = {
        "channel": channel,
        "update_id": update_id,
        "chat_key": get_chat_key(channel=channel, payload=payload),
        "payload": payload,
        "received_at": now,
    }
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        row = await conn.execute(_save_statement(engine.dialect.name), params)
        return row.first() is not None


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """Lease the oldest unprocessed, unleased row that is the first unprocessed one of its chat
    (a chat whose first row is leased is being handled: none of its rows qualifies)."""
    t = _table()
    earlier = t.alias("earlier")
    first_of_chat = ~exists().where(
        earlier.c.channel == t.c.channel,
        earlier.c.chat_key == t.c.chat_key,
        earlier.c.processed_at.is_(None),
        earlier.c.id < t.c.id,
    )
    now = bindparam("claim_now", type_=UTCDateTime())
    pick = (
        core_select(t.c.id)
        .where(
            t.c.channel == bindparam("claim_channel", type_=t.c.channel.type),
            t.c.processed_at.is_(None),
            or_(t.c.claimed_until.is_(None), t.c.claimed_until < now),
            first_of_chat,
        )
        .order_by(t.c.id)
        .limit(1)
    )
    if dialect == "postgresql":  # claimers skip a row another one is taking right now
        pick = pick.with_for_update(skip_locked=True)
    return (
        update(t)
        .where(t.c.id == pick.scalar_subquery())
        .values(claimed_until=bindparam("claim_until", type_=UTCDateTime()), claims=t.c.claims + 1)
        .returning(t.c.id, t.c.update_id, t.c.chat_key, t.c.payload, t.c.claims)
    )


async def do_claim_update(
    engine: AsyncEngine, *, channel: Channel, now: datetime, lease: timedelta
) -> ClaimedUpdate | None:
    """Claim the next update of a chat that nobody is handling, for `lease`; None if there is
    none. One statement in autocommit."""
    params = {"claim_channel": channel, "claim_now": now, "claim_until": now + lease}
    async with _autocommit(engine) as conn:
        row = (await conn.execute(_claim_statement(engine.dialect.name), params)).first()
    if row is None:
        return None
    return ClaimedUpdate(row.id, row.update_id, row.chat_key, row.payload, row.claims)


async def do_renew_claim(
    engine: AsyncEngine, *, claimed: ClaimedUpdate, now: datetime, lease: timedelta
) -> bool:
    """Extend a claim still held; False if it was lost (it ran out and another worker took it)."""
    t = _table()
    statement = (
        update(t)
        .where(t.c.id == claimed.id, t.c.claims == claimed.claim, t.c.processed_at.is_(None))
        .values(claimed_until=now + lease)
    )
    async with _autocommit(engine) as conn:
        return (await conn.execute(statement)).rowcount == 1


async def do_finish_update(
    engine: AsyncEngine, *, inbox_id: int, now: datetime, error: str | None = None
) -> None:
    """Record that an update was handled (with its error, if it failed): the chat's next one
    becomes claimable."""
    t = _table()
    statement = (
        update(t)
        .where(t.c.id == inbox_id)
        .values(processed_at=now, claimed_until=None, error=error[:1000] if error else None)
    )
    async with _autocommit(engine) as conn:
        await conn.execute(statement)


async def do_release_claims(engine: AsyncEngine, *, channel: Channel) -> int:
    """Give back every lease at once: only for a database one process uses (SQLite), whose
    leases at start-up were left by that process's previous life."""
    t = _table()
    statement = (
        update(t)
        .where(t.c.channel == channel, t.c.processed_at.is_(None), t.c.claimed_until.is_not(None))
        .values(claimed_until=None)
    )
    async with _autocommit(engine) as conn:
        return int((await conn.execute(statement)).rowcount)


async def get_unprocessed(session: AsyncSession, *, channel: Channel, limit: int) -> list[Inbox]:
    """Saved updates not yet handled, oldest first."""
    rows = await session.exec(
        select(Inbox)
        .where(Inbox.channel == channel, col(Inbox.processed_at).is_(None))
        .order_by(col(Inbox.id))
        .limit(limit)
    )
    return list(rows)


async def get_last_update_id(session: AsyncSession, *, channel: Channel) -> int | None:
    """The highest numeric update id saved (update ids are stored as text: compare as numbers)."""
    query = select(func.max(cast(Inbox.update_id, BigInteger))).where(Inbox.channel == channel)
    value = (await session.exec(query)).one()
    return int(value) if value is not None else None
