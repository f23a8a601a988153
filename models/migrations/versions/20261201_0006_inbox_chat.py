"""inbox claimed by chat: chat key, lease, claim count, queue indexes

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-01 09:00:00

Saved updates are claimed by chat (in order within a chat, in parallel across chats, by any
number of bot processes): each row carries its chat's key, a lease (`claimed_until`) and how
many times it was claimed. The queue indexes cover only unprocessed rows, so claiming does
not grow with history. Unprocessed rows saved before this revision get their chat key here;
processed ones keep NULL (nobody reads it for them).

Another branch adds a 0005 on top of 0004; this one is self-contained, to be rechained.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0006"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "processed_at IS NULL"
# Where a Telegram update names its chat, as workflows.intake.inbox reads it at this revision (copied:
# a migration must not change when the code does).
IN_CHAT = (
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
FROM_USER = ("inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query")


def telegram_chat_key(payload: dict[str, Any]) -> str | None:
    for kind in IN_CHAT:
        if isinstance(body := payload.get(kind), dict):
            return _id(body.get("chat"))
    if isinstance(query := payload.get("callback_query"), dict):
        message = query.get("message")
        return _id(message.get("chat") if isinstance(message, dict) else None) or _id(
            query.get("from")
        )
    for kind in FROM_USER:
        if isinstance(body := payload.get(kind), dict):
            return _id(body.get("from"))
    if isinstance(answer := payload.get("poll_answer"), dict):
        return _id(answer.get("voter_chat")) or _id(answer.get("user"))
    return None


def _id(entity: Any) -> str | None:
    value = entity.get("id") if isinstance(entity, dict) else None
    return str(value) if isinstance(value, int) else None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chat_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_until", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("claims", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_inbox_queue",
            ["channel", "id"],
            unique=False,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
        batch_op.create_index(
            "ix_inbox_chat_queue",
            ["channel", "chat_key", "id"],
            unique=False,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
    inbox = sa.table(
        "inbox",
        sa.column("id", sa.BigInteger()),
        sa.column("channel", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("chat_key", sa.String()),
        sa.column("processed_at", models.base.UTCDateTime()),
    )
    conn = op.get_bind()
    pending = conn.execute(
        sa.select(inbox.c.id, inbox.c.payload).where(
            inbox.c.processed_at.is_(None), sa.cast(inbox.c.channel, sa.String) == "telegram"
        )
    ).all()
    keys = [
        {"row": r.id, "key": key}
        for r in pending
        if isinstance(r.payload, dict) and (key := telegram_chat_key(r.payload)) is not None
    ]
    if keys:
        conn.execute(
            inbox.update()
            .where(inbox.c.id == sa.bindparam("row"))
            .values(chat_key=sa.bindparam("key")),
            keys,
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_chat_queue")
        batch_op.drop_index("ix_inbox_queue")
        batch_op.drop_column("claims")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("chat_key")
