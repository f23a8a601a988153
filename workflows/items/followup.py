"""A repeated appeal (the citizen writes again on the same matter) is a new appeal with its own
registration and deadlines, linked to the first; the first keeps its answer and status."""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Appeal, Item, ItemKind
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import Invalid
from workflows.core.tx import committing
from workflows.items.access import access_item
from workflows.items.appeal.intake import AppealIntake, ValidAppeal
from workflows.items.audit import audit_event
from workflows.items.context import load_context
from workflows.items.register import NewItem, do_register_item, get_valid_text


async def check_follow_up(
    session: AsyncSession,
    *,
    clock: Clock,
    item_id: int,
    actor: Actor,
    text: str,
    received_at: datetime | None = None,
) -> Item:
    """Register the repeat of appeal `item_id` for the same citizen and reply address; an event
    on both items names the other. One transaction."""
    async with committing(session):
        first = await access_item(session, item_id=item_id, actor=actor)
        if first.kind is not ItemKind.appeal_59fz:
            raise Invalid(
                f"{first.number} — не обращение 59-ФЗ: повторным может быть только обращение; "
                "новое сообщение зарегистрируйте обычным порядком"
            )
        ctx = await load_context(session, municipality_id=first.municipality_id)
        now = clock.now()
        new = NewItem(
            kind=ItemKind.appeal_59fz,
            channel=first.channel,
            text=text,
            sector_id=first.sector_id,
            locality_id=first.locality_id,
            place_text=first.place_text,
            citizen_id=first.citizen_id,
            received_at=received_at or now,
        )
        clean = await get_valid_text(session, ctx=ctx, new=new, actor=actor, now=now)
        previous = await session.get(Appeal, first.id)
        # Registered as any appeal (deadlines, the raw 30th day, the «registered» letter), at the
        # reply address and about the body of the first.
        valid = ValidAppeal(
            AppealIntake(),
            previous.reply_by if previous else None,
            previous.complained_body_id if previous else None,
        )
        item = await do_register_item(
            session, ctx=ctx, now=now, new=new, text=clean, actor=actor, appeal=valid
        )
        appeal = await session.get(Appeal, item.id)
        assert appeal is not None  # registration made it
        appeal.previous_item_id = first.id
        session.add(appeal)
        links = {"previous_item_id": first.id, "previous_number": first.number}
        session.add(audit_event(item, actor=actor, action="follow_up_of", now=now, data=links))
        session.add(
            audit_event(
                first,
                actor=actor,
                action="followed_up",
                now=now,
                data={"follow_up_item_id": item.id, "follow_up_number": item.number},
            )
        )
        return item
