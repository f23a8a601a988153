"""Citizens, their channel identities and consent records (152-ФЗ)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, UTCDateTime
from models.enums import Channel


class Citizen(SQLModel, table=True):
    """Personal data lives here only; staff see it through the authenticated API, never in chat."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    created_at: datetime = Field(sa_type=UTCDateTime)
    name: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)  # postal: a 59-ФЗ reply address
    email: str | None = Field(default=None, max_length=254)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CitizenIdentity(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    citizen_id: int = Field(foreign_key="citizen.id", index=True, sa_type=BigId)
    channel: Channel
    external_id: str = Field(max_length=64)


class Consent(SQLModel, table=True):
    """Consent to an operator: the municipality's administration (None: given before
    municipalities were named, where the bot served one)."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    citizen_id: int = Field(foreign_key="citizen.id", index=True, sa_type=BigId)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", sa_type=BigId)
    text_version: str = Field(max_length=32)
    given_at: datetime = Field(sa_type=UTCDateTime)
    channel: Channel
    external_id: str = Field(max_length=64)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
