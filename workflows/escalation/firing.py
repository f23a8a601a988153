"""The timer poller: claims due timers (SKIP LOCKED) and fires each once, in the claim's
transaction; a timer that fails is undone alone (a savepoint) and retried later, so one bad timer
holds back neither its batch nor the polls after it (workflows/escalation/retries.py)."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, insert, literal_column, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Channel, Item, ItemEvent, ItemStatus, Staff, Timer, TimerStatus
from models.settings import TIMER_MAX_ATTEMPTS
from workflows.calendar.deadlines import LadderStep, ladder_of
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.logs import log_context
from workflows.escalation.retries import Claimed, Failure, do_record_failures
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.effects import ActionInput
from workflows.items.lifecycle import apply_action
from workflows.items.timers import AUTO_CLOSE, UNTAKEN, step_kind
from workflows.items.transitions import OPEN, Action
from workflows.notifications.notify import enqueue, item_card, staff_notice

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
class Fired:
    """What firing one timer decided; written with the rest of its batch."""

    timer: Claimed
    status: TimerStatus | None = None  # done or cancelled; None: it waits until `wait_until`
    wait_until: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Batch:
    """What one claim decided, timer by timer, and which timers failed."""

    now: datetime
    contexts: dict[int, MunicipalityContext] = field(default_factory=dict)
    ladders: dict[int, dict[str, LadderStep]] = field(default_factory=dict)
    fired: list[Fired] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    async def context(self, session: AsyncSession, municipality_id: int) -> MunicipalityContext:
        """A municipality's context, loaded once per batch (in a savepoint: a failed read must
        not abort the batch's transaction)."""
        ctx = self.contexts.get(municipality_id)
        if ctx is None:
            async with session.begin_nested():
                ctx = await load_context(session, municipality_id=municipality_id)
            self.contexts[municipality_id] = ctx
        return ctx

    def step_of(self, ctx: MunicipalityContext, item: Item, kind: str) -> LadderStep | None:
        """The ladder step a timer kind names, parsing each policy's ladder once per batch."""
        policy = ctx.policy_of(item)
        if policy is None or policy.id is None:
            return None
        if policy.id not in self.ladders:
            self.ladders[policy.id] = {step_kind(s.code): s for s in ladder_of(policy)}
        return self.ladders[policy.id].get(kind)


async def fire_batch(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int = 500,
    max_attempts: int = TIMER_MAX_ATTEMPTS,
) -> int:
    """Claim and fire up to `limit` due timers; the caller commits. Returns how many were claimed.
    A timer that fails is undone alone and counted on its row, so it holds back no other."""
    claimed = [Claimed.of(t) for t in await session.exec(due_timers_query(now, limit))]
    if not claimed:
        return 0
    ids = {t.item_id for t in claimed}
    items = {i.id: i for i in await session.exec(select(Item).where(col(Item.id).in_(ids)))}
    batch = Batch(now)
    for t in claimed:
        try:
            with log_context(timer=t.id):
                await _fire(session, batch, timer=t, item=items[t.item_id])
        except Exception as e:  # whatever it is, it is this timer's failure and no other's
            batch.failed.append((t, e))
    batch.failed += await _write(session, batch.fired, now)
    await do_record_failures(session, failed=batch.failed, now=now, max_attempts=max_attempts)
    return len(claimed)


async def _fire(session: AsyncSession, batch: Batch, *, timer: Claimed, item: Item) -> None:
    ctx = await batch.context(session, item.municipality_id)
    if timer.item_version != item.version:  # planned for a state the item has left
        batch.fired.append(Fired(timer, TimerStatus.cancelled))
    elif timer.kind == AUTO_CLOSE:
        try:
            async with session.begin_nested():  # the close, its event and notices, or nothing
                await _auto_close(session, ctx=ctx, timer=timer, item=item, now=batch.now)
        except Exception:
            await session.refresh(item)  # the object may still show what was rolled back
            raise
    else:
        batch.fired.append(_fire_step(batch, ctx=ctx, timer=timer, item=item))


async def _write(session: AsyncSession, fired: list[Fired], now: datetime) -> list[Failure]:
    """Write what the batch decided at once; if the database refuses a row, write it again
    timer by timer, each in its own savepoint, so that only the timer whose row it was fails."""
    if not fired:
        return []
    try:
        async with session.begin_nested():
            await _write_rows(session, fired, now)
        return []
    except Exception:  # not logged as it is: a database error's text carries the parameters
        log.warning("таймеры: пачка из %s не записана целиком, записываю по одному", len(fired))
    failed: list[Failure] = []
    for f in fired:
        try:
            async with session.begin_nested():
                await _write_rows(session, [f], now)
        except Exception as e:
            failed.append((f.timer, e))
    return failed


async def _write_rows(session: AsyncSession, fired: list[Fired], now: datetime) -> None:
    events = [e for f in fired for e in f.events]
    if events:
        await session.execute(insert(ItemEvent), events)
    await enqueue(session, [n for f in fired for n in f.notices])
    for status in (TimerStatus.done, TimerStatus.cancelled):
        await _mark(session, [f.timer.id for f in fired if f.status is status], status, now)
    waiting = [{"id": f.timer.id, "due_at": f.wait_until} for f in fired if f.wait_until]
    if waiting:
        await session.execute(update(Timer), waiting)  # by primary key, in one statement


def _fire_step(batch: Batch, *, ctx: MunicipalityContext, timer: Claimed, item: Item) -> Fired:
    """Tell the people a ladder step names, once, unless quiet hours or the item moved on."""
    step = batch.step_of(ctx, item, timer.kind)
    # The forward deadline (59-ФЗ ст. 8 ч. 3) binds whoever holds the appeal: taken or not.
    live = UNTAKEN if step and step.anchor == "take_due" else OPEN
    if step is None or item.status not in live:
        return Fired(timer, TimerStatus.cancelled)
    if not step.urgent and not ctx.calendar.is_working_moment(batch.now):
        return Fired(timer, wait_until=ctx.calendar.next_working_moment(batch.now))  # morning
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
    notices = [
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
    event = {
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
    return Fired(timer, TimerStatus.done, events=[event], notices=notices)


async def _auto_close(
    session: AsyncSession, *, ctx: MunicipalityContext, timer: Claimed, item: Item, now: datetime
) -> None:
    # Marked done first: closing re-plans the item and would cancel a pending timer.
    await _mark(session, [timer.id], TimerStatus.done, now)
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
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    limit: int = 500,
    max_attempts: int = TIMER_MAX_ATTEMPTS,
) -> int:
    """Fire everything due now, batch by batch, each batch its own transaction."""
    total = 0
    while True:
        async with sessionmaker() as session:
            n = await fire_batch(session, now=clock.now(), limit=limit, max_attempts=max_attempts)
            await session.commit()
        total += n
        if n < limit:
            return total
