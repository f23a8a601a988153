"""Who decides on the public posts monitoring found: the operator, the head, the admin, and
the staff the municipality's incident routing rules name (the incident officer)."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, ItemKind, Role, RoutingRule, SocialPost
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, NotFound

DECIDERS = (Role.operator, Role.head, Role.admin)


async def _incident_officers(session: AsyncSession, municipality_id: int) -> set[int]:
    """Staff that the municipality's incident routing rules name: they decide on candidates too."""
    rows = await session.exec(
        select(RoutingRule.assignee_id).where(
            RoutingRule.municipality_id == municipality_id,
            col(RoutingRule.active),
            RoutingRule.kind == ItemKind.incident,
        )
    )
    return {r for r in rows if r is not None}


NOT_DECIDER = (
    "решать по публикациям из соцсетей может оператор, руководитель или ответственный "
    "за инцидент-менеджмент"
)


async def get_may_decide(session: AsyncSession, *, actor: Actor, municipality_id: int) -> bool:
    """Whether the actor may accept, dismiss, merge and split the municipality's posts (the
    dashboard's desk asks before showing residents' texts)."""
    if actor.kind is ActorKind.system:
        return True
    if actor.kind is not ActorKind.staff or not actor.sees_municipality(municipality_id):
        return False
    if actor.role in DECIDERS:
        return True
    return actor.id in await _incident_officers(session, municipality_id)


async def access_decider(session: AsyncSession, actor: Actor, municipality_id: int) -> None:
    """Refuse an actor who may not decide on the municipality's posts (one who may not even see
    them is told there is no such post)."""
    if actor.kind is ActorKind.system:
        return
    if actor.kind is not ActorKind.staff or not actor.sees_municipality(municipality_id):
        raise NotFound("публикация не найдена")
    if not await get_may_decide(session, actor=actor, municipality_id=municipality_id):
        raise Forbidden(NOT_DECIDER)


async def lock_post(session: AsyncSession, post_id: int) -> SocialPost:
    """A stored post, locked for the decision on it."""
    row = (
        await session.exec(
            select(SocialPost).where(SocialPost.id == post_id).with_for_update(),
            execution_options={"populate_existing": True},
        )
    ).first()
    if row is None:
        raise NotFound(f"публикация {post_id} не найдена")
    return row
