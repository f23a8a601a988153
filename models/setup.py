"""A municipality's setup: sectors, localities, staff, routing rules, deadline policies, calendar."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, JsonType, UTCDateTime
from models.enums import Channel, DayOffRule, DeadlineClock, ItemKind, Role


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    code: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=300)
    number_prefix: str = Field(max_length=8)  # e.g. "БЖТ" in БЖТ-2026-000123
    tz: str = Field(default="Europe/Moscow", max_length=64)
    work_start: str = Field(default="09:00", max_length=5)
    work_end: str = Field(default="18:00", max_length=5)
    # The daily lunch break ("13:00"/"14:00"), not counted in working hours; both or neither.
    lunch_start: str | None = Field(default=None, max_length=5)
    lunch_end: str | None = Field(default=None, max_length=5)
    pos_link: str | None = Field(default=None, max_length=500)
    # The letters' heading: title, address, phone, email, signatory (setup `letterhead`).
    letterhead: dict[str, Any] = Field(
        default_factory=dict, sa_type=JsonType, sa_column_kwargs={"server_default": "{}"}
    )
    confirmed_calendar_years: list[int] = Field(default_factory=list, sa_type=JsonType)
    # Learned routing (setup `routing:`): {"auto_at": 0.9 (confidence to route by itself; absent:
    # suggestions only), "own_from": 300 (decisions before its own model replaces the starter),
    # "retrain": false (only when the weekly retraining is off),
    # "categories": {spb category: sector code}} — the starter model's table.
    routing: dict[str, Any] = Field(
        default_factory=dict, sa_type=JsonType, sa_column_kwargs={"server_default": "{}"}
    )


class Sector(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)


class Locality(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)


class Staff(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)
    position: str | None = Field(default=None, max_length=300)
    role: Role
    sector_id: int | None = Field(default=None, foreign_key="sector.id", sa_type=BigId)
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    active: bool = True
    # Authorised to sign off 59-ФЗ answers (the head and глава always are).
    signs: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})


class StaffInvite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    staff_id: int = Field(foreign_key="staff.id", index=True, sa_type=BigId)
    code_hash: str = Field(unique=True, max_length=64)  # sha256 of the one-time code
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# The bootstrap admin token (MCU_ADMIN_TOKEN) has no row: the audit names it by this id.
BOOTSTRAP_TOKEN_ID = 0


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    name: str = Field(max_length=200)
    token_hash: str = Field(unique=True, max_length=64)  # sha256; the token itself is never stored
    role: Role
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", sa_type=BigId)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigId)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RoutingRule(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    code: str = Field(max_length=64)
    position: int = 0
    sector_id: int | None = Field(default=None, foreign_key="sector.id", sa_type=BigId)
    keywords: list[str] = Field(default_factory=list, sa_type=JsonType)  # lemmas
    locality_id: int | None = Field(default=None, foreign_key="locality.id", sa_type=BigId)
    channel: Channel | None = None
    kind: ItemKind | None = None
    assignee_id: int = Field(foreign_key="staff.id", sa_type=BigId)
    active: bool = True


class DeadlinePolicy(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    code: str = Field(max_length=64)
    kind: ItemKind
    sector_id: int | None = Field(default=None, foreign_key="sector.id", sa_type=BigId)
    clock: DeadlineClock
    length: int
    take_clock: DeadlineClock = DeadlineClock.working_hours
    take_length: int = 4
    max_extensions: int = 1
    max_extension_days: int = 30
    extension_needs_head: bool = False
    forward_days: int | None = None  # 59-ФЗ: days to forward to the competent body
    # A calendar-day deadline falling on a day off: to the next or the preceding working day.
    day_off: DayOffRule = Field(
        default=DayOffRule.next, max_length=16, sa_column_kwargs={"server_default": "next"}
    )
    auto_close_days: int = 7  # answered and the citizen silent: closed after this many days
    ladder: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonType)


class CalendarOverride(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("municipality_id", "day"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    day: date = Field(sa_column=Column(Date, nullable=False))
    working: bool
    note: str = Field(default="", max_length=300)
