"""The cards staff are shown in a chat: which message shows which item to whom, refreshed as it moves."""

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, StaffCard


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
