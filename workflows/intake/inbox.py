"""Inbound updates: saved before they are acknowledged, with the key of the chat they belong to;
then claimed by chat (workflows/intake/claims.py), deduplicated by channel and update id."""

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, cast
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Inbox
from workflows.core.dialect import insert_for

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


def get_chat_key(*, channel: Channel, payload: dict[str, Any]) -> str | None:
    """The chat an update belongs to (None: to no chat, it needs no order). A channel without
    a reader here gets one key for all its updates: handled one at a time, in order."""
    if channel is Channel.telegram:
        return _telegram_chat_key(payload)
    if channel is Channel.vk:
        return _vk_chat_key(payload)
    return str(channel)


def _vk_chat_key(payload: dict[str, Any]) -> str | None:
    """A VK event's conversation within its community: "<group id>:<peer id>"."""
    obj, group = payload.get("object"), payload.get("group_id")
    if not isinstance(obj, dict) or not isinstance(group, int):
        return None
    body = obj.get("message") if isinstance(obj.get("message"), dict) else obj
    peer = body.get("peer_id") if isinstance(body, dict) else None
    if not isinstance(peer, int):
        peer = obj.get("user_id")  # events about a person (a join, a denial of messages)
    return f"{group}:{peer}" if isinstance(peer, int) else None


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


def get_vk_update_id(payload: dict[str, Any]) -> str | None:
    """A VK event's identity in the inbox: its community and VK's event_id (redeliveries share
    it); None when the body is not a VK event."""
    group, event = payload.get("group_id"), payload.get("event_id")
    if not isinstance(group, int) or isinstance(group, bool) or not isinstance(event, str):
        return None
    if not 0 < len(event) <= 50:
        return None
    return f"{group}:{event}"


def _table() -> Table:
    table: Table = Inbox.metadata.tables["inbox"]
    return table


@functools.cache
def _save_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect with parameters."""
    table = _table()
    names = ("channel", "update_id", "chat_key", "payload", "received_at")
    return (
        insert_for(dialect)(table)
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


async def get_unprocessed(session: AsyncSession, *, channel: Channel, limit: int) -> list[Inbox]:
    """Saved updates not yet handled, oldest first."""
    rows = await session.exec(
        select(Inbox)
        .where(Inbox.channel == channel, col(Inbox.processed_at).is_(None))
        .order_by(col(Inbox.id))
        .limit(limit)
    )
    return list(rows)


async def get_last_update_id(
    session: AsyncSession, *, channel: Channel, prefix: str = ""
) -> int | None:
    """The highest numeric update id saved (update ids are stored as text: compare as numbers).
    With a prefix ("<bot id>:"), among that bot's; without, among ids that have none."""
    if prefix:
        number = func.substr(Inbox.update_id, len(prefix) + 1)
        query = select(func.max(cast(number, BigInteger))).where(
            Inbox.channel == channel, col(Inbox.update_id).startswith(prefix, autoescape=True)
        )
    else:
        query = select(func.max(cast(Inbox.update_id, BigInteger))).where(
            Inbox.channel == channel, col(Inbox.update_id).not_like("%:%")
        )
    value = (await session.exec(query)).one()
    return int(value) if value is not None else None
