"""Rows that drive execution: timers, the inbound inbox and the outbound outbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import BigId, JsonType, UTCDateTime
from models.enums import Channel, OutboxStatus, TimerStatus


class Timer(SQLModel, table=True):
    """A planned escalation, reminder or auto-close; fired once, by whichever poller claims it."""

    __table_args__ = (
        # Only pending rows are indexed, so finding due timers does not grow with history.
        Index(
            "ix_timer_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_timer_item", "item_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    item_id: int = Field(foreign_key="item.id", sa_type=BigId)
    kind: str = Field(max_length=32)
    due_at: datetime = Field(sa_type=UTCDateTime)
    anchor_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the deadline it serves
    item_version: int
    status: TimerStatus = TimerStatus.pending
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A timer whose firing failed waits (due_at moves on, the wait doubling each time) and is
    # tried again; after MCU_TIMER_MAX_ATTEMPTS failures it is parked.
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, max_length=500)  # never SQL or personal data
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Inbox(SQLModel, table=True):
    """Inbound updates saved before they are acknowledged; deduplicated by channel and update id.
    Claimed by chat: a chat's updates are handled one at a time in arrival order, different
    chats' in parallel, by any number of processes (workflows/intake/)."""

    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        # Only unprocessed rows are indexed, so claiming does not grow with history: the queue
        # in arrival order, and each chat's queue (is this row the oldest of its chat?).
        Index(
            "ix_inbox_queue",
            "channel",
            "id",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
        Index(
            "ix_inbox_chat_queue",
            "channel",
            "chat_key",
            "id",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    channel: Channel
    update_id: str = Field(max_length=64)
    # The chat the update belongs to (None: it belongs to none and needs no order).
    chat_key: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = Field(sa_type=JsonType)
    received_at: datetime = Field(sa_type=UTCDateTime)
    # A worker's claim: nobody else takes the row before this moment; renewed while it works,
    # so a worker that died (kill -9) gives the row back when its lease runs out.
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claims: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=1000)


class Outbox(SQLModel, table=True):
    """Outbound notifications; the sender delivers them at least once, rate-limited."""

    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int | None = Field(default=None, sa_type=BigId)
    dedup_key: str | None = Field(default=None, unique=True, max_length=128)
    channel: Channel
    chat_id: str = Field(max_length=64)
    staff_id: int | None = Field(default=None, sa_type=BigId)
    citizen_id: int | None = Field(default=None, sa_type=BigId)
    item_id: int | None = Field(default=None, sa_type=BigId)
    kind: str = Field(max_length=48)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    urgent: bool = False
    status: OutboxStatus = OutboxStatus.pending
    attempts: int = 0
    # A notice sent as several messages (an answer's parts, photos, the question after them):
    # how many a try already delivered, so that a retry goes on from there.
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)  # dead rows: when given up
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
