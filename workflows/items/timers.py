"""Planning timers for an item: every transition cancels the old plan and writes a new one."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DeadlinePolicy, Item, ItemStatus, Timer, TimerStatus
from workflows.calendar.deadlines import ladder_of, shift
from workflows.calendar.work_calendar import WorkCalendar
from workflows.items.transitions import OPEN

AUTO_CLOSE = "auto_close"
UNTAKEN = frozenset({ItemStatus.new, ItemStatus.assigned, ItemStatus.reopened})


@dataclass(frozen=True)
class TimerPlan:
    kind: str
    due_at: datetime
    anchor_at: datetime
    urgent: bool


def step_kind(code: str) -> str:
    return f"step:{code}"


def plan(item: Item, policy: DeadlinePolicy | None, calendar: WorkCalendar) -> list[TimerPlan]:
    """The timers an item in its current state needs; quiet hours move non-urgent ones."""
    if policy is None:
        return []
    out: list[TimerPlan] = []
    for step in ladder_of(policy):
        if step.anchor == "take_due":
            anchor = item.take_due_at if item.status in UNTAKEN else None
        elif step.anchor == "forward_due":  # 59-ФЗ: watched in every open state (ст. 8 ч. 3)
            anchor = item.forward_due_at if item.status in OPEN else None
        elif step.anchor == "register_due":  # 59-ФЗ: registered within 3 days (ст. 8 ч. 2)
            anchor = item.register_due_at if item.status is ItemStatus.received else None
        else:
            anchor = item.due_at if item.status in OPEN else None
        if anchor is None:
            continue
        raw = shift(calendar, anchor, step.offset)
        due = raw if step.urgent else calendar.next_working_moment(raw)
        out.append(TimerPlan(step_kind(step.code), due, anchor, step.urgent))
    if item.status is ItemStatus.answered and item.answered_at is not None:
        anchor = item.answered_at + timedelta(days=policy.auto_close_days)
        out.append(TimerPlan(AUTO_CLOSE, calendar.next_working_moment(anchor), anchor, True))
    return out


async def replan(
    session: AsyncSession, *, item: Item, policy: DeadlinePolicy | None, calendar: WorkCalendar
) -> None:
    """Cancel the item's pending timers and plan anew; a step already fired for the same deadline
    is not planned again, so each rung fires once per deadline."""
    assert item.id is not None
    await session.execute(
        update(Timer)
        .where(col(Timer.item_id) == item.id, col(Timer.status) == TimerStatus.pending)
        .values(status=TimerStatus.cancelled)
    )
    plans = plan(item, policy, calendar)
    if not plans:
        return
    fired = {
        (kind, anchor)
        for kind, anchor in await session.exec(
            select(Timer.kind, Timer.anchor_at).where(
                Timer.item_id == item.id, Timer.status == TimerStatus.done
            )
        )
    }
    for p in plans:
        if (p.kind, p.anchor_at) in fired:
            continue
        session.add(
            Timer(
                item_id=item.id,
                kind=p.kind,
                due_at=p.due_at,
                anchor_at=p.anchor_at,
                item_version=item.version,
            )
        )
    await session.flush()
