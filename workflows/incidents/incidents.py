"""Candidates become incidents: a post accepted (by the operator, or by its score above the
municipality's `accept_above`) joins the open incident about the same problem — close in text,
place and time, as the grouping measures it — or opens a new one: an item of kind `incident`,
registered and routed like any message. Staff merge and split by hand (`handwork.py`).

Every change to an incident's posts leaves an audit event on the item, so its timeline tells
which posts it was made of and who decided."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    ActorKind,
    Channel,
    Item,
    ItemKind,
    Locality,
    SocialPost,
    SocialStatus,
)
from models.enums import OPEN_STATUSES
from models.item import MAX_TEXT
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import Invalid
from workflows.core.tx import committing
from workflows.incidents.candidates import SeenLike, do_store_seen, get_monitor, get_vocabulary
from workflows.incidents.deciders import access_decider, lock_post
from workflows.incidents.grouping import JOIN_AT, WINDOW_HOURS, Post, similar
from workflows.incidents.learning import Learned
from workflows.incidents.matching import score
from workflows.incidents.vocabulary import Vocabulary
from workflows.items.audit import audit_event
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.register import NewItem, do_register_item

MAX_JOIN_POSTS = 200  # an incident's posts compared with a newcomer: the latest this many


@dataclass(frozen=True)
class Placed:
    """Where an accepted post went: the incident, and whether it opened it."""

    post: SocialPost
    item: Item
    opened: bool
    similarity: float | None = None  # to the incident it joined


def as_post(row: SocialPost) -> Post:
    """The grouping's view of a stored post."""
    return Post(
        id=str(row.id),
        at=row.posted_at,
        text=row.text,
        source=f"{row.owner_id}",
        kind="comment" if row.comment_id else "post",
    )


async def _locality_id(
    session: AsyncSession, ctx: MunicipalityContext, text: str, vocabulary: Vocabulary
) -> int | None:
    """The locality a post names, when it names exactly one."""
    places = score(text, vocabulary).localities
    if len(places) != 1:
        return None
    (name,) = places
    return (
        await session.exec(
            select(Locality.id).where(
                Locality.municipality_id == ctx.municipality.id, Locality.name == name
            )
        )
    ).first()


async def _best_incident(
    session: AsyncSession, post: SocialPost, vocabulary: Vocabulary
) -> tuple[Item, float] | None:
    """The open incident most similar to the post, when similar enough to join."""
    since = post.posted_at - timedelta(hours=WINDOW_HOURS)
    rows = (
        await session.exec(
            select(SocialPost, Item)
            .join(Item, col(Item.id) == col(SocialPost.item_id))
            .where(
                SocialPost.municipality_id == post.municipality_id,
                Item.kind == ItemKind.incident,
                col(Item.status).in_(OPEN_STATUSES),
                col(SocialPost.posted_at) >= since,
                col(SocialPost.posted_at) <= post.posted_at + timedelta(hours=WINDOW_HOURS),
                SocialPost.id != post.id,
            )
            .order_by(col(SocialPost.posted_at).desc())
            .limit(MAX_JOIN_POSTS)
        )
    ).all()
    best: tuple[Item, float] | None = None
    mine = as_post(post)
    for other, item in rows:
        value = similar(mine, as_post(other), vocabulary)
        if value >= JOIN_AT and (best is None or value > best[1]):
            best = (item, value)
    return best


async def do_open_incident(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    post: SocialPost,
    vocabulary: Vocabulary,
    actor: Actor,
    data: dict[str, object],
) -> Item:
    """A new incident from its first post: registered and routed by the system, the post's
    place taken when it names exactly one. Not its sector: a sector set at registration would
    keep the item from the incident officer's rule (routing keeps an item in its sector)."""
    locality_id = await _locality_id(session, ctx, post.text, vocabulary)
    text = post.text[:MAX_TEXT].strip() or "(публикация без текста)"
    item = await do_register_item(
        session,
        ctx=ctx,
        now=now,
        new=NewItem(
            kind=ItemKind.incident,
            channel=Channel.vk,
            text=text,
            locality_id=locality_id,
            received_at=min(post.posted_at, now),
        ),
        text=text,
        actor=Actor.system(),
    )
    await _join(session, item=item, post=post, actor=actor, now=now, data={"opened": True, **data})
    return item


async def _join(
    session: AsyncSession,
    *,
    item: Item,
    post: SocialPost,
    actor: Actor,
    now: datetime,
    data: dict[str, object],
) -> None:
    """The post becomes the incident's, and the incident's timeline says which post and why."""
    post.item_id = item.id
    session.add(post)
    session.add(
        audit_event(
            item,
            actor=actor,
            action="post_joined",
            now=now,
            data={"post": post.id, "link": post.link, **data},
        )
    )
    await session.flush()


async def do_place(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    post: SocialPost,
    vocabulary: Vocabulary,
    actor: Actor,
) -> Placed:
    """Join the accepted post to the open incident it belongs to, or open one; in the caller's
    transaction. The incident is told in its timeline which post came and why."""
    best = await _best_incident(session, post, vocabulary)
    if best is not None:
        item, value = best
        await _join(session, item=item, post=post, actor=actor, now=now, data={"similarity": value})
        return Placed(post, item, opened=False, similarity=value)
    item = await do_open_incident(
        session, ctx=ctx, now=now, post=post, vocabulary=vocabulary, actor=actor, data={}
    )
    return Placed(post, item, opened=True)


async def get_incident_setup(
    session: AsyncSession, municipality_id: int
) -> tuple[MunicipalityContext, Vocabulary]:
    """The municipality's context and the vocabulary its posts are compared with."""
    monitor = await get_monitor(session, municipality_id=municipality_id)
    keywords = monitor.keywords if monitor else []
    vocabulary = await get_vocabulary(session, municipality_id=municipality_id, keywords=keywords)
    return await load_context(session, municipality_id=municipality_id), vocabulary


async def check_accept(
    session: AsyncSession, *, clock: Clock, post_id: int, actor: Actor
) -> Placed:
    """The operator says the post is about a local problem: it joins or opens an incident."""
    async with committing(session):
        post = await lock_post(session, post_id)
        await access_decider(session, actor, post.municipality_id)
        if post.status is SocialStatus.accepted:
            raise Invalid(f"публикация {post_id} уже принята")
        now = clock.now()
        ctx, vocabulary = await get_incident_setup(session, post.municipality_id)
        post.status = SocialStatus.accepted
        post.decided_by_id = actor.id if actor.kind is ActorKind.staff else None
        post.decided_at = now
        post.auto = False
        return await do_place(
            session, ctx=ctx, now=now, post=post, vocabulary=vocabulary, actor=actor
        )


async def check_dismiss(
    session: AsyncSession, *, clock: Clock, post_id: int, actor: Actor
) -> SocialPost:
    """Not a local problem (an advert, news, another village): kept as a decision to learn from.
    A post already in an incident is split off first (`check_split`), never dismissed silently."""
    async with committing(session):
        post = await lock_post(session, post_id)
        await access_decider(session, actor, post.municipality_id)
        if post.item_id is not None:
            raise Invalid(
                f"публикация {post_id} уже входит в инцидент: сначала отделите её от инцидента"
            )
        if post.status is SocialStatus.dismissed:
            raise Invalid(f"публикация {post_id} уже отклонена")
        post.status = SocialStatus.dismissed
        post.decided_by_id = actor.id if actor.kind is ActorKind.staff else None
        post.decided_at = clock.now()
        post.auto = False
        session.add(post)
        return post


async def do_accept_new(
    session: AsyncSession,
    *,
    municipality_id: int,
    ids: Sequence[int],
    accept_above: float | None,
    clock: Clock,
    learned: Learned | None = None,
) -> list[Placed]:
    """Posts just stored whose score reaches `accept_above` are accepted by the score, in time
    order so that the first of a problem opens the incident and the next ones join it."""
    if accept_above is None or not ids:
        return []
    rows = (
        await session.exec(
            select(SocialPost)
            .where(
                col(SocialPost.id).in_(list(ids)),
                SocialPost.status == SocialStatus.candidate,
                col(SocialPost.score) >= accept_above,
            )
            .order_by(col(SocialPost.posted_at), col(SocialPost.id))
        )
    ).all()
    if not rows:
        return []
    now = clock.now()
    ctx, vocabulary = await get_incident_setup(session, municipality_id)
    placed = []
    for post in rows:
        post.status = SocialStatus.accepted
        post.decided_at = now
        post.auto = True
        placed.append(
            await do_place(
                session, ctx=ctx, now=now, post=post, vocabulary=vocabulary, actor=Actor.system()
            )
        )
    return placed


async def check_store_and_accept(
    session: AsyncSession,
    *,
    municipality_id: int,
    seen: Sequence[SeenLike],
    vocabulary: Vocabulary,
    threshold: float,
    accept_above: float | None,
    clock: Clock,
    learned: Learned | None = None,
) -> list[Placed]:
    """What monitoring read stored scored, and what scores above `accept_above` put into
    incidents, in one transaction: a crash stores and accepts all of it or none."""
    async with committing(session):
        ids = await do_store_seen(
            session,
            municipality_id=municipality_id,
            seen=seen,
            vocabulary=vocabulary,
            threshold=threshold,
            clock=clock,
            learned=learned,
        )
        return await do_accept_new(
            session,
            municipality_id=municipality_id,
            ids=ids,
            accept_above=accept_above,
            clock=clock,
        )
