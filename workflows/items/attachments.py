"""Files sent with an item: the channel's ids of photos, voice messages and documents, kept with
the item whoever sent them (the citizen with a report, staff with an answer)."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Attachment, Channel


async def do_add_attachments(
    session: AsyncSession,
    *,
    item_id: int,
    channel: Channel,
    files: list[tuple[str, str]],
    from_citizen: bool,
    now: datetime,
) -> None:
    """Keep the channel's file ids of photos, voice messages and files sent with an item."""
    for kind, file_id in files:
        session.add(
            Attachment(
                item_id=item_id,
                channel=channel,
                kind=kind,
                file_id=file_id,
                from_citizen=from_citizen,
                added_at=now,
            )
        )
    await session.flush()


async def get_attachments(session: AsyncSession, *, item_id: int) -> list[Attachment]:
    rows = await session.exec(
        select(Attachment).where(Attachment.item_id == item_id).order_by(col(Attachment.id))
    )
    return list(rows)
