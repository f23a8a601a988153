"""Citizens: created with the least data an item needs; personal data read only with an audit."""

from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    ActorKind,
    Channel,
    Citizen,
    CitizenIdentity,
    Consent,
    Item,
    ItemStatus,
)
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.core.tx import committing
from workflows.items.access import sees_item
from workflows.items.audit import audit_event
from workflows.items.routing import lemmas
from workflows.items.transitions import OPEN


async def do_create_citizen(
    session: AsyncSession,
    *,
    name: str | None,
    phone: str | None,
    address: str | None,
    now: datetime,
) -> Citizen:
    """A citizen record for a paper or ПОС appeal (name and reply address are the 59-ФЗ minimum)."""
    citizen = Citizen(created_at=now, name=name, phone=phone, address=address)
    session.add(citizen)
    await session.flush()
    return citizen


async def access_citizen_of(
    session: AsyncSession, *, item: Item, actor: Actor, now: datetime
) -> Citizen | None:
    """The item's citizen for staff who may see the item; the view is written to the item's
    audit log."""
    if actor.kind is not ActorKind.staff or not sees_item(actor, item):
        raise Forbidden(f"Личные данные по обращению {item.number} вам недоступны.")
    if item.citizen_id is None:
        return None
    citizen = await session.get(Citizen, item.citizen_id)
    if citizen is None or citizen.erased_at is not None:
        return None
    session.add(audit_event(item, actor=actor, action="view_personal_data", now=now))
    await session.commit()
    return citizen


async def get_citizen_by_identity(
    session: AsyncSession, *, channel: Channel, external_id: str
) -> Citizen | None:
    """The citizen behind a chat account, if they ever consented."""
    row = (
        await session.exec(
            select(Citizen)
            .join(CitizenIdentity, col(CitizenIdentity.citizen_id) == Citizen.id)
            .where(CitizenIdentity.channel == channel, CitizenIdentity.external_id == external_id)
        )
    ).first()
    return row if row is not None and row.erased_at is None else None


async def check_give_consent(
    session: AsyncSession, *, channel: Channel, external_id: str, text_version: str, now: datetime
) -> Citizen:
    """Record consent to personal data processing (152-ФЗ) and the citizen it creates."""
    async with committing(session):
        citizen = await get_citizen_by_identity(session, channel=channel, external_id=external_id)
        if citizen is None:
            citizen = await do_create_citizen(session, name=None, phone=None, address=None, now=now)
            identity = (
                await session.exec(
                    select(CitizenIdentity).where(
                        CitizenIdentity.channel == channel,
                        CitizenIdentity.external_id == external_id,
                    )
                )
            ).first()
            if identity is None:
                session.add(
                    CitizenIdentity(
                        citizen_id=citizen.id or 0, channel=channel, external_id=external_id
                    )
                )
            else:  # the old citizen was erased: the account starts afresh
                identity.citizen_id = citizen.id or 0
        session.add(
            Consent(
                citizen_id=citizen.id or 0,
                text_version=text_version,
                given_at=now,
                channel=channel,
                external_id=external_id,
            )
        )
        return citizen


async def get_reports_since(session: AsyncSession, *, citizen_id: int, since: datetime) -> int:
    """How many items the citizen sent since a moment (flood control)."""
    q = (
        select(func.count())
        .select_from(Item)
        .where(Item.citizen_id == citizen_id, col(Item.registered_at) >= since)
    )
    return int((await session.exec(q)).one())


async def get_similar_open_item(
    session: AsyncSession, *, citizen_id: int, text: str, since: datetime, threshold: float = 0.5
) -> Item | None:
    """The citizen's open item whose words mostly match a new text: probably the same problem."""
    new = lemmas(text)
    if not new:
        return None
    rows = await session.exec(
        select(Item).where(
            Item.citizen_id == citizen_id,
            col(Item.status).in_(OPEN | {ItemStatus.answered}),
            col(Item.registered_at) >= since,
        )
    )
    best: tuple[float, Item | None] = (0.0, None)
    for item in rows:
        old = lemmas(item.text)
        score = len(new & old) / len(new | old) if old else 0.0
        if score > best[0]:
            best = (score, item)
    return best[1] if best[0] >= threshold else None


async def check_erase_citizen(
    session: AsyncSession, *, channel: Channel, external_id: str, now: datetime
) -> bool:
    """The citizen's right to erasure: personal data cleared, consents withdrawn, the chat
    account unlinked; items stay (their text is the municipality's record) without a name."""
    citizen = await get_citizen_by_identity(session, channel=channel, external_id=external_id)
    if citizen is None:
        return False
    async with committing(session):
        citizen.name = citizen.phone = citizen.address = None
        citizen.erased_at = now
        for consent in await session.exec(
            select(Consent).where(
                Consent.citizen_id == citizen.id, col(Consent.withdrawn_at).is_(None)
            )
        ):
            consent.withdrawn_at = now
        for identity in await session.exec(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == citizen.id)
        ):
            await session.delete(identity)
        return True
