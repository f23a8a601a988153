"""Staff as chat channels see them: who is behind a Telegram account, cards shown to them."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Role, Staff, StaffCard


async def get_staff_by_telegram(session: AsyncSession, *, telegram_id: int) -> Staff | None:
    """The active staff member bound to this Telegram account, if any."""
    row = (await session.exec(select(Staff).where(Staff.telegram_id == telegram_id))).first()
    return row if row is not None and row.active else None


async def get_assignable(session: AsyncSession, *, municipality_id: int) -> list[Staff]:
    """Who an item can be handed to: recipients and sector leads, by name."""
    rows = await session.exec(
        select(Staff)
        .where(
            Staff.municipality_id == municipality_id,
            col(Staff.active),
            col(Staff.role).in_([Role.recipient, Role.sector_lead]),
        )
        .order_by(col(Staff.name))
    )
    return list(rows)


async def get_card(session: AsyncSession, *, item_id: int, staff_id: int) -> StaffCard | None:
    return (
        await session.exec(
            select(StaffCard).where(StaffCard.item_id == item_id, StaffCard.staff_id == staff_id)
        )
    ).first()


async def do_save_card(
    session: AsyncSession,
    *,
    item_id: int,
    staff_id: int,
    channel: Channel,
    chat_id: str,
    message_id: int,
    has_photo: bool,
    now: datetime,
) -> None:
    """Remember the newest message that shows this item to this staff member; the caller
    commits."""
    card = await get_card(session, item_id=item_id, staff_id=staff_id)
    if card is None:
        card = StaffCard(
            item_id=item_id,
            staff_id=staff_id,
            channel=channel,
            chat_id=chat_id,
            message_id=message_id,
            has_photo=has_photo,
            updated_at=now,
        )
        session.add(card)
    card.chat_id, card.message_id, card.has_photo, card.updated_at = (
        chat_id,
        message_id,
        has_photo,
        now,
    )


async def get_card_holders(session: AsyncSession, *, item_id: int) -> list[int]:
    """Staff who have a card of this item (their card is refreshed when it moves)."""
    rows = await session.exec(select(StaffCard.staff_id).where(StaffCard.item_id == item_id))
    return list(rows)
