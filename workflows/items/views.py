"""Read models for chat channels: an item with what a card needs to show it."""

import time
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Item
from workflows.core.actors import Actor
from workflows.core.errors import NotFound
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.lifecycle import relations
from workflows.items.transitions import TABLE, Action, fits_kind


@dataclass
class ItemView:
    item: Item
    ctx: MunicipalityContext
    dup_of: Item | None = None  # another citizen's item this one looks like (item.dup_of_id)

    @property
    def sector(self) -> str | None:
        return self.ctx.directory.sectors.get(self.item.sector_id or -1)

    @property
    def locality(self) -> str | None:
        return self.ctx.directory.localities.get(self.item.locality_id or -1)

    @property
    def assignee(self) -> str | None:
        staff = self.ctx.directory.by_id.get(self.item.assignee_id or -1)
        return staff.name if staff else None

    def working_days_left(self, now: datetime) -> int | None:
        """Whole working days from today to the deadline; negative when overdue."""
        due = self.item.due_at
        if due is None:
            return None
        cal = self.ctx.calendar
        today, last = now.astimezone(cal.tz).date(), due.astimezone(cal.tz).date()
        day, end, count = min(today, last), max(today, last), 0
        while (day := cal.next_working_day(day)) <= end:
            count += 1
        return count if last >= today else -count

    def allowed(self, actor: Actor) -> list[Action]:
        """Actions the table lets this actor take on the item now (for buttons); an appeal's
        answer goes through sign-off, and only an appeal's does."""
        staff = self.ctx.directory.by_id.get(actor.id or -1)
        signs = bool(staff and staff.signs and actor.kind is ActorKind.staff)
        rel = relations(actor, self.item, signs=signs)
        item = self.item
        return [
            a
            for a, t in TABLE.items()
            if item.status in t.sources and rel & t.who and fits_kind(a, item.kind)
        ]


class ContextCache:
    """Municipality contexts kept for a few seconds: a burst of notices reads the setup once."""

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._kept: dict[int, tuple[float, MunicipalityContext]] = {}

    async def get(self, session: AsyncSession, municipality_id: int) -> MunicipalityContext:
        now = time.monotonic()
        kept = self._kept.get(municipality_id)
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]
        ctx = await load_context(session, municipality_id=municipality_id)
        self._kept[municipality_id] = (now, ctx)
        return ctx


async def get_item_view(
    session: AsyncSession, *, item_id: int, cache: ContextCache | None = None
) -> ItemView:
    """The item as it is now, with its municipality's context (from `cache` if given)."""
    item = await session.get(Item, item_id, populate_existing=True)
    if item is None:
        raise NotFound(f"обращение {item_id} не найдено")
    dup_of = await session.get(Item, item.dup_of_id) if item.dup_of_id else None
    if cache is not None:
        return ItemView(item, await cache.get(session, item.municipality_id), dup_of)
    ctx = await load_context(session, municipality_id=item.municipality_id)
    return ItemView(item, ctx, dup_of)
