"""Request and response bodies of the HTTP API (validated at the edge; tables never leak in)."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models import Channel, ItemKind, ItemStatus, LetterDelivery, LetterStatus, Role
from models.item import MAX_TEXT

MAX_ID = 2**62  # larger numbers would overflow BIGINT: refused as invalid, not a 500
Id = Annotated[int, Field(gt=0, le=MAX_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ItemCreate(Body):
    """A paper, ПОС or phone appeal entered by staff."""

    municipality_id: Id
    kind: ItemKind = ItemKind.message
    channel: Channel = Channel.paper
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    sector_id: Id | None = None
    locality_id: Id | None = None
    place_text: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    received_at: AwareDatetime | None = None
    citizen_name: str | None = Field(default=None, max_length=300)
    citizen_phone: str | None = Field(default=None, max_length=32, pattern=r"^[+0-9 ()-]{5,32}$")
    citizen_address: str | None = Field(default=None, max_length=500)


class ActionBody(Body):
    version: int = Field(ge=1, description="the item's version the caller saw (stale is refused)")
    assignee_id: Id | None = None
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    reason: str | None = Field(default=None, max_length=1000)
    days: int | None = Field(default=None, ge=1, le=365)
    target_item_id: Id | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    body_id: Id | None = Field(default=None, description="59-ФЗ: орган, куда переадресовать")


class FollowUpCreate(Body):
    """A repeated appeal on the same matter: registered as a new appeal linked to the first."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    received_at: AwareDatetime | None = None


class ItemPublic(BaseModel):
    id: int
    number: str
    municipality_id: int
    kind: ItemKind
    status: ItemStatus
    channel: Channel
    sector_id: int | None
    locality_id: int | None
    place_text: str | None
    text: str
    assignee_id: int | None
    registered_at: datetime
    received_at: datetime | None = None  # 59-ФЗ: when it arrived; registered within 3 days
    register_due_at: datetime | None = None
    take_due_at: datetime | None
    due_at: datetime | None
    forward_due_at: datetime | None
    extensions: int
    extension_requested_days: int | None
    taken_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    answer_text: str | None
    resolution_reason: str | None
    merged_into_id: int | None
    solved: bool | None
    rating: int | None
    version: int
    # True: a deadline rests on a year whose production calendar is assumed (no decree yet);
    # None where this answer does not compute it (lists).
    calendar_assumed: bool | None = None


class EventPublic(BaseModel):
    at: datetime
    actor_kind: str
    actor_id: int | None
    token_id: int | None  # the API token acting (0: the bootstrap token), never the token itself
    channel: Channel
    action: str
    from_status: ItemStatus | None
    to_status: ItemStatus
    version: int
    reason: str | None
    data: dict[str, Any]


class CitizenPublic(BaseModel):
    """Personal data: shown only here, to authenticated staff, and every view is audited."""

    id: int
    name: str | None
    phone: str | None
    address: str | None


class LetterBrief(BaseModel):
    """A letter on the item's card: what and how far, no addressee, address or text."""

    id: int
    item_id: int
    kind: str
    number: str
    delivery: LetterDelivery
    status: LetterStatus
    created_at: datetime
    sent_at: datetime | None
    posted_at: datetime | None
    error: str | None  # why an e-mail bounced (the server's answer, without addresses)


class LetterPublic(LetterBrief):
    """Personal data (the addressee and their address): to letter handlers only, audited."""

    addressee: str
    address: str
    subject: str


class ItemDetail(BaseModel):
    item: ItemPublic
    timeline: list[EventPublic]
    citizen: CitizenPublic | None = None
    letters: list[LetterBrief] = []


class ItemPage(BaseModel):
    total: int
    items: list[ItemPublic]


class TokenCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    municipality_id: Id | None = None
    staff_id: Id | None = None


class TokenPublic(BaseModel):
    """A token as listed: who and what it is for, never the token nor its hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    municipality_id: int | None
    staff_id: int | None
    created_at: datetime
    revoked_at: datetime | None


class Problem(BaseModel):
    """Every refusal: a stable code and a reason a person can read."""

    error: str
    reason: str
