"""59-ФЗ appeals: what the law adds to an item (parties, outcome, links), the competent bodies
appeals are forwarded to, and the letters that tell citizens and bodies."""

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import BigId, UTCDateTime
from models.enums import AppealOutcome, LetterDelivery, LetterStatus, ReplyBy


class CompetentBody(SQLModel, table=True):
    """A body an appeal may be forwarded to (ст. 8 ч. 3), from the municipality's setup."""

    __table_args__ = (UniqueConstraint("municipality_id", "code"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, sa_type=BigId)
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)
    address: str | None = Field(default=None, max_length=500)  # postal
    email: str | None = Field(default=None, max_length=254)
    active: bool = True


class Appeal(SQLModel, table=True):
    """One row per 59-ФЗ item. The citizen's name and addresses live in `citizen`; this says which
    address the law's notices go to and what the appeal is about legally."""

    item_id: int = Field(primary_key=True, foreign_key="item.id", sa_type=BigId)
    reply_by: ReplyBy | None = None  # None: no reply address (anonymous, ст. 11 ч. 1)
    # ст. 8 ч. 6: the body (or official) whose actions it complains about; never forwarded there.
    complained_body_id: int | None = Field(
        default=None, foreign_key="competentbody.id", sa_type=BigId
    )
    complained_official: str | None = Field(default=None, max_length=300)
    outcome: AppealOutcome | None = None
    forwarded_body_id: int | None = Field(
        default=None, foreign_key="competentbody.id", sa_type=BigId
    )
    forwarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_late_days: int | None = None  # registered after the 3 days of ст. 8 ч. 2
    # Registration + 30 calendar days before a day off moved it: extensions count from here.
    raw_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    previous_item_id: int | None = Field(default=None, foreign_key="item.id", sa_type=BigId)
    signed_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigId)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Letter(SQLModel, table=True):
    """A notice the law requires, as sent: to the citizen (body_id None) or to a body; by e-mail
    through the outbox, or printed for the operator to post. Kept whatever happens to it."""

    __table_args__ = (Index("ix_letter_muni_status", "municipality_id", "status"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    municipality_id: int = Field(foreign_key="municipality.id", sa_type=BigId)
    item_id: int = Field(foreign_key="item.id", index=True, sa_type=BigId)
    kind: str = Field(max_length=32)  # registered, forwarded, covering, extended, answer, …
    body_id: int | None = Field(default=None, foreign_key="competentbody.id", sa_type=BigId)
    delivery: LetterDelivery
    number: str = Field(max_length=48)  # the outgoing reference, e.g. БЖТ-2026-000123/2
    addressee: str = Field(max_length=300)
    address: str = Field(max_length=500)  # the e-mail or postal address it goes to
    subject: str = Field(max_length=300)
    text: str = Field(sa_type=Text)
    status: LetterStatus
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)
