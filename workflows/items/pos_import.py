"""Importing records from ПОС (the Gosuslugi feedback platform): a 59-ФЗ appeal is received
(registered later by the officer for ПОС), anything else is a message registered today. Each
record is its own transaction: one refused does not stop the others; a record imported before
(the same pos_id) creates nothing and is reported as a repeat."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Citizen, Item, ItemKind, Municipality, Sector
from models.item import MAX_TEXT
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import DomainError, Invalid, NotFound
from workflows.core.tx import committing
from workflows.items.appeal.intake import EMAIL, AppealIntake
from workflows.items.context import load_context
from workflows.items.register import (
    NewItem,
    check_register_item,
    do_register_item,
    get_valid_text,
)

MAX_RECORDS = 1000
WHY = {  # pydantic's error types, as a person reads them
    "missing": "обязательное поле не заполнено",
    "extra_forbidden": "неизвестное поле",
    "timezone_aware": "нужна дата со временем и часовым поясом",
    "datetime_from_date_parsing": "нужна дата со временем и часовым поясом",
    "datetime_parsing": "нужна дата со временем и часовым поясом",
    "datetime_type": "нужна дата со временем и часовым поясом",
    "bool_parsing": "нужно true или false",
    "bool_type": "нужно true или false",
    "string_type": "нужна строка",
    "string_too_short": "пустое значение",
    "string_too_long": "слишком длинное значение",
    "model_type": "нужен объект",
    "model_attributes_type": "нужен объект",
    "value_error": "символ NUL (\\u0000) в тексте: уберите его",
}


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("символ NUL (\\u0000) в тексте")
    return value


NoNul = AfterValidator(_no_nul)


class PosAuthor(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    name: Annotated[str | None, NoNul] = Field(default=None, max_length=300)
    email: Annotated[str | None, NoNul] = Field(default=None, max_length=254)
    address: Annotated[str | None, NoNul] = Field(default=None, max_length=500)


class PosRecord(BaseModel):
    """One ПОС record as exported: what we use of it (other fields are ignored)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    pos_id: Annotated[str, NoNul] = Field(min_length=1, max_length=100, coerce_numbers_to_str=True)
    created_at: AwareDatetime
    text: Annotated[str, NoNul] = Field(min_length=1, max_length=MAX_TEXT)
    author: PosAuthor = PosAuthor()
    fz59: bool
    category: Annotated[str | None, NoNul] = Field(default=None, max_length=200)


class Outcome(StrEnum):
    created = "created"
    repeat = "repeat"
    refused = "refused"


@dataclass(frozen=True)
class PosResult:
    index: int  # the record's place in the list, from 0
    pos_id: str | None
    outcome: Outcome
    number: str | None = None  # the item's number (created, or found for a repeat)
    item_id: int | None = None
    reason: str | None = None  # why refused


def _explain(e: ValidationError) -> str:
    parts = []
    for err in e.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "запись"
        parts.append(f"{where}: {WHY.get(err['type'], 'неверное значение')}")
    return "; ".join(parts)


async def _existing(session: AsyncSession, key: str) -> Item | None:
    return (await session.exec(select(Item).where(col(Item.intake_key) == key))).first()


async def _sector(session: AsyncSession, municipality_id: int, category: str | None) -> int | None:
    """The sector a ПОС category names (by code or name, any case); None leaves it to triage."""
    if not category:
        return None
    want = category.casefold()
    q = select(Sector).where(
        Sector.municipality_id == municipality_id,
        (func.lower(col(Sector.code)) == want) | (func.lower(col(Sector.name)) == want),
    )
    found = (await session.exec(q)).first()
    return found.id if found else None


async def _one(
    session: AsyncSession,
    *,
    clock: Clock,
    municipality_id: int,
    actor: Actor,
    rec: PosRecord,
    index: int,
) -> PosResult:
    key = f"pos:{rec.pos_id}"
    found = await _existing(session, key)
    if found is not None:
        return PosResult(index, rec.pos_id, Outcome.repeat, found.number, found.id)
    a = rec.author
    sector_id = await _sector(session, municipality_id, rec.category)
    kind = ItemKind.appeal_59fz if rec.fz59 else ItemKind.message
    new = NewItem(
        kind=kind,
        channel=Channel.pos,
        text=rec.text,
        sector_id=sector_id,
        # an appeal's 3 days run from its receipt; a message is registered today
        received_at=rec.created_at if rec.fz59 else None,
        intake_key=key,
        appeal=AppealIntake(name=a.name, address=a.address, email=a.email, register_now=False),
    )
    try:
        register = check_register_item if rec.fz59 else _check_register_message
        item = await register(
            session, clock=clock, municipality_id=municipality_id, new=new, actor=actor
        )
    except IntegrityError:  # imported at the same moment by another run
        found = await _existing(session, key)
        if found is None:
            raise
        return PosResult(index, rec.pos_id, Outcome.repeat, found.number, found.id)
    return PosResult(index, rec.pos_id, Outcome.created, item.number, item.id)


async def _check_register_message(
    session: AsyncSession, *, clock: Clock, municipality_id: int, new: NewItem, actor: Actor
) -> Item:
    """A ПОС message with its author (kept for the answer), in one transaction."""
    async with committing(session):
        ctx = await load_context(session, municipality_id=municipality_id)
        now = clock.now()
        text = await get_valid_text(session, ctx=ctx, new=new, actor=actor, now=now)
        author = new.appeal or AppealIntake()
        email = (author.email or "").strip() or None
        if email is not None and not EMAIL.fullmatch(email):
            raise Invalid(f"адрес электронной почты «{email[:60]}» неверен: проверьте его")
        citizen_id = None
        if author.name or email or author.address:
            citizen = Citizen(created_at=now, name=author.name, email=email, address=author.address)
            session.add(citizen)
            await session.flush()
            citizen_id = citizen.id
        new = replace(new, citizen_id=citizen_id, appeal=None)
        return await do_register_item(session, ctx=ctx, now=now, new=new, text=text, actor=actor)


async def check_import_pos(
    session: AsyncSession,
    *,
    clock: Clock,
    municipality_id: int,
    records: list[Any],
    actor: Actor,
    on_result: Callable[[PosResult], None] | None = None,
) -> list[PosResult]:
    """Import every record that passes; each result says created, repeat or refused (and why);
    `on_result` hears of each as it is done (the command's progress)."""
    if len(records) > MAX_RECORDS:
        raise Invalid(f"слишком много записей ({len(records)}): загружайте до {MAX_RECORDS}")
    if not actor.sees_municipality(municipality_id) or not await session.get(
        Municipality, municipality_id
    ):
        raise NotFound(f"муниципалитет {municipality_id} не найден")
    out: list[PosResult] = []
    for index, raw in enumerate(records):
        pos_id = str(raw.get("pos_id")) if isinstance(raw, dict) and raw.get("pos_id") else None
        try:
            rec = PosRecord.model_validate(raw)
            out.append(
                await _one(
                    session,
                    clock=clock,
                    municipality_id=municipality_id,
                    actor=actor,
                    rec=rec,
                    index=index,
                )
            )
        except ValidationError as e:
            out.append(PosResult(index, pos_id, Outcome.refused, reason=_explain(e)))
        except DomainError as e:
            out.append(PosResult(index, pos_id, Outcome.refused, reason=e.reason))
        if on_result is not None:
            on_result(out[-1])
    return out
