"""What each action does beyond the status: its inputs, checks, changes and notices."""

from datetime import datetime

from models import ActorKind, Item, ItemKind, Role
from models.enums import TERMINAL_STATUSES
from workflows.calendar.deadlines import add_length
from workflows.core.errors import Invalid, NotFound
from workflows.items import extension
from workflows.items.appeal.handlers import APPEAL_HANDLERS
from workflows.items.attachments import do_add_attachments
from workflows.items.context import MunicipalityContext
from workflows.items.effects import MAX_REASON, ActionInput, Call, Effect, Handler, clean_text
from workflows.items.transitions import Action
from workflows.items.wall_reply import approval_notices, do_plan_reply

ASSIGNABLE = (Role.recipient, Role.sector_lead, Role.operator, Role.head)


def _take_due(ctx: MunicipalityContext, item: Item, now: datetime) -> datetime | None:
    policy = ctx.policy_of(item)
    if policy is None:
        return None
    return add_length(ctx.calendar, now, policy.take_clock, policy.take_length)


async def _assign(c: Call) -> Effect:
    staff = c.ctx.directory.by_id.get(c.data.assignee_id or -1)
    if c.data.assignee_id is None:
        raise Invalid("укажите, кому назначить (assignee_id)")
    if staff is None or staff.role not in ASSIGNABLE:
        raise Invalid(f"сотрудник {c.data.assignee_id} не найден среди исполнителей муниципалитета")
    if staff.id == c.item.assignee_id:
        raise Invalid("обращение уже у этого исполнителя")
    e = Effect.empty()
    e.changes = {
        "assignee_id": staff.id,
        "taken_at": None,
        "take_due_at": _take_due(c.ctx, c.item, c.now),
    }
    if c.item.sector_id is None and staff.sector_id is not None:
        e.changes["sector_id"] = staff.sector_id
    e.staff.append((staff.id or 0, "assigned", {}))
    if c.item.assignee_id is not None:
        e.staff.append((c.item.assignee_id, "unassigned", {}))
    e.data = {"assignee_id": staff.id, "from_assignee_id": c.item.assignee_id}
    if c.data.note and c.actor.kind is ActorKind.system:
        e.data |= c.data.note
    return e


async def _take(c: Call) -> Effect:
    """The actor takes the item for themselves. A token that names no staff member (the bootstrap
    admin token, an integration's) has nobody to take it: it assigns someone instead."""
    if c.actor.id is None:
        raise Invalid(
            "Взять в работу может только сотрудник: чтобы поручить обращение, назначьте "
            "исполнителя действием assign или reassign с assignee_id."
        )
    e = Effect.empty()
    e.changes = {"taken_at": c.now, "assignee_id": c.item.assignee_id}
    if c.item.assignee_id != c.actor.id:  # a lead or the operator takes it over themselves
        e.changes["assignee_id"] = c.actor.id
        if c.item.assignee_id is not None:
            e.staff.append((c.item.assignee_id, "unassigned", {}))
    e.citizen.append(("taken", {}))
    return e


async def _ask(c: Call) -> Effect:
    question = clean_text(c.data.text, what="вопрос гражданину", limit=MAX_REASON)
    e = Effect.empty()
    e.citizen.append(("clarification_asked", {"question": question}))
    e.data = {"question": question}
    return e


async def _citizen_text(c: Call) -> Effect:
    text = clean_text(c.data.text, what="уточнение от гражданина")
    e = Effect.empty()
    if c.item.assignee_id is not None:
        e.staff.append((c.item.assignee_id, "citizen_replied", {"reply": text}))
    e.data = {"text": text}
    return e


async def _answer(c: Call) -> Effect:
    if c.item.kind is ItemKind.appeal_59fz:
        raise Invalid(
            "ответ на обращение 59-ФЗ уходит заявителю только после подписи: отправьте его "
            "на подпись (действие draft_answer, в боте — «Ответить»)"
        )
    text = clean_text(c.data.text, what="ответ гражданину")
    # An incident's answer is published under its post: planned (or refused) in this transaction.
    reply = await do_plan_reply(
        c.session, item=c.item, text=text, directory=c.ctx.directory, now=c.now
    )
    if c.data.files:  # photos of the work done, saved with the answer in its transaction
        await do_add_attachments(
            c.session,
            item_id=c.item.id or 0,
            channel=c.actor.channel,
            files=list(c.data.files),
            from_citizen=False,
            now=c.now,
        )
    e = Effect.empty()
    e.changes = {"answer_text": text, "answered_at": c.now}
    e.citizen.append(("answered", {"answer": text}))
    if reply is not None:
        e.staff += approval_notices(reply, c.ctx.directory)
        e.data = {"reply_id": reply.id, "reply_status": str(reply.status)}
    return e


async def _finish(c: Call, notice: str) -> Effect:
    reason = clean_text(c.data.reason, what="причина", limit=MAX_REASON)
    e = Effect.empty()
    e.changes = {"closed_at": c.now, "resolution_reason": reason}
    e.citizen.append((notice, {"reason": reason}))
    return e


async def _redirect(c: Call) -> Effect:
    if c.item.kind is ItemKind.appeal_59fz:  # ст. 8 ч. 3: the body and the citizen get letters
        raise Invalid(
            f"Обращение {c.item.number} по 59-ФЗ не перенаправляют, а переадресуют в компетентный "
            "орган с письмами: действие forward с body_id и причиной (список органов — "
            "GET /api/v1/bodies)."
        )
    return await _finish(c, "redirected")


async def _reject(c: Call) -> Effect:
    return await _finish(c, "rejected")


async def _merge(c: Call) -> Effect:
    if c.item.kind is ItemKind.appeal_59fz:  # ст. 10 ч. 1 п. 4: each appeal its own letter
        raise Invalid(
            f"обращение 59-ФЗ {c.item.number} объединить нельзя: заявителю положен свой "
            "письменный ответ; подготовьте ответ на него (можно тем же текстом, что и на другое)"
        )
    target = await c.session.get(Item, c.data.target_item_id) if c.data.target_item_id else None
    if target is None or target.municipality_id != c.item.municipality_id:
        raise NotFound("укажите существующее обращение, с которым объединить (target_item_id)")
    if target.id == c.item.id or target.status in TERMINAL_STATUSES:
        raise Invalid(f"с обращением {target.number} объединить нельзя: оно закрыто или то же")
    e = Effect.empty()
    e.changes = {"closed_at": c.now, "merged_into_id": target.id}
    e.citizen.append(("merged", {"into_number": target.number}))
    e.data = {"into": target.id}
    return e


async def _share_answer(c: Call) -> Effect:
    """The original's answer, given to an item merged into it: told to its own citizen with its
    own number; `closed_at` is cleared, as for any answered item."""
    text = clean_text(c.data.text, what="ответ гражданину")
    e = Effect.empty()
    e.changes = {"answer_text": text, "answered_at": c.now, "closed_at": None}
    e.citizen.append(("answered", {"answer": text}))
    e.data = {"from": c.item.merged_into_id}
    return e


async def _close(c: Call) -> Effect:
    e = Effect.empty()
    e.changes = {"closed_at": c.now}
    e.citizen.append(("closed", {"auto": c.actor.kind is ActorKind.system}))
    return e


def _rating(data: ActionInput, *, required: bool) -> int | None:
    if data.rating is None and not required:
        return None
    if data.rating is None or not 1 <= data.rating <= 5:
        raise Invalid("оценка должна быть от 1 до 5")
    return data.rating


async def _confirm(c: Call) -> Effect:
    e = Effect.empty()
    e.changes = {"closed_at": c.now, "solved": True}
    rating = _rating(c.data, required=False)
    if rating is not None:
        e.changes["rating"] = rating
    e.citizen.append(("closed", {"auto": False}))
    return e


async def _rate(c: Call) -> Effect:
    e = Effect.empty()
    e.changes = {"rating": _rating(c.data, required=True)}
    return e


async def _reopen(c: Call) -> Effect:
    if c.item.kind is ItemKind.appeal_59fz:
        raise Invalid(
            f"обращение 59-ФЗ {c.item.number} повторно не открывается: повторное обращение "
            "регистрируется как новое, связанное с этим (POST /api/v1/items/{c.item.id}/follow-up)"
        )
    policy = c.ctx.policy_of(c.item)
    e = Effect.empty()
    e.changes = {
        "closed_at": None,
        "answered_at": None,
        "taken_at": None,
        "take_due_at": _take_due(c.ctx, c.item, c.now),
        "reopens": c.item.reopens + 1,
        "reopened_at": c.now,
    }
    if policy is not None:  # a reopened c.item gets a fresh answer deadline
        e.changes["due_at"] = add_length(
            c.ctx.calendar, c.now, policy.clock, policy.length, policy.day_off
        )
    if c.actor.kind is ActorKind.citizen:
        e.changes["solved"] = False
    e.heads.append(("reopened", {"reason": c.data.reason}))
    if c.item.assignee_id is not None:
        e.staff.append((c.item.assignee_id, "reopened", {"reason": c.data.reason}))
    return e


HANDLERS: dict[Action, Handler] = {
    Action.assign: _assign,
    Action.reassign: _assign,
    Action.take: _take,
    Action.ask_clarification: _ask,
    Action.clarify: _citizen_text,
    Action.add_details: _citizen_text,
    Action.answer: _answer,
    Action.request_extension: extension.request_extension,
    Action.approve_extension: extension.approve_extension,
    Action.deny_extension: extension.deny_extension,
    Action.extend: extension.extend,
    Action.redirect: _redirect,
    Action.reject: _reject,
    Action.merge: _merge,
    Action.close: _close,
    Action.confirm: _confirm,
    Action.rate: _rate,
    Action.reopen: _reopen,
    Action.share_answer: _share_answer,
    **APPEAL_HANDLERS,
}
assert set(HANDLERS) == set(Action), "every action in the table needs a handler"
