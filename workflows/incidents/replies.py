"""Staff decisions on an incident's answer waiting to be published under its post: approve,
decline, or (after VK refused it for good) try again. Each is a compare-and-set on the reply's
status, so a repeated or stale press changes nothing and says why."""

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Item, ReplyStatus, Role, SocialReply
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import Forbidden, IllegalTransition, NotFound
from workflows.core.tx import changed, committing
from workflows.items.audit import audit_event

DECIDERS = frozenset({Role.operator, Role.head, Role.admin})
STATUS_RU = {
    ReplyStatus.awaiting: "ждёт одобрения",
    ReplyStatus.approved: "одобрен и ждёт отправки",
    ReplyStatus.sent: "уже опубликован",
    ReplyStatus.failed: "не опубликован: ВКонтакте отказал",
    ReplyStatus.declined: "снят с публикации",
}


@dataclass(frozen=True)
class Decision:
    """What a decision may do: from which statuses, to which, and the item's audit action."""

    sources: frozenset[ReplyStatus]
    target: ReplyStatus
    action: str
    verb: str


APPROVE = Decision(
    frozenset({ReplyStatus.awaiting}), ReplyStatus.approved, "reply_approved", "одобрить"
)
DECLINE = Decision(
    frozenset({ReplyStatus.awaiting, ReplyStatus.failed}),
    ReplyStatus.declined,
    "reply_declined",
    "снять с публикации",
)
RETRY = Decision(
    frozenset({ReplyStatus.failed}), ReplyStatus.approved, "reply_retried", "повторить"
)


async def access_reply(session: AsyncSession, *, reply_id: int, actor: Actor) -> SocialReply:
    """A reply the actor may decide on: an operator, a head or an admin of its municipality."""
    reply = await session.get(SocialReply, reply_id)
    if reply is None or not actor.sees_municipality(reply.municipality_id):
        raise NotFound(f"ответ для публикации {reply_id} не найден")
    if actor.kind is not ActorKind.staff or actor.role not in DECIDERS:
        raise Forbidden("решать о публикации ответа может оператор, руководитель МЦУ или админ")
    return reply


async def get_replies(session: AsyncSession, *, item_id: int) -> list[SocialReply]:
    """An item's replies for the wall, oldest first."""
    q = select(SocialReply).where(SocialReply.item_id == item_id).order_by(col(SocialReply.id))
    return list(await session.exec(q))


async def do_decide(
    session: AsyncSession, *, reply_id: int, actor: Actor, clock: Clock, decision: Decision
) -> SocialReply:
    """Move the reply if it is where the decision starts (else refuse, nothing changed) and
    note it on the item's timeline."""
    reply = await access_reply(session, reply_id=reply_id, actor=actor)
    seen = reply.status
    if seen not in decision.sources:
        raise IllegalTransition(f"Ответ нельзя {decision.verb}: он {STATUS_RU[ReplyStatus(seen)]}.")
    now = clock.now()
    values: dict[str, object] = {
        "status": decision.target,
        "decided_by_id": actor.id,
        "updated_at": now,
    }
    if decision is RETRY:
        values |= {"attempts": 0, "next_attempt_at": now, "error": None}
    done = await changed(
        session,
        update(SocialReply)
        .where(col(SocialReply.id) == reply.id, col(SocialReply.status) == seen)
        .values(**values),
    )
    if done != 1:
        raise IllegalTransition("Ответ только что изменил кто-то другой: обновите сообщение.")
    await session.refresh(reply)
    item = await session.get(Item, reply.item_id)
    if item is not None:
        data = {"reply_id": reply.id, "answer_version": reply.answer_version}
        session.add(audit_event(item, actor=actor, action=decision.action, now=now, data=data))
        await session.flush()
    return reply


async def check_approve_reply(
    session: AsyncSession, *, reply_id: int, actor: Actor, clock: Clock
) -> SocialReply:
    """Approve an awaiting reply: the publisher sends it next."""
    async with committing(session):
        return await do_decide(
            session, reply_id=reply_id, actor=actor, clock=clock, decision=APPROVE
        )


async def check_decline_reply(
    session: AsyncSession, *, reply_id: int, actor: Actor, clock: Clock
) -> SocialReply:
    """Decline an awaiting reply, or give up on one VK refused: it is never published."""
    async with committing(session):
        return await do_decide(
            session, reply_id=reply_id, actor=actor, clock=clock, decision=DECLINE
        )


async def check_retry_reply(
    session: AsyncSession, *, reply_id: int, actor: Actor, clock: Clock
) -> SocialReply:
    """Send a refused reply again (the comments were opened again, say)."""
    async with committing(session):
        return await do_decide(session, reply_id=reply_id, actor=actor, clock=clock, decision=RETRY)
