"""Public social-network posts watched for incidents, and what each municipality watches."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, JsonType, UTCDateTime


class SocialStatus(StrEnum):
    """A stored post's state: above the threshold it waits for the operator."""

    candidate = "candidate"
    accepted = "accepted"
    dismissed = "dismissed"
    ignored = "ignored"  # scored below the threshold


class SocialMonitor(SQLModel, table=True):
    """A municipality's monitoring setup: the public walls it watches (`sources`: a list of
    {owner_id, name, read}), its extra keywords, the candidate threshold, the first backfill."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", unique=True, sa_type=BigId)
    sources: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonType)
    keywords: list[str] = Field(default_factory=list, sa_type=JsonType)
    threshold: float = 0.5
    backfill_days: int = 3
    active: bool = True


class SocialPost(SQLModel, table=True):
    """A post or comment read from a watched wall, scored; `comment_id` 0 is the post itself
    (a NULL would not deduplicate in a unique constraint)."""

    __table_args__ = (UniqueConstraint("municipality_id", "owner_id", "post_id", "comment_id"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=BigId)  # the unique's lead
    owner_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    post_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    comment_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    source: str = Field(max_length=300)
    posted_at: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(max_length=500)
    score: float
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonType)
    status: SocialStatus = Field(index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", sa_type=BigId)
    created_at: datetime = Field(sa_type=UTCDateTime)
