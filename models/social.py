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


class Publish(StrEnum):
    """Whether an incident's answer is published under the post as the community's comment."""

    off = "off"  # never: staff answer the residents themselves
    approve = "approve"  # after the operator or the head approves the text
    auto = "auto"  # as soon as the answer is given


class ReplyStatus(StrEnum):
    """An answer to be published under a post, on its way."""

    awaiting = "awaiting"  # waits for the operator's or the head's approval
    approved = "approved"  # to be sent
    sent = "sent"
    failed = "failed"  # VK refused it for good (post deleted, comments closed): staff decide
    declined = "declined"  # the approver or the operator chose not to publish


class SocialMonitor(SQLModel, table=True):
    """A municipality's monitoring setup: the public walls it watches (`sources`: a list of
    {owner_id, name, read}), its extra keywords, the candidate threshold, the first backfill;
    `accept_above` a score from which a candidate is accepted without the operator (None: the
    operator decides every one); `publish` what becomes of an incident's answer."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", unique=True, sa_type=BigId)
    sources: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonType)
    keywords: list[str] = Field(default_factory=list, sa_type=JsonType)
    threshold: float = 0.5
    backfill_days: int = 3
    active: bool = True
    accept_above: float | None = None
    publish: Publish = Field(
        default=Publish.approve, max_length=16, sa_column_kwargs={"server_default": "approve"}
    )


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
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True, sa_type=BigId)
    # Who accepted or dismissed it and when; `auto`: accepted by the score, no one decided.
    decided_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigId)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    auto: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})
    created_at: datetime = Field(sa_type=UTCDateTime)


class SocialReply(SQLModel, table=True):
    """An incident's answer to be published as the community's comment under its first post:
    the wall-side outbox, one row per answer given (`answer_version` is the item's version
    after the answer), `guid` sent to VK so a retried send posts one comment."""

    __table_args__ = (UniqueConstraint("item_id", "answer_version"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    item_id: int = Field(foreign_key="item.id", sa_type=BigId)
    answer_version: int
    owner_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    post_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reply_to_comment: int | None = Field(default=None, sa_column=Column(BigInteger))
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ReplyStatus = Field(max_length=16, index=True)
    guid: str = Field(unique=True, max_length=64)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)  # why VK refused, in Russian
    decided_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigId)
    comment_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # VK's, once sent
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
