"""Dead letters: notices the sender gave up on. They make the readiness check fail while
recent (given up within MCU_READY_DEAD_HOURS); an operator clears them by sending them again,
once the cause (a blocked bot, a wrong token) is fixed, or lets them age out of the window."""

from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Outbox, OutboxStatus
from workflows.core.errors import NotFound
from workflows.core.tx import committing


def _dead_since(since: datetime | None) -> list[ColumnElement[bool]]:
    # A dead row's next_attempt_at is the moment it was given up (the sender sets it so).
    where: list[ColumnElement[bool]] = [col(Outbox.status) == OutboxStatus.dead]
    if since is not None:
        where.append(col(Outbox.next_attempt_at) >= since)
    return where


async def get_dead_count(session: AsyncSession, *, since: datetime | None = None) -> int:
    """How many notices were given up (since a moment, or ever)."""
    n = await session.exec(select(func.count()).select_from(Outbox).where(*_dead_since(since)))
    return int(n.one())


async def get_dead_letters(
    session: AsyncSession, *, since: datetime | None = None, limit: int = 100
) -> list[Outbox]:
    """The latest dead letters first."""
    rows = await session.exec(
        select(Outbox)
        .where(*_dead_since(since))
        .order_by(col(Outbox.next_attempt_at).desc(), col(Outbox.id).desc())
        .limit(limit)
    )
    return list(rows)


async def check_resend_dead(session: AsyncSession, *, ids: list[int] | None, now: datetime) -> int:
    """Queue dead letters again (the given ids, or all of them) with fresh attempts; the parts
    a notice already delivered are not sent twice. Returns how many were queued."""
    async with committing(session):
        where = [col(Outbox.status) == OutboxStatus.dead]
        if ids is not None:
            found = set(
                await session.exec(select(Outbox.id).where(col(Outbox.id).in_(ids), *where))
            )
            missing = sorted(set(ids) - found)
            if missing:
                shown = ", ".join(f"#{i}" for i in missing[:10])
                raise NotFound(f"нет недоставленных уведомлений с номерами {shown}")
            where.append(col(Outbox.id).in_(ids))
        result = await session.execute(
            update(Outbox)
            .where(*where)
            .values(status=OutboxStatus.pending, attempts=0, next_attempt_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
