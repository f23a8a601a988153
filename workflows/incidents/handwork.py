"""Incidents corrected by hand: two incidents about one problem merged, a post that belongs
to another problem split off into its own incident."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemKind, SocialPost
from models.enums import OPEN_STATUSES
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import Invalid, NotFound
from workflows.core.tx import committing
from workflows.incidents.deciders import access_decider, lock_post
from workflows.incidents.incidents import Placed, do_open_incident, get_incident_setup
from workflows.items.audit import audit_event
from workflows.items.context import load_context
from workflows.items.effects import ActionInput
from workflows.items.lifecycle import apply_action
from workflows.items.transitions import Action


async def _incident_for_update(session: AsyncSession, item_id: int, actor: Actor) -> Item:
    item = (
        await session.exec(
            select(Item).where(Item.id == item_id).with_for_update(),
            execution_options={"populate_existing": True},
        )
    ).first()
    if item is None or not actor.sees_municipality(item.municipality_id):
        raise NotFound(f"инцидент {item_id} не найден")
    if item.kind is not ItemKind.incident:
        raise Invalid(f"{item.number} — не инцидент из соцсетей")
    return item


async def check_merge_incidents(
    session: AsyncSession, *, clock: Clock, item_id: int, into_id: int, actor: Actor
) -> Item:
    """One problem opened twice: the posts of `item_id` move to `into_id`, which stays; the
    first is closed as merged. Both must be open incidents of one municipality."""
    async with committing(session):
        if item_id == into_id:
            raise Invalid("инцидент нельзя объединить с самим собой")
        source = await _incident_for_update(session, item_id, actor)
        target = await _incident_for_update(session, into_id, actor)
        if source.municipality_id != target.municipality_id:
            raise NotFound(f"инцидент {into_id} не найден")
        await access_decider(session, actor, source.municipality_id)
        for item in (source, target):
            if item.status not in OPEN_STATUSES:
                raise Invalid(f"инцидент {item.number} уже закрыт или отвечен: объединять поздно")
        now = clock.now()
        ctx = await load_context(session, municipality_id=source.municipality_id)
        moved = (
            await session.exec(select(SocialPost).where(SocialPost.item_id == source.id))
        ).all()
        for post in moved:
            post.item_id = target.id
            session.add(post)
        session.add(
            audit_event(
                target,
                actor=actor,
                action="incident_merged",
                now=now,
                data={"from": source.id, "number": source.number, "posts": [p.id for p in moved]},
            )
        )
        await session.flush()
        await apply_action(
            session,
            ctx=ctx,
            now=now,
            item=source,
            action=Action.merge,
            actor=actor,
            version=None,
            data=ActionInput(target_item_id=target.id, reason="та же проблема, что и в другом"),
        )
        return target


async def check_split(session: AsyncSession, *, clock: Clock, post_id: int, actor: Actor) -> Placed:
    """A post put into an incident it does not belong to: it leaves it and opens its own
    incident (never rejoining the one it left). The last post of an incident stays in it."""
    async with committing(session):
        post = await lock_post(session, post_id)
        await access_decider(session, actor, post.municipality_id)
        if post.item_id is None:
            raise Invalid(f"публикация {post_id} не входит ни в один инцидент")
        old = await _incident_for_update(session, post.item_id, actor)
        others = (
            await session.exec(
                select(SocialPost.id).where(SocialPost.item_id == old.id, SocialPost.id != post.id)
            )
        ).all()
        if not others:
            raise Invalid(f"публикация {post_id} — единственная в инциденте {old.number}")
        now = clock.now()
        ctx = await load_context(session, municipality_id=post.municipality_id)
        session.add(
            audit_event(old, actor=actor, action="post_split", now=now, data={"post": post.id})
        )
        _, vocabulary = await get_incident_setup(session, post.municipality_id)
        item = await do_open_incident(
            session,
            ctx=ctx,
            now=now,
            post=post,
            vocabulary=vocabulary,
            actor=actor,
            data={"split_from": old.id},
        )
        return Placed(post, item, opened=True)
