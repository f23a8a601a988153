"""A nudge: a lead, the head or the operator reminds the assignee; the item itself does not change."""

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import Forbidden, Invalid
from workflows.core.tx import committing
from workflows.items.access import access_item
from workflows.items.audit import audit_event
from workflows.items.context import load_context
from workflows.items.lifecycle import relations
from workflows.items.transitions import OPEN, Who
from workflows.notifications.notify import enqueue, item_card, staff_notice


async def check_ping(session: AsyncSession, *, clock: Clock, item_id: int, actor: Actor) -> Item:
    """A lead, the head or the operator nudges the assignee; the item itself does not change."""
    async with committing(session):
        item = await access_item(session, item_id=item_id, actor=actor)
        if not relations(actor, item) & {Who.head, Who.operator, Who.sector_lead, Who.admin}:
            raise Forbidden(f"напомнить по обращению {item.number} может руководитель или оператор")
        if item.assignee_id is None or item.status not in OPEN:
            raise Invalid(f"по обращению {item.number} некому напоминать")
        ctx = await load_context(session, municipality_id=item.municipality_id)
        assignee = ctx.directory.by_id.get(item.assignee_id)
        now = clock.now()
        session.add(audit_event(item, actor=actor, action="ping", now=now))
        await session.flush()
        if assignee is not None:
            await enqueue(
                session,
                [
                    staff_notice(
                        staff=assignee,
                        item=item,
                        kind="ping",
                        payload=item_card(item, ctx.directory),
                        dedup=f"ping{item.id}:{now.timestamp():.0f}",
                        now=now,
                    )
                ],
            )
        return item
