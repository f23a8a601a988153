"""Weekly analytical notes: one row per municipality and week, with the files sent beside it."""

from datetime import date, datetime

from sqlalchemy import Column, Date, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, UTCDateTime


class Digest(SQLModel, table=True):
    """The note for one week (Monday to Sunday, local time); its row makes the weekly run once-only."""

    __table_args__ = (UniqueConstraint("municipality_id", "week_start"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=BigId)
    week_start: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=Text)
    recipients: int = 0  # staff the note was queued for


class DigestFile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    digest_id: int = Field(foreign_key="digest.id", index=True, sa_type=BigId)
    position: int
    name: str = Field(max_length=200)
    mime: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
