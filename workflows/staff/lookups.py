"""Staff as chat channels find them: who is behind a Telegram account, who an item can go to."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role, Staff


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
