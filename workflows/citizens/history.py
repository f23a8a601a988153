"""A citizen's recent reports: how many (flood control), and an open one that looks the same."""

from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemStatus
from workflows.items.routing import lemmas
from workflows.items.transitions import OPEN


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
