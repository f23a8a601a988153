"""Reads of monitoring's posts: the candidates waiting, an incident's posts."""

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import SocialPost, SocialStatus


async def get_incident_posts(session: AsyncSession, *, item_id: int) -> list[SocialPost]:
    """An incident's posts and comments, oldest first: the first is where the answer goes."""
    rows = await session.exec(
        select(SocialPost)
        .where(SocialPost.item_id == item_id)
        .order_by(col(SocialPost.posted_at), col(SocialPost.id))
    )
    return list(rows)


async def get_candidates(
    session: AsyncSession,
    *,
    municipality_id: int,
    status: SocialStatus = SocialStatus.candidate,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SocialPost], int]:
    """Stored posts of one state, best score first, and how many there are in all."""
    where = (SocialPost.municipality_id == municipality_id, SocialPost.status == status)
    total = await session.scalar(select(func.count()).select_from(SocialPost).where(*where))
    rows = await session.exec(
        select(SocialPost)
        .where(*where)
        .order_by(col(SocialPost.score).desc(), col(SocialPost.posted_at).desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
