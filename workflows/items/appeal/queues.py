"""The queues of the 59-ФЗ roles: the officer for ПОС (ПОС items open, appeals to register),
the глава (answers to sign, appeals overdue), the head (the глава's, and the decisions waiting
for the head: untriaged, reopened, extension asked)."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemKind, ItemStatus, Role
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.items.access import visible_items
from workflows.items.transitions import OPEN

POS_ROLES = frozenset({Role.pos_officer, Role.operator})  # operators stand in for a missing one
GLAVA_ROLES = frozenset({Role.glava})
HEAD_ROLES = frozenset({Role.head, Role.admin})
QUEUE_ROLES = POS_ROLES | GLAVA_ROLES | HEAD_ROLES


def _pos() -> ColumnElement[bool]:
    appeal_received = and_(
        col(Item.kind) == ItemKind.appeal_59fz, col(Item.status) == ItemStatus.received
    )
    return or_(and_(col(Item.channel) == Channel.pos, col(Item.status).in_(OPEN)), appeal_received)


def _glava(now: datetime) -> ColumnElement[bool]:
    open_overdue = and_(col(Item.status).in_(OPEN), col(Item.due_at) < now)
    return and_(
        col(Item.kind) == ItemKind.appeal_59fz,
        or_(col(Item.status) == ItemStatus.signoff, open_overdue),
    )


def _head_decisions() -> ColumnElement[bool]:
    waiting = col(Item.status).in_([ItemStatus.new, ItemStatus.reopened])
    asked = and_(col(Item.extension_requested_days).is_not(None), col(Item.status).in_(OPEN))
    return or_(waiting, asked)


async def get_appeal_queue(
    session: AsyncSession, *, actor: Actor, now: datetime, limit: int = 200
) -> list[Item]:
    """The caller's queue, the nearest deadline (to register or to answer) first."""
    if actor.role in POS_ROLES:
        where = _pos()
    elif actor.role in GLAVA_ROLES:
        where = _glava(now)
    elif actor.role in HEAD_ROLES:
        where = or_(_glava(now), _head_decisions())
    else:
        raise Forbidden(
            "очередь обращений есть у ответственного за ПОС, оператора, главы и руководителя МЦУ"
        )
    deadline = func.coalesce(col(Item.due_at), col(Item.register_due_at))
    rows = await session.exec(
        select(Item)
        .where(visible_items(actor), where)
        .order_by(deadline.asc().nulls_last(), col(Item.id))
        .limit(limit)
    )
    return list(rows)
