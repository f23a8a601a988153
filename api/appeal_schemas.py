"""Request and response bodies of the 59-ФЗ appeals API (paper appeals, the ПОС import, queues)."""

from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas import Body, Id, ItemPublic
from models import ReplyBy
from models.item import MAX_TEXT


class AppealCreate(Body):
    """A paper appeal entered by staff: registered now unless `register_now` is false."""

    municipality_id: Id
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    received_at: AwareDatetime = Field(description="когда обращение поступило (ст. 8 ч. 2)")
    register_now: bool = Field(
        default=True, description="false: только принять; зарегистрировать действием register"
    )
    citizen_name: str | None = Field(default=None, max_length=300)
    citizen_address: str | None = Field(default=None, max_length=500, description="почтовый")
    citizen_email: str | None = Field(default=None, max_length=254)
    citizen_phone: str | None = Field(default=None, max_length=32, pattern=r"^[+0-9 ()-]{5,32}$")
    reply_by: ReplyBy | None = Field(
        default=None, description="куда отвечать; по умолчанию e-mail, если он указан, иначе почта"
    )
    complained_body: str | None = Field(
        default=None, max_length=64, description="код или id органа, на который жалуются"
    )
    complained_official: str | None = Field(default=None, max_length=300)
    sector_id: Id | None = None
    locality_id: Id | None = None
    place_text: str | None = Field(default=None, max_length=500)


class PosImport(Body):
    municipality_id: Id
    records: list[dict[str, Any]] = Field(
        max_length=1000,
        description="записи ПОС: {pos_id, created_at, text, author: {name, email, address}, "
        "fz59, category?}",
    )


class PosResultPublic(BaseModel):
    index: int
    pos_id: str | None
    outcome: str  # created, repeat, refused
    number: str | None
    item_id: int | None
    reason: str | None


class PosImportResult(BaseModel):
    created: int
    repeat: int
    refused: int
    results: list[PosResultPublic]


class QueuePage(BaseModel):
    items: list[ItemPublic]
