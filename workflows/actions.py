"""What each action does beyond the status: its inputs, checks, changes and notices."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Item, Role
from models.enums import TERMINAL_STATUSES
from workflows.actors import Actor
from workflows.citizens import do_add_attachments
from workflows.context import MunicipalityContext
from workflows.deadlines import add_length, local_date
from workflows.errors import Forbidden, Invalid, NotFound
from workflows.lifecycle import MAX_REASON, ActionInput, Effect, clean_text
from workflows.transitions import Action

Handler = Callable[..., Awaitable[Effect]]
ASSIGNABLE = (Role.recipient, Role.sector_lead, Role.operator, Role.head)


def _take_due(ctx: MunicipalityContext, item: Item, now: datetime) -> datetime | None:
    policy = ctx.policy_of(item)
    if policy is None:
        return None
    return add_length(ctx.calendar, now, policy.take_clock, policy.take_length)


async def _assign(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    staff = ctx.directory.by_id.get(data.assignee_id or -1)
    if data.assignee_id is None:
        raise Invalid("укажите, кому назначить (assignee_id)")
    if staff is None or staff.role not in ASSIGNABLE:
        raise Invalid(f"сотрудник {data.assignee_id} не найден среди исполнителей муниципалитета")
    if staff.id == item.assignee_id:
        raise Invalid("обращение уже у этого исполнителя")
    e = Effect.empty()
    e.changes = {
        "assignee_id": staff.id,
        "taken_at": None,
        "take_due_at": _take_due(ctx, item, now),
    }
    if item.sector_id is None and staff.sector_id is not None:
        e.changes["sector_id"] = staff.sector_id
    e.staff.append((staff.id or 0, "assigned", {}))
    if item.assignee_id is not None:
        e.staff.append((item.assignee_id, "unassigned", {}))
    e.data = {"assignee_id": staff.id, "from_assignee_id": item.assignee_id}
    return e


async def _take(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    e = Effect.empty()
    e.changes = {"taken_at": now, "assignee_id": item.assignee_id}
    if item.assignee_id != actor.id:  # a lead or the operator takes it over themselves
        e.changes["assignee_id"] = actor.id
        if item.assignee_id is not None:
            e.staff.append((item.assignee_id, "unassigned", {}))
    e.citizen.append(("taken", {}))
    return e


async def _ask(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    question = clean_text(data.text, what="вопрос гражданину", limit=MAX_REASON)
    e = Effect.empty()
    e.citizen.append(("clarification_asked", {"question": question}))
    e.data = {"question": question}
    return e


async def _citizen_text(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    text = clean_text(data.text, what="уточнение от гражданина")
    e = Effect.empty()
    if item.assignee_id is not None:
        e.staff.append((item.assignee_id, "citizen_replied", {"reply": text}))
    e.data = {"text": text}
    return e


async def _answer(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    text = clean_text(data.text, what="ответ гражданину")
    if data.files:  # photos of the work done, saved with the answer in its transaction
        await do_add_attachments(
            session,
            item_id=item.id or 0,
            channel=actor.channel,
            files=list(data.files),
            from_citizen=False,
            now=now,
        )
    e = Effect.empty()
    e.changes = {"answer_text": text, "answered_at": now}
    e.citizen.append(("answered", {"answer": text}))
    return e


def _check_extension(ctx: MunicipalityContext, item: Item, data: ActionInput) -> int:
    policy = ctx.policy_of(item)
    if policy is None or item.due_at is None:
        raise Invalid("у обращения нет срока, продлевать нечего")
    if item.extensions >= policy.max_extensions:
        raise Invalid(
            f"срок уже продлевался ({item.extensions} раз, можно {policy.max_extensions})"
        )
    days = data.days
    if days is None or not 1 <= days <= policy.max_extension_days:
        raise Invalid(f"продление: укажите от 1 до {policy.max_extension_days} дней")
    clean_text(data.reason, what="причина продления", limit=MAX_REASON)
    return days


def _extended(ctx: MunicipalityContext, item: Item, days: int, reason: str | None) -> Effect:
    policy = ctx.policy_of(item)
    assert policy is not None and item.due_at is not None
    new_due = add_length(ctx.calendar, item.due_at, policy.clock, days)
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
    return e


async def _request_extension(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    if item.extension_requested_days is not None:
        raise Invalid("продление уже запрошено и ждёт решения руководителя")
    days = _check_extension(ctx, item, data)
    e = Effect.empty()
    e.changes = {"extension_requested_days": days}
    e.heads.append(("extension_requested", {"days": days, "reason": data.reason}))
    e.data = {"days": days}
    return e


async def _approve_extension(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    if item.extension_requested_days is None:
        raise Invalid("продление не запрашивалось")
    days = data.days or item.extension_requested_days
    _check_extension(ctx, item, ActionInput(days=days, reason=data.reason or "одобрено"))
    return _extended(ctx, item, days, data.reason)


async def _deny_extension(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    if item.extension_requested_days is None:
        raise Invalid("продление не запрашивалось")
    reason = clean_text(data.reason, what="причина отказа", limit=MAX_REASON)
    e = Effect.empty()
    e.changes = {"extension_requested_days": None}
    if item.assignee_id is not None:
        e.staff.append((item.assignee_id, "extension_denied", {"reason": reason}))
    return e


async def _extend(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    policy = ctx.policy_of(item)
    if policy is not None and policy.extension_needs_head and actor.role is not Role.head:
        raise Forbidden("продление этого срока утверждает руководитель МЦУ: запросите продление")
    days = _check_extension(ctx, item, data)
    return _extended(ctx, item, days, data.reason)


async def _finish(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
    notice: str,
) -> Effect:
    reason = clean_text(data.reason, what="причина", limit=MAX_REASON)
    e = Effect.empty()
    e.changes = {"closed_at": now, "resolution_reason": reason}
    e.citizen.append((notice, {"reason": reason}))
    return e


async def _redirect(**kw: object) -> Effect:
    return await _finish(**kw, notice="redirected")  # type: ignore[arg-type]


async def _reject(**kw: object) -> Effect:
    return await _finish(**kw, notice="rejected")  # type: ignore[arg-type]


async def _merge(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    target = await session.get(Item, data.target_item_id) if data.target_item_id else None
    if target is None or target.municipality_id != item.municipality_id:
        raise NotFound("укажите существующее обращение, с которым объединить (target_item_id)")
    if target.id == item.id or target.status in TERMINAL_STATUSES:
        raise Invalid(f"с обращением {target.number} объединить нельзя: оно закрыто или то же")
    e = Effect.empty()
    e.changes = {"closed_at": now, "merged_into_id": target.id}
    e.citizen.append(("merged", {"into_number": target.number}))
    e.data = {"into": target.id}
    return e


async def _close(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    e = Effect.empty()
    e.changes = {"closed_at": now}
    e.citizen.append(("closed", {"auto": actor.kind is ActorKind.system}))
    return e


def _rating(data: ActionInput, *, required: bool) -> int | None:
    if data.rating is None and not required:
        return None
    if data.rating is None or not 1 <= data.rating <= 5:
        raise Invalid("оценка должна быть от 1 до 5")
    return data.rating


async def _confirm(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    e = Effect.empty()
    e.changes = {"closed_at": now, "solved": True}
    rating = _rating(data, required=False)
    if rating is not None:
        e.changes["rating"] = rating
    e.citizen.append(("closed", {"auto": False}))
    return e


async def _rate(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    e = Effect.empty()
    e.changes = {"rating": _rating(data, required=True)}
    return e


async def _reopen(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    actor: Actor,
    data: ActionInput,
) -> Effect:
    policy = ctx.policy_of(item)
    e = Effect.empty()
    e.changes = {
        "closed_at": None,
        "answered_at": None,
        "taken_at": None,
        "take_due_at": _take_due(ctx, item, now),
    }
    if policy is not None:  # a reopened item gets a fresh answer deadline
        e.changes["due_at"] = add_length(ctx.calendar, now, policy.clock, policy.length)
    if actor.kind is ActorKind.citizen:
        e.changes["solved"] = False
    e.heads.append(("reopened", {"reason": data.reason}))
    if item.assignee_id is not None:
        e.staff.append((item.assignee_id, "reopened", {"reason": data.reason}))
    return e


HANDLERS: dict[Action, Handler] = {
    Action.assign: _assign,
    Action.reassign: _assign,
    Action.take: _take,
    Action.ask_clarification: _ask,
    Action.clarify: _citizen_text,
    Action.add_details: _citizen_text,
    Action.answer: _answer,
    Action.request_extension: _request_extension,
    Action.approve_extension: _approve_extension,
    Action.deny_extension: _deny_extension,
    Action.extend: _extend,
    Action.redirect: _redirect,
    Action.reject: _reject,
    Action.merge: _merge,
    Action.close: _close,
    Action.confirm: _confirm,
    Action.rate: _rate,
    Action.reopen: _reopen,
}
assert set(HANDLERS) == set(Action), "every action in the table needs a handler"
