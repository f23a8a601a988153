"""The letters of items for the staff who handle them: the "to post" queue and the other lists,
the printable document, a letter marked posted, a bounced e-mail written again for the post.
Letters hold the addressee's name, address and words: every read is in the item's audit log."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    ActorKind,
    Citizen,
    CompetentBody,
    Item,
    Letter,
    LetterDelivery,
    LetterStatus,
    Role,
)
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, IllegalTransition, Invalid, NotFound
from workflows.core.tx import committing
from workflows.items.access import visible_items
from workflows.items.audit import audit_event
from workflows.notifications.letter_delivery import get_letter_docx
from workflows.notifications.letters import next_letter_number

# Who works with letters (they carry personal data): not sector staff, not the curator.
LETTER_HANDLERS = (Role.operator, Role.pos_officer, Role.head, Role.admin)
STATUS_RU = {
    LetterStatus.pending: "ждёт отправки по e-mail",
    LetterStatus.sent: "отправлено по e-mail",
    LetterStatus.bounced: "не доставлено по e-mail",
    LetterStatus.to_post: "ждёт отправки почтой",
    LetterStatus.posted: "отправлено почтой",
}


def _check_handler(actor: Actor) -> None:
    if actor.kind is not ActorKind.system and actor.role not in LETTER_HANDLERS:
        raise Forbidden("письма доступны оператору, сотруднику ПОС, руководителю и администратору")


async def get_item_letters(session: AsyncSession, *, item_id: int) -> list[Letter]:
    """An item's letters in the order they were written (for the item's card: no personal
    data is shown from them there)."""
    rows = await session.exec(
        select(Letter).where(Letter.item_id == item_id).order_by(col(Letter.id))
    )
    return list(rows)


async def check_read_letters(
    session: AsyncSession,
    *,
    actor: Actor,
    now: datetime,
    status: LetterStatus | None = None,
    item_id: int | None = None,
    limit: int = 200,
) -> list[Letter]:
    """The letters the actor may handle, newest first; the read is audited on each item."""
    _check_handler(actor)
    q = select(Letter, Item).join(Item, col(Item.id) == Letter.item_id).where(visible_items(actor))
    if status is not None:
        q = q.where(Letter.status == status)
    if item_id is not None:
        q = q.where(Letter.item_id == item_id)
    q = q.order_by(col(Letter.created_at).desc(), col(Letter.id).desc()).limit(limit)
    async with committing(session):
        rows = list(await session.exec(q))
        items = {item.id: item for _, item in rows}
        for item in items.values():
            _audit(session, item, actor, now, "view_personal_data", what="letters")
    return [letter for letter, _ in rows]


async def check_letter_document(
    session: AsyncSession, *, letter_id: int, actor: Actor, now: datetime
) -> tuple[str, bytes]:
    """The letter as its DOCX (filename, content); the read is audited."""
    async with committing(session):
        letter, item = await _access(session, letter_id=letter_id, actor=actor)
        document = await get_letter_docx(session, letter=letter)
        _audit(session, item, actor, now, "view_personal_data", what="letter", letter=letter)
    return document


async def check_mark_posted(
    session: AsyncSession, *, letter_id: int, actor: Actor, now: datetime
) -> Letter:
    """A printed letter handed to the post: to_post → posted."""
    async with committing(session):
        letter, item = await _access(session, letter_id=letter_id, actor=actor)
        if letter.status is not LetterStatus.to_post:
            raise IllegalTransition(
                f"письмо № {letter.number} {STATUS_RU[letter.status]}: отметить отправленным "
                "почтой можно только письмо из очереди «к отправке почтой»"
            )
        letter.status, letter.posted_at = LetterStatus.posted, now
        session.add(letter)
        _audit(session, item, actor, now, "letter_posted", letter=letter)
    await session.refresh(letter)
    return letter


async def check_copy_by_post(
    session: AsyncSession, *, letter_id: int, actor: Actor, now: datetime
) -> Letter:
    """A bounced e-mail letter written again for the post, to the addressee's postal address;
    the original stays bounced. Returns the new letter (in the "to post" queue)."""
    async with committing(session):
        letter, item = await _access(session, letter_id=letter_id, actor=actor)
        if letter.delivery is not LetterDelivery.email or letter.status is not LetterStatus.bounced:
            raise IllegalTransition(
                f"письмо № {letter.number} {STATUS_RU[letter.status]}: почтой повторяют только "
                "письмо, не доставленное по e-mail"
            )
        address = await _postal_address(session, letter=letter, item=item)
        earlier = await _copy_of(session, letter)
        if earlier is not None:
            raise IllegalTransition(
                f"копия письма № {letter.number} почтой уже составлена: письмо № {earlier.number}"
            )
        copy = Letter(
            municipality_id=letter.municipality_id,
            item_id=letter.item_id,
            kind=letter.kind,
            body_id=letter.body_id,
            delivery=LetterDelivery.post,
            number=await next_letter_number(session, item=item),
            addressee=letter.addressee,
            address=address[:500],
            subject=letter.subject,
            text=letter.text,
            status=LetterStatus.to_post,
            created_at=now,
        )
        session.add(copy)
        await session.flush()
        _audit(session, item, actor, now, "letter_by_post", letter=letter, copy=copy.number)
    await session.refresh(copy)
    return copy


async def _access(session: AsyncSession, *, letter_id: int, actor: Actor) -> tuple[Letter, Item]:
    """A letter of the actor's municipality with its item; another's is not found."""
    _check_handler(actor)
    letter = await session.get(Letter, letter_id)
    if letter is None or not actor.sees_municipality(letter.municipality_id):
        raise NotFound(f"письмо {letter_id} не найдено")
    item = await session.get(Item, letter.item_id)
    assert item is not None  # a foreign key
    return letter, item


async def _postal_address(session: AsyncSession, *, letter: Letter, item: Item) -> str:
    """Where the post takes it: the body's postal address, or the citizen's."""
    if letter.body_id is not None:
        body = await session.get(CompetentBody, letter.body_id)
        if body is None or not (body.address or "").strip():
            raise Invalid(
                f"у органа письма № {letter.number} нет почтового адреса: "
                "впишите его в настройку bodies (address) и повторите"
            )
        return body.address or ""
    citizen = await session.get(Citizen, item.citizen_id) if item.citizen_id else None
    if citizen is None or citizen.erased_at is not None or not (citizen.address or "").strip():
        raise Invalid(
            f"у заявителя по обращению № {item.number} нет почтового адреса: письмо почтой "
            "отправить некуда; узнайте адрес у заявителя и внесите его в карточку"
        )
    return citizen.address or ""


async def _copy_of(session: AsyncSession, letter: Letter) -> Letter | None:
    """A postal copy already written of this letter (same item, kind and text, written later)."""
    rows = await session.exec(
        select(Letter).where(
            Letter.item_id == letter.item_id,
            Letter.kind == letter.kind,
            Letter.delivery == LetterDelivery.post,
            col(Letter.id) > (letter.id or 0),
            Letter.body_id == letter.body_id if letter.body_id else col(Letter.body_id).is_(None),
        )
    )
    return next((r for r in rows if r.text == letter.text), None)


def _audit(
    session: AsyncSession,
    item: Item,
    actor: Actor,
    now: datetime,
    action: str,
    *,
    letter: Letter | None = None,
    **data: str,
) -> None:
    """An event on the item naming the letter by its number (never its address or text)."""
    facts = {**data, **({"letter": letter.number} if letter else {})}
    session.add(audit_event(item, actor=actor, action=action, now=now, data=facts))
