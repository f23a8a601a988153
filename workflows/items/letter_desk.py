"""The operator's «Письма» desk: the letters waiting to be printed and posted and the e-mails
that bounced, each with its item's number, its kind in Russian and its date in the
municipality's zone. The reads go through check_read_letters, so they are audited as the
JSON API's are."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Letter, LetterStatus, Municipality
from workflows.core.actors import Actor
from workflows.items.letters import check_read_letters

DESK_LIMIT = 200
KIND_RU = {
    "registered": "о регистрации",
    "covering": "сопроводительное",
    "covering_anonymous": "сопроводительное (анонимное обращение)",
    "forwarded": "о переадресации",
    "extended": "о продлении",
    "answer": "ответ",
    "unclear": "о невозможности рассмотреть (суть неясна)",
    "abusive": "об оставлении без ответа (оскорбления)",
    "stopped": "о прекращении переписки",
}


@dataclass(frozen=True)
class DeskLetter:
    letter: Letter
    item_number: str
    kind: str  # in Russian
    created: datetime  # in the municipality's zone


@dataclass(frozen=True)
class LetterDesk:
    to_post: list[DeskLetter]
    bounced: list[DeskLetter]
    limit: int


async def check_read_letter_desk(
    session: AsyncSession, *, actor: Actor, now: datetime, limit: int = DESK_LIMIT
) -> LetterDesk:
    """The two lists of the desk, newest first (at most `limit` each)."""
    to_post = await check_read_letters(
        session, actor=actor, now=now, status=LetterStatus.to_post, limit=limit
    )
    bounced = await check_read_letters(
        session, actor=actor, now=now, status=LetterStatus.bounced, limit=limit
    )
    letters = to_post + bounced
    numbers = await _item_numbers(session, {x.item_id for x in letters})
    zones = await _zones(session, {x.municipality_id for x in letters})

    def row(letter: Letter) -> DeskLetter:
        return DeskLetter(
            letter=letter,
            item_number=numbers.get(letter.item_id, "—"),
            kind=KIND_RU.get(letter.kind, letter.kind),
            created=letter.created_at.astimezone(zones.get(letter.municipality_id, _MOSCOW)),
        )

    return LetterDesk([row(x) for x in to_post], [row(x) for x in bounced], limit)


_MOSCOW = ZoneInfo("Europe/Moscow")


async def _item_numbers(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.exec(select(Item.id, Item.number).where(col(Item.id).in_(ids)))
    return {i: n for i, n in rows if i is not None}


async def _zones(session: AsyncSession, ids: set[int]) -> dict[int, ZoneInfo]:
    if not ids:
        return {}
    rows = await session.exec(
        select(Municipality.id, Municipality.tz).where(col(Municipality.id).in_(ids))
    )
    return {i: ZoneInfo(tz) for i, tz in rows if i is not None}
