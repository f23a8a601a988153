"""Work items (messages, 59-ФЗ appeals, incidents) and their append-only audit trail."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import BigId, JsonType, UTCDateTime
from models.enums import OPEN_STATUSES, ActorKind, Channel, ItemKind, ItemStatus

MAX_TEXT = 10_000
# The partial index of the open backlog; report queries repeat this list literally to use it.
OPEN_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)) + ")"
# …and of the items waiting for the head's decision: untriaged, reopened, extension asked.
DECISION_SQL = (
    f"status IN ('new', 'reopened') OR extension_requested_days IS NOT NULL AND {OPEN_SQL}"
)

# What the report queries aggregate over the items answered in a period. Not sector_id: only
# the sector rating of a week needs it, and with it the index would serve any count by sector.
ANSWERED_INCLUDE = ["answer_wsec", "due_at", "solved", "rating", "reopens", "assignee_id"]


class Item(SQLModel, table=True):
    __table_args__ = (
        Index("ix_item_muni_status", "municipality_id", "status"),
        Index("ix_item_assignee_status", "assignee_id", "status"),
        # Reports select a period by one of these moments within a municipality; on Postgres
        # the indexes carry what the report queries aggregate (migration 0004).
        Index(
            "ix_item_muni_registered",
            "municipality_id",
            "registered_at",
            postgresql_include=["channel", "kind"],
        ),
        Index(
            "ix_item_muni_taken", "municipality_id", "taken_at", postgresql_include=["take_wsec"]
        ),
        Index(
            "ix_item_muni_answered",
            "municipality_id",
            "answered_at",
            postgresql_include=ANSWERED_INCLUDE,
        ),
        Index("ix_item_muni_closed", "municipality_id", "closed_at"),
        Index("ix_item_muni_reopened", "municipality_id", "reopened_at"),
        Index(
            "ix_item_muni_assignee_wsec",
            "municipality_id",
            "assignee_id",
            "answer_wsec",
            postgresql_include=["answered_at"],
        ),
        # The open backlog (open now, overdue now) of a municipality, by deadline.
        Index(
            "ix_item_open",
            "municipality_id",
            "due_at",
            postgresql_include=["assignee_id", "sector_id"],
            postgresql_where=text(OPEN_SQL),
            sqlite_where=text(OPEN_SQL),
        ),
        Index(
            "ix_item_decision",
            "municipality_id",
            "registered_at",
            postgresql_where=text(DECISION_SQL),
            sqlite_where=text(DECISION_SQL),
        ),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=BigId)
    number: str = Field(unique=True, max_length=32)
    # The dialog draft a chat registered it from: a redelivery or a double tap finds it here.
    intake_key: str | None = Field(default=None, unique=True, max_length=120)
    kind: ItemKind
    status: ItemStatus
    channel: Channel
    citizen_id: int | None = Field(default=None, foreign_key="citizen.id", sa_type=BigId)
    sector_id: int | None = Field(default=None, foreign_key="sector.id", sa_type=BigId)
    locality_id: int | None = Field(default=None, foreign_key="locality.id", sa_type=BigId)
    place_text: str | None = Field(default=None, max_length=500)  # where the problem is
    lat: float | None = None
    lon: float | None = None
    # The citizen's answer to «Где это?» (a PlaceKind value), asked when they chose no topic.
    place_kind: str | None = Field(default=None, max_length=16)
    text: str = Field(sa_type=Text)
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigId)
    policy_id: int | None = Field(default=None, foreign_key="deadlinepolicy.id", sa_type=BigId)
    registered_at: datetime = Field(sa_type=UTCDateTime)
    # 59-ФЗ: when it arrived (paper, ПОС) and by when it must be registered (ст. 8 ч. 2).
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    register_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    take_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    forward_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    extensions: int = 0
    extension_requested_days: int | None = None
    taken_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer_text: str | None = Field(default=None, sa_type=Text)
    resolution_reason: str | None = Field(default=None, max_length=1000)
    merged_into_id: int | None = Field(default=None, foreign_key="item.id", sa_type=BigId)
    # Learned routing's suggestions at registration: {"model": version, "auto": bool,
    # "suggestions": [{"sector_id": …, "staff_id": … | None, "p": 0.93}, …]}; None: no model.
    route_hint: dict[str, Any] | None = Field(default=None, sa_type=JsonType)
    # Another citizen's open item this one looks like (duplicates across citizens), and the
    # citizen's own answer to «Это та же проблема?»: "same", "other", or None (not asked/unanswered).
    dup_of_id: int | None = Field(default=None, foreign_key="item.id", sa_type=BigId)
    dup_answer: str | None = Field(default=None, max_length=16)
    solved: bool | None = None
    rating: int | None = None
    # Working seconds from registration to the take and to the answer, on the municipality's
    # calendar at the moment it happened: reports aggregate these instead of walking calendars.
    take_wsec: int | None = None
    answer_wsec: int | None = None
    reopens: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ItemEvent(SQLModel, table=True):
    """Append-only: who did what to an item, when, from which channel and why."""

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    item_id: int = Field(foreign_key="item.id", index=True, sa_type=BigId)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_kind: ActorKind
    actor_id: int | None = Field(default=None, sa_type=BigId)  # the staff member or citizen
    # The API token behind an API action (an ApiToken id; 0 is MCU_ADMIN_TOKEN): a token that
    # names no staff member is still named. Never the token itself.
    token_id: int | None = Field(default=None, sa_type=BigId)
    channel: Channel
    action: str = Field(max_length=48)
    from_status: ItemStatus | None = None
    to_status: ItemStatus
    version: int
    reason: str | None = Field(default=None, max_length=1000)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JsonType)


class ItemCounter(SQLModel, table=True):
    """Per municipality and year sequence behind item numbers."""

    __table_args__ = (UniqueConstraint("municipality_id", "year"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=BigId)
    year: int
    last: int = 0
