"""Which items an actor may see and act on: one rule, as a check on a loaded item and as a
filter for lists, so that a page and a single read never disagree."""

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Item, ItemStatus, Role
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, NotFound


def sees_item(actor: Actor, item: Item) -> bool:
    """Staff see their municipality's items, but a recipient only those assigned to them and a
    sector lead only their sector's (and any assigned to them in person). An item with no sector
    yet waits in the operator's triage: no lead sees it until it is routed to a sector. Whoever
    signs off 59-ФЗ answers also sees the appeals waiting for a signature. A citizen sees their
    own items."""
    if actor.kind is ActorKind.system:
        return True
    if actor.kind is ActorKind.citizen:
        return actor.id is not None and item.citizen_id == actor.id
    if not actor.sees_municipality(item.municipality_id):
        return False
    mine = actor.id is not None and item.assignee_id == actor.id
    mine = mine or (actor.signs and item.status is ItemStatus.signoff)
    if actor.role is Role.recipient:
        return mine
    if actor.role is Role.sector_lead:
        return mine or (actor.sector_id is not None and item.sector_id == actor.sector_id)
    return True


def visible_items(actor: Actor) -> ColumnElement[bool]:
    """The rule of `sees_item` as a condition on the item table."""
    if actor.kind is ActorKind.system:
        return true()
    if actor.kind is ActorKind.citizen:
        return col(Item.citizen_id) == actor.id if actor.id is not None else false()
    conditions: list[ColumnElement[bool]] = []
    if actor.municipality_id is not None:
        conditions.append(col(Item.municipality_id) == actor.municipality_id)
    mine = col(Item.assignee_id) == actor.id if actor.id is not None else false()
    if actor.signs:
        mine = or_(mine, col(Item.status) == ItemStatus.signoff)
    if actor.role is Role.recipient:
        conditions.append(mine)
    elif actor.role is Role.sector_lead:
        ours = col(Item.sector_id) == actor.sector_id if actor.sector_id is not None else false()
        conditions.append(or_(mine, ours))
    return and_(true(), *conditions)


async def access_item(session: AsyncSession, *, item_id: int, actor: Actor) -> Item:
    """Load an item the actor may see; another municipality's (or citizen's) is not found,
    one out of the actor's reach in their own municipality is refused with the reason."""
    item = await session.get(Item, item_id)
    if (
        item is None
        or not actor.sees_municipality(item.municipality_id)
        or (actor.kind is ActorKind.citizen and not sees_item(actor, item))
    ):
        raise NotFound(f"обращение {item_id} не найдено")
    if not sees_item(actor, item):
        if actor.role is Role.recipient:
            raise Forbidden(f"Обращение {item.number} назначено не вам.")
        if item.sector_id is None:
            raise Forbidden(f"Обращение {item.number} ещё не распределено: оно у оператора.")
        raise Forbidden(f"Обращение {item.number} относится к другому отраслевому блоку.")
    return item
