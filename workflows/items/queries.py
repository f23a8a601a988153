"""Reading items: a page of those an actor may see, a citizen's newest, an item's timeline."""

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemEvent, ItemStatus
from workflows.core.actors import Actor
from workflows.items.access import visible_items
from workflows.items.transitions import OPEN


async def get_timeline(session: AsyncSession, *, item_id: int) -> list[ItemEvent]:
    """The item's audit events, oldest first."""
    rows = await session.exec(
        select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(col(ItemEvent.id))
    )
    return list(rows)


async def get_items(
    session: AsyncSession,
    *,
    actor: Actor,
    municipality_id: int | None = None,
    status: ItemStatus | None = None,
    sector_id: int | None = None,
    assignee_id: int | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Item], int]:
    """A page of items the actor may see, overdue-first by deadline, with the total count."""
    q = select(Item).where(visible_items(actor))
    if municipality_id is not None:
        q = q.where(Item.municipality_id == municipality_id)
    if open_only:
        q = q.where(col(Item.status).in_(OPEN))
    for column, value in (
        (Item.status, status),
        (Item.sector_id, sector_id),
        (Item.assignee_id, assignee_id),
    ):
        if value is not None:
            q = q.where(column == value)
    total = (await session.exec(select(func.count()).select_from(q.subquery()))).one()
    page = await session.exec(
        q.order_by(col(Item.due_at).asc().nulls_last(), col(Item.id)).limit(limit).offset(offset)
    )
    return list(page), int(total)


async def get_citizen_items(session: AsyncSession, *, citizen_id: int, limit: int) -> list[Item]:
    """A citizen's newest items."""
    rows = await session.exec(
        select(Item).where(Item.citizen_id == citizen_id).order_by(col(Item.id).desc()).limit(limit)
    )
    return list(rows)
