"""The timer poller: claims due timers (SKIP LOCKED), fires each once, in the claim's transaction."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, insert, literal_column, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Channel, Item, ItemEvent, ItemStatus, Staff, Timer, TimerStatus
from workflows.actors import Actor
from workflows.clock import Clock
from workflows.context import MunicipalityContext, load_context
from workflows.deadlines import LadderStep, ladder_of
from workflows.lifecycle import ActionInput, apply_action
from workflows.notify import enqueue, item_card, staff_notice
from workflows.timers import AUTO_CLOSE, UNTAKEN, step_kind
from workflows.transitions import OPEN, Action

log = logging.getLogger(__name__)
# A literal, not a bound parameter: a cached generic plan could not use the partial index.
PENDING: ColumnClause[Any] = literal_column("'pending'")


def due_timers_query(now: datetime, limit: int) -> Any:
    """Due pending timers, oldest first, skipping rows another poller holds (partial index)."""
    return (
        select(Timer)
        .where(col(Timer.status) == PENDING, col(Timer.due_at) <= now)
        .order_by(col(Timer.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending timer falls due: the poller sleeps until then."""
    query = select(func.min(Timer.due_at)).where(col(Timer.status) == PENDING)
    return (await session.exec(query)).one()


@dataclass
class Batch:
    """What one claim decided: notices, audit events and timer status changes."""

    now: datetime
    contexts: dict[int, MunicipalityContext] = field(default_factory=dict)
    ladders: dict[int, dict[str, LadderStep]] = field(default_factory=dict)
    notices: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def step_of(self, ctx: MunicipalityContext, item: Item, kind: str) -> LadderStep | None:
        """The ladder step a timer kind names, parsing each policy's ladder once per batch."""
        policy = ctx.policy_of(item)
        if policy is None or policy.id is None:
            return None
        if policy.id not in self.ladders:
            self.ladders[policy.id] = {step_kind(s.code): s for s in ladder_of(policy)}
        return self.ladders[policy.id].get(kind)


async def fire_batch(session: AsyncSession, *, now: datetime, limit: int = 500) -> int:
    """Claim and fire up to `limit` due timers; the caller commits. Returns how many were claimed."""
    timers = list(await session.exec(due_timers_query(now, limit)))
    if not timers:
        return 0
    ids = {t.item_id for t in timers}
    items = {i.id: i for i in await session.exec(select(Item).where(col(Item.id).in_(ids)))}
    batch = Batch(now)
    for t in timers:
        item = items[t.item_id]
        ctx = batch.contexts.get(item.municipality_id)
        if ctx is None:
            ctx = await load_context(session, municipality_id=item.municipality_id)
            batch.contexts[item.municipality_id] = ctx
        if t.item_version != item.version:
            batch.cancelled.append(t.id or 0)  # planned for a state the item has left
        elif t.kind == AUTO_CLOSE:
            await _auto_close(session, ctx=ctx, timer=t, item=item, now=now)
        else:
            _fire_step(batch, ctx=ctx, timer=t, item=item)
    if batch.events:
        await session.execute(insert(ItemEvent), batch.events)
    await enqueue(session, batch.notices)
    await _mark(session, batch.done, TimerStatus.done, now)
    await _mark(session, batch.cancelled, TimerStatus.cancelled, now)
    return len(timers)


def _fire_step(batch: Batch, *, ctx: MunicipalityContext, timer: Timer, item: Item) -> None:
    """Tell the people a ladder step names, once, unless quiet hours or the item moved on."""
    step = batch.step_of(ctx, item, timer.kind)
    live = UNTAKEN if step and step.anchor in ("take_due", "forward_due") else OPEN
    if step is None or item.status not in live:
        batch.cancelled.append(timer.id or 0)
        return
    if not step.urgent and not ctx.calendar.is_working_moment(batch.now):
        timer.due_at = ctx.calendar.next_working_moment(batch.now)  # wait for the morning
        return
    payload = {
        **item_card(item, ctx.directory),
        "step": step.code,
        "anchor": step.anchor,
        "anchor_at": timer.anchor_at.isoformat() if timer.anchor_at else None,
    }
    kind = "reminder" if step.notify == ("assignee",) else "escalation"
    told: dict[int, Staff] = {}
    for who in step.notify:
        told.update((s.id or 0, s) for s in ctx.directory.targets(item, who))
    batch.notices += [
        staff_notice(
            staff=s,
            item=item,
            kind=kind,
            payload=payload,
            dedup=f"t{timer.id}",
            now=batch.now,
            urgent=step.urgent,
        )
        for s in told.values()
    ]
    batch.events.append(
        {
            "item_id": item.id,
            "at": batch.now,
            "actor_kind": ActorKind.system,
            "actor_id": None,
            "channel": Channel.system,
            "action": f"{kind}:{step.code}",
            "from_status": item.status,
            "to_status": item.status,
            "version": item.version,
            "reason": None,
            "data": {"timer_id": timer.id, "told": sorted(told)},
        }
    )
    batch.done.append(timer.id or 0)


async def _auto_close(
    session: AsyncSession, *, ctx: MunicipalityContext, timer: Timer, item: Item, now: datetime
) -> None:
    # Marked done first: closing re-plans the item and would cancel a pending timer.
    await _mark(session, [timer.id or 0], TimerStatus.done, now)
    if item.status is ItemStatus.answered:
        await apply_action(
            session,
            ctx=ctx,
            now=now,
            item=item,
            action=Action.close,
            actor=Actor.system(),
            version=item.version,
            data=ActionInput(),
        )


async def _mark(session: AsyncSession, ids: list[int], status: TimerStatus, now: datetime) -> None:
    if ids:
        await session.execute(
            update(Timer).where(col(Timer.id).in_(ids)).values(status=status, fired_at=now)
        )


async def run_due_timers(
    sessionmaker: async_sessionmaker[AsyncSession], *, clock: Clock, limit: int = 500
) -> int:
    """Fire everything due now, batch by batch, each batch its own transaction."""
    total = 0
    while True:
        async with sessionmaker() as session:
            n = await fire_batch(session, now=clock.now(), limit=limit)
            await session.commit()
        total += n
        if n < limit:
            return total
