"""Lists for the head: overdue items, items waiting for a decision, and the period's items for
exports with those needing attention first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, literal, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemStatus
from workflows.calendar.periods import Period
from workflows.reports.scope import (
    Scope,
    T,
    clip,
    in_period,
    is_late,
    is_open,
    is_overdue,
    resolve,
    tune,
)


def _item_row(r: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": r.id,
        "number": r.number,
        "status": r.status.value if isinstance(r.status, ItemStatus) else r.status,
        "sector_id": r.sector_id,
        "assignee_id": r.assignee_id,
        "registered_at": r.registered_at,
        "due_at": r.due_at,
        "text": clip(r.text, 200),
        "overdue_hours": None
        if r.due_at is None
        else round((now - r.due_at).total_seconds() / 3600, 1),
    }


async def get_overdue(
    session: AsyncSession, *, scope: Scope, now: datetime, limit: int = 50
) -> list[dict[str, Any]]:
    """Open items past their deadline now, the longest overdue first."""
    await tune(session)
    scope = await resolve(session, scope)
    q = (
        select(
            T.id, T.number, T.status, T.sector_id, T.assignee_id, T.registered_at, T.due_at, T.text
        )
        .where(*scope.where(), is_overdue(now))
        .order_by(T.due_at)
        .limit(limit)
    )
    return [_item_row(r, now) for r in (await session.execute(q)).all()]


async def get_decisions(
    session: AsyncSession, *, scope: Scope, now: datetime, limit: int = 20
) -> list[dict[str, Any]]:
    """Items waiting for the head: extension requests, reopened by the citizen, untriaged."""
    # Spelled as the partial index `ix_item_decision` (DECISION_SQL) is, so that it serves.
    waiting = or_(
        T.status.in_([literal(s, literal_execute=True) for s in ("new", "reopened")]),
        and_(T.extension_requested_days.is_not(None), is_open()),
    )
    await tune(session)
    scope = await resolve(session, scope)
    why = case(
        (T.extension_requested_days.is_not(None), literal("продление")),
        (T.status == ItemStatus.reopened, literal("открыто повторно")),
        else_=literal("не распределено"),
    )
    q = (
        select(
            T.id,
            T.number,
            T.status,
            T.sector_id,
            T.assignee_id,
            T.registered_at,
            T.due_at,
            T.text,
            why.label("why"),
        )
        .where(*scope.where(), waiting)
        .order_by(T.registered_at)
        .limit(limit)
    )
    out = []
    for r in (await session.execute(q)).all():
        row = _item_row(r, now)
        row["why"] = r.why
        out.append(row)
    return out


def select_items(scope: Scope, period: Period, *, now: datetime | None = None) -> Select[Any]:
    """The period's items for exports (registered in it), oldest first; given `now`, those
    needing attention first (see `attention`)."""
    order = [col(Item.registered_at)] if now is None else [attention(now), col(Item.registered_at)]
    return select(Item).where(*scope.where(), in_period(T.registered_at, period)).order_by(*order)


def attention(now: datetime) -> Any:
    """How much an item needs the head's eye: 0 overdue now, 1 answered late, 2 reopened,
    3 rated 1–2 by the citizen, 4 the rest."""
    return case(
        (is_overdue(now), 0),
        (is_late(), 1),
        (T.reopens > 0, 2),
        (T.rating <= 2, 3),
        else_=4,
    )
