"""Citizens: created with the least data an item needs; personal data read only with an audit."""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Citizen, Item, ItemEvent
from workflows.actors import Actor


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
    """The item's citizen for authenticated staff; the view is written to the item's audit log."""
    if item.citizen_id is None:
        return None
    citizen = await session.get(Citizen, item.citizen_id)
    if citizen is None or citizen.erased_at is not None:
        return None
    session.add(
        ItemEvent(
            item_id=item.id or 0,
            at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            channel=actor.channel,
            action="view_personal_data",
            from_status=item.status,
            to_status=item.status,
            version=item.version,
        )
    )
    await session.commit()
    return citizen
