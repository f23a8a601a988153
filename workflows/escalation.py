"""The timer poller: claims due timers (SKIP LOCKED), fires each once, in the claim's transaction."""

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Channel, Item, ItemEvent, ItemStatus, Staff, Timer, TimerStatus
from workflows.actors import Actor
from workflows.clock import Clock
from workflows.context import MunicipalityContext, load_context
from workflows.deadlines import ladder_of
from workflows.lifecycle import ActionInput, apply_action
from workflows.notify import enqueue, item_card, staff_notice
from workflows.timers import AUTO_CLOSE, UNTAKEN, step_kind
from workflows.transitions import OPEN, Action

log = logging.getLogger(__name__)


def due_timers_query(now: datetime, limit: int) -> Any:
    """Due pending timers, oldest first, skipping rows another poller holds (partial index)."""
    return (
        select(Timer)
        .where(col(Timer.status) == TimerStatus.pending, col(Timer.due_at) <= now)
        .order_by(col(Timer.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending timer falls due: the poller sleeps until then."""
    return (
        await session.exec(
            select(func.min(Timer.due_at)).where(Timer.status == TimerStatus.pending)
        )
    ).one()


async def fire_batch(session: AsyncSession, *, now: datetime, limit: int = 500) -> int:
    """Claim and fire up to `limit` due timers; the caller commits. Returns how many were claimed."""
    timers = list(await session.exec(due_timers_query(now, limit)))
    if not timers:
        return 0
    items = {
        i.id: i
        for i in await session.exec(
            select(Item).where(col(Item.id).in_({t.item_id for t in timers}))
        )
    }
    contexts: dict[int, MunicipalityContext] = {}
    rows: list[dict[str, Any]] = []
    events: list[ItemEvent] = []
    done: list[int] = []
    cancelled: list[int] = []
    for t in timers:
        item = items[t.item_id]
        ctx = contexts.get(item.municipality_id)
        if ctx is None:
            ctx = contexts[item.municipality_id] = await load_context(
                session, municipality_id=item.municipality_id
            )
        if t.item_version != item.version:
            cancelled.append(t.id or 0)  # planned for a state the item has left
            continue
        if t.kind == AUTO_CLOSE:
            # Marked done first: closing re-plans the item and would cancel a pending timer.
            await _mark(session, [t.id or 0], TimerStatus.done, now)
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
            continue
        policy = ctx.policy_of(item)
        steps = ladder_of(policy) if policy else []
        step = next((s for s in steps if step_kind(s.code) == t.kind), None)
        live = UNTAKEN if step and step.anchor in ("take_due", "forward_due") else OPEN
        if step is None or item.status not in live:
            cancelled.append(t.id or 0)
            continue
        if not step.urgent and not ctx.calendar.is_working_moment(now):
            t.due_at = ctx.calendar.next_working_moment(now)  # quiet hours: wait for the morning
            continue
        card = item_card(item, ctx.directory)
        payload = {
            **card,
            "step": step.code,
            "anchor": step.anchor,
            "anchor_at": t.anchor_at.isoformat() if t.anchor_at else None,
        }
        kind = "reminder" if step.notify == ("assignee",) else "escalation"
        told: dict[int, Staff] = {}
        for who in step.notify:
            told.update((s.id or 0, s) for s in ctx.directory.targets(item, who))
        rows += [
            staff_notice(
                staff=s,
                item=item,
                kind=kind,
                payload=payload,
                dedup=f"t{t.id}",
                now=now,
                urgent=step.urgent,
            )
            for s in told.values()
        ]
        events.append(
            ItemEvent(
                item_id=item.id or 0,
                at=now,
                actor_kind=ActorKind.system,
                channel=Channel.system,
                action=f"{kind}:{step.code}",
                from_status=item.status,
                to_status=item.status,
                version=item.version,
                data={"timer_id": t.id, "told": sorted(told)},
            )
        )
        done.append(t.id or 0)
    session.add_all(events)
    await enqueue(session, rows)
    await _mark(session, done, TimerStatus.done, now)
    await _mark(session, cancelled, TimerStatus.cancelled, now)
    return len(timers)


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
