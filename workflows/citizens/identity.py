"""Citizens: created with the least data an item needs, found by their chat account; their personal
data read by staff only with an audit."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Channel, Citizen, CitizenIdentity, Item
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.items.access import sees_item
from workflows.items.audit import audit_event


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
