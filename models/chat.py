"""What chat channels need kept: attachments, staff cards to edit in place, dialog state."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, JsonType, UTCDateTime
from models.enums import Channel


class Attachment(SQLModel, table=True):
    """A photo, voice message or file sent with an item, kept as the channel's file id (VK's
    are the URLs VK gave for them, which can be long)."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    item_id: int = Field(foreign_key="item.id", index=True, sa_type=BigId)
    channel: Channel
    kind: str = Field(max_length=16)  # photo, voice, document, video
    file_id: str = Field(max_length=2048)
    from_citizen: bool = True
    added_at: datetime = Field(sa_type=UTCDateTime)


class StaffCard(SQLModel, table=True):
    """The message that shows an item to a staff member; edited in place as the item moves."""

    __table_args__ = (UniqueConstraint("item_id", "staff_id"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    item_id: int = Field(foreign_key="item.id", index=True, sa_type=BigId)
    staff_id: int = Field(foreign_key="staff.id", sa_type=BigId)
    channel: Channel
    chat_id: str = Field(max_length=64)
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    has_photo: bool = False  # a photo card is edited through its caption
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DialogState(SQLModel, table=True):
    """A chat dialog's state and data (the bot's FSM), kept in the database like all else."""

    key: str = Field(primary_key=True, max_length=200)
    state: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ChannelCursor(SQLModel, table=True):
    """Where reading a channel's stream got to (a VK long poll's `ts`), so that a restart goes
    on from there instead of losing what came meanwhile."""

    key: str = Field(primary_key=True, max_length=128)
    value: str = Field(max_length=256)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ChannelBot(SQLModel, table=True):
    """A bot a municipality's setup names: a Telegram bot or a VK community, with its secrets by
    reference (`env:NAME` or `file:/path`), never their values. Several municipalities naming
    the same bot (the same `key`) share it: it asks the citizen which one they write about."""

    __table_args__ = (UniqueConstraint("municipality_id", "channel"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    channel: Channel
    key: str = Field(max_length=128, index=True)  # "vk:<group id>" or the token's reference
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)
    active: bool = True
