"""Extending an item's answer deadline: asked for, approved or denied by the head, or done at once.
For a 59-ФЗ appeal (ст. 12 ч. 2) the extra days count from the original 30 days after
registration, not from a deadline a day off already moved; no kind is extended once overdue."""

from datetime import datetime

from sqlmodel import col, select

from models import Appeal, DeadlineClock, DeadlinePolicy, Item, ItemEvent, ItemKind, Role
from workflows.calendar.deadlines import add_length, local_date, raw_due
from workflows.core.errors import Forbidden, Invalid
from workflows.items.appeal.letters import do_letter_citizen, ru_date
from workflows.items.context import MunicipalityContext
from workflows.items.effects import MAX_REASON, ActionInput, Call, Effect, clean_text


def _check_extension(ctx: MunicipalityContext, item: Item, data: ActionInput, now: datetime) -> int:
    policy = ctx.policy_of(item)
    if policy is None or item.due_at is None:
        raise Invalid("у обращения нет срока, продлевать нечего")
    if now > item.due_at:
        due = local_date(ctx.calendar, item.due_at).strftime("%d.%m.%Y")
        raise Invalid(
            f"срок ответа истёк {due}: продлить просроченный срок нельзя, ответьте как можно скорее"
        )
    if item.extensions >= policy.max_extensions:
        raise Invalid(
            f"срок уже продлевался ({item.extensions} раз, можно {policy.max_extensions})"
        )
    days, most = data.days, policy.max_extension_days
    if days is None or not 1 <= days <= most:
        law = " (ч. 2 ст. 12 59-ФЗ)" if item.kind is ItemKind.appeal_59fz else ""
        asked = f"; указано {days}" if days is not None else ""
        raise Invalid(f"продлить срок можно на 1–{most} дн.{law}{asked}: укажите число дней")
    clean_text(data.reason, what="причина продления", limit=MAX_REASON)
    return days


async def _base(c: Call, policy: DeadlinePolicy) -> datetime:
    """Where the extra days start: an appeal's first extension from its raw 30-day date."""
    item = c.item
    assert item.due_at is not None
    if (
        item.kind is not ItemKind.appeal_59fz
        or policy.clock is not DeadlineClock.calendar_days
        or item.extensions > 0  # beyond the law's one extension: from the deadline as it is
    ):
        return item.due_at
    appeal = await c.session.get(Appeal, item.id)
    if appeal is not None and appeal.raw_due_at is not None:
        return appeal.raw_due_at
    return raw_due(c.ctx.calendar, item.registered_at, policy.length)  # appeals before 0015


async def _extended(c: Call, days: int, reason: str | None) -> Effect:
    ctx, item = c.ctx, c.item
    policy = ctx.policy_of(item)
    assert policy is not None and item.due_at is not None
    base = await _base(c, policy)
    new_due = add_length(ctx.calendar, base, policy.clock, days, policy.day_off)
    if new_due <= item.due_at:  # the days off had already carried the deadline past it
        raise Invalid(
            f"продление на {days} дн., считая от исходного срока {ru_date(ctx.calendar, base)}, "
            f"не сдвигает нынешний срок {ru_date(ctx.calendar, item.due_at)}: укажите больше дней"
        )
    e = Effect.empty()
    e.changes = {
        "due_at": new_due,
        "extensions": item.extensions + 1,
        "extension_requested_days": None,
    }
    extra = {"new_due_date": local_date(ctx.calendar, new_due).isoformat(), "reason": reason}
    e.citizen.append(("extended", extra))
    if item.assignee_id is not None:
        e.staff.append((item.assignee_id, "extension_approved", extra))
    e.data = {
        "days": days,
        "from_due_at": item.due_at.isoformat(),
        "to_due_at": new_due.isoformat(),
    }
    if item.kind is ItemKind.appeal_59fz:  # a paper or ПОС citizen is told by letter
        facts = {
            "new_due_date": ru_date(ctx.calendar, new_due),
            "reason": (reason or "—").rstrip(". "),
        }
        letter = await do_letter_citizen(
            c.session, ctx=ctx, item=item, kind="extended", facts=facts, now=c.now
        )
        e.data["letter_id"] = letter.id if letter else None
    return e


async def _requested_reason(c: Call) -> str | None:
    """The reason the pending request gave (the citizen's letter names it)."""
    return (
        await c.session.exec(
            select(ItemEvent.reason)
            .where(ItemEvent.item_id == c.item.id, ItemEvent.action == "request_extension")
            .order_by(col(ItemEvent.id).desc())
            .limit(1)
        )
    ).first()


async def request_extension(c: Call) -> Effect:
    if c.item.extension_requested_days is not None:
        raise Invalid("продление уже запрошено и ждёт решения руководителя")
    days = _check_extension(c.ctx, c.item, c.data, c.now)
    e = Effect.empty()
    e.changes = {"extension_requested_days": days}
    e.heads.append(("extension_requested", {"days": days, "reason": c.data.reason}))
    e.data = {"days": days}
    return e


async def approve_extension(c: Call) -> Effect:
    if c.item.extension_requested_days is None:
        raise Invalid("продление не запрашивалось")
    days = c.data.days or c.item.extension_requested_days
    reason = c.data.reason or await _requested_reason(c)
    _check_extension(c.ctx, c.item, ActionInput(days=days, reason=reason or "одобрено"), c.now)
    return await _extended(c, days, reason)


async def deny_extension(c: Call) -> Effect:
    if c.item.extension_requested_days is None:
        raise Invalid("продление не запрашивалось")
    reason = clean_text(c.data.reason, what="причина отказа", limit=MAX_REASON)
    e = Effect.empty()
    e.changes = {"extension_requested_days": None}
    if c.item.assignee_id is not None:
        e.staff.append((c.item.assignee_id, "extension_denied", {"reason": reason}))
    return e


async def extend(c: Call) -> Effect:
    policy = c.ctx.policy_of(c.item)
    if policy is not None and policy.extension_needs_head and c.actor.role is not Role.head:
        raise Forbidden("продление этого срока утверждает руководитель МЦУ: запросите продление")
    days = _check_extension(c.ctx, c.item, c.data, c.now)
    return await _extended(c, days, c.data.reason)
