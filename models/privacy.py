"""What 152-ФЗ and operations need kept beside the rest: the consent texts by version, the
processes' heartbeats (readiness), and dashboard sessions (the cookie holds a session id, not the
API token)."""

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from models.base import BigId, UTCDateTime


class ConsentText(SQLModel, table=True):
    """The exact text a citizen agreed to, by version: a consent row names its version."""

    version: str = Field(primary_key=True, max_length=32)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Heartbeat(SQLModel, table=True):
    """A long-running process (the worker, a bot runner) says it is alive, every few seconds."""

    name: str = Field(primary_key=True, max_length=64)
    beat_at: datetime = Field(sa_type=UTCDateTime)


class DashboardSession(SQLModel, table=True):
    """A dashboard login: the cookie carries a random id whose sha256 is kept here, tied to the
    token it was opened with (0: the bootstrap token), so revoking the token ends it at once."""

    id_hash: str = Field(primary_key=True, max_length=64)
    token_id: int = Field(sa_type=BigId, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
