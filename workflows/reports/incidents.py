"""Social-network incidents of a period: how many, from how many posts, how many got their first
reaction within the take deadline, how many answers were published on the wall, and where."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, distinct, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemKind, Locality, Sector, SocialMonitor, SocialPost, SocialReply
from models.social import ReplyStatus
from workflows.calendar.periods import Period
from workflows.reports.scope import Scope, T, get_names, in_period, resolve, tune

TOP = 3  # localities and sectors named in the note


@dataclass
class IncidentWeek:
    """Incidents registered in the period (kind `incident`), with their posts and replies."""

    monitored: bool  # some municipality of the scope watches public walls
    incidents: int
    posts: int  # SocialPost rows joined to these incidents
    reacted_in_time: int  # taken at or before the take deadline then in force
    reacted_late: int  # taken after it
    no_reaction: int  # not taken yet
    published: int  # incidents with an answer sent as the community's comment
    localities: list[tuple[str, int]] = field(default_factory=list)  # the busiest first
    sectors: list[tuple[str, int]] = field(default_factory=list)
    example: dict[str, str | int] | None = None  # number, text, posts: the most posted one


async def get_incident_week(session: AsyncSession, *, scope: Scope, period: Period) -> IncidentWeek:
    """The period's incidents in the scope: one pass over the registration index for the counts
    by place and sector, then their posts and replies by `item_id` (both indexed)."""
    await tune(session)
    scope = replace(await resolve(session, scope), kinds=(ItemKind.incident,))
    mine = [*scope.where(), in_period(T.registered_at, period)]
    in_time = and_(
        T.taken_at.is_not(None), or_(T.take_due_at.is_(None), T.taken_at <= T.take_due_at)
    )
    rows = (
        await session.execute(
            select(
                T.sector_id,
                T.locality_id,
                func.count(),
                func.count().filter(in_time),
                func.count().filter(T.taken_at > T.take_due_at),
                func.count().filter(T.taken_at.is_(None)),
            )
            .where(*mine)
            .group_by(T.sector_id, T.locality_id)
        )
    ).all()
    monitored = await _monitored(session, scope)
    total = sum(r[2] for r in rows)
    if total == 0:
        return IncidentWeek(monitored, 0, 0, 0, 0, 0, 0)
    item_t: Any = Item.__table__  # type: ignore[attr-defined]
    post_t: Any = SocialPost.__table__  # type: ignore[attr-defined]
    reply_t: Any = SocialReply.__table__  # type: ignore[attr-defined]
    post, reply = post_t.c, reply_t.c
    posts = (
        await session.execute(
            select(func.count()).select_from(post_t.join(item_t, post.item_id == T.id)).where(*mine)
        )
    ).scalar_one()
    published = (
        await session.execute(
            select(func.count(distinct(reply.item_id)))
            .select_from(reply_t.join(item_t, reply.item_id == T.id))
            .where(*mine, reply.status == ReplyStatus.sent.value)
        )
    ).scalar_one()
    n_posts = func.count(post.id)
    top = (
        await session.execute(
            select(T.number, T.text, n_posts)
            .select_from(item_t.join(post_t, post.item_id == T.id))
            .where(*mine)
            .group_by(T.id, T.number, T.text, T.registered_at)
            .order_by(n_posts.desc(), T.registered_at)
            .limit(1)
        )
    ).first()
    return IncidentWeek(
        monitored=monitored,
        incidents=total,
        posts=posts,
        reacted_in_time=sum(r[3] for r in rows),
        reacted_late=sum(r[4] for r in rows),
        no_reaction=sum(r[5] for r in rows),
        published=published,
        localities=await _top(session, Locality, rows, 1),
        sectors=await _top(session, Sector, rows, 0),
        example=None if top is None else {"number": top[0], "text": top[1], "posts": top[2]},
    )


async def _monitored(session: AsyncSession, scope: Scope) -> bool:
    """Whether the scope watches walls: then a week without incidents is worth saying."""
    q = select(func.count()).where(col(SocialMonitor.active).is_(True))
    if scope.municipality_ids is not None:
        q = q.where(col(SocialMonitor.municipality_id).in_(scope.municipality_ids))
    return bool((await session.execute(q)).scalar_one())


async def _top(
    session: AsyncSession, table: Any, rows: Sequence[Any], pos: int
) -> list[tuple[str, int]]:
    """The TOP busiest keys of one dimension (a place or a sector), by name; unknown ones left out."""
    counts: dict[int, int] = {}
    for r in rows:
        if r[pos] is not None:
            counts[r[pos]] = counts.get(r[pos], 0) + r[2]
    names = await get_names(session, table, set(counts))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names.get(kv[0], "")))
    return [(names.get(k, f"#{k}"), n) for k, n in ranked[:TOP]]
