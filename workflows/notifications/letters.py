"""Writing the letters the 59-ФЗ path requires: to the citizen at the reply address they gave, or
to a competent body; by e-mail through the outbox, or into the operator's "to post" queue.
The letter row is the record: whatever happens to the e-mail, the letter stays."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Appeal,
    Channel,
    Citizen,
    CompetentBody,
    Item,
    Letter,
    LetterDelivery,
    LetterStatus,
    ReplyBy,
)
from models.enums import OutboxStatus
from workflows.notifications.letter_texts import compose
from workflows.notifications.notify import enqueue


@dataclass(frozen=True)
class Addressee:
    name: str
    address: str  # an e-mail address or a postal address
    delivery: LetterDelivery
    body_id: int | None = None  # None: the citizen


async def get_citizen_addressee(session: AsyncSession, *, item: Item) -> Addressee | None:
    """Where the law's notices to this appeal's citizen go; None when there is no reply address
    (anonymous, ст. 11 ч. 1) or the data were erased."""
    appeal = await session.get(Appeal, item.id)
    citizen = await session.get(Citizen, item.citizen_id) if item.citizen_id else None
    if appeal is None or citizen is None or citizen.erased_at is not None:
        return None
    name = citizen.name or "Заявителю"
    if appeal.reply_by is ReplyBy.email and citizen.email:
        return Addressee(name, citizen.email, LetterDelivery.email)
    if appeal.reply_by is ReplyBy.post and citizen.address:
        return Addressee(name, citizen.address, LetterDelivery.post)
    return None


def body_addressee(body: CompetentBody) -> Addressee:
    """A body gets e-mail where the setup gives one, a printed letter otherwise."""
    if body.email:
        return Addressee(body.name, body.email, LetterDelivery.email, body.id)
    return Addressee(body.name, body.address or "", LetterDelivery.post, body.id)


async def do_write_letter(
    session: AsyncSession,
    *,
    item: Item,
    kind: str,
    facts: dict[str, Any],
    to: Addressee,
    now: datetime,
) -> Letter:
    """Compose and keep one letter; an e-mail is queued in the outbox, a postal one waits for
    the operator in the "to post" queue. Inside the caller's transaction."""
    subject, text = compose(kind, {"number": item.number, **facts})
    email = to.delivery is LetterDelivery.email
    letter = Letter(
        municipality_id=item.municipality_id,
        item_id=item.id or 0,
        kind=kind,
        body_id=to.body_id,
        delivery=to.delivery,
        number=await next_letter_number(session, item=item),
        addressee=to.name[:300],
        address=to.address[:500],
        subject=subject[:300],
        text=text,
        status=LetterStatus.pending if email else LetterStatus.to_post,
        created_at=now,
    )
    session.add(letter)
    await session.flush()
    if email:
        await enqueue(session, [_outbox_row(letter, now)])
    return letter


async def next_letter_number(session: AsyncSession, *, item: Item) -> str:
    """The next outgoing reference of the item's letters: БЖТ-2026-000123/1, /2, …"""
    count = (
        await session.exec(
            select(func.count()).select_from(Letter).where(Letter.item_id == item.id)
        )
    ).one()
    return f"{item.number}/{count + 1}"


def _outbox_row(letter: Letter, now: datetime) -> dict[str, Any]:
    """The e-mail's outbox row names the letter, not the address: the address stays in one place."""
    return {
        "municipality_id": letter.municipality_id,
        "dedup_key": f"letter{letter.id}",
        "channel": Channel.email,
        "chat_id": f"letter:{letter.id}",
        "item_id": letter.item_id,
        "kind": "letter",
        "payload": {"letter_id": letter.id, "kind": letter.kind},
        "urgent": False,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
