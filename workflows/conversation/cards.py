"""A staff card in neutral parts: number, sector, place, text, deadline and the actions this
viewer may take now; never the citizen's name. Channels render it (and edit it in place)."""

from datetime import datetime

from models import DayOffRule, DeadlineClock, PlaceKind, Role
from models.enums import TERMINAL_STATUSES
from workflows.calendar.deadlines import deadlines_assumed
from workflows.conversation.parts import Choice, Option, Rich, rich
from workflows.conversation.route_picks import suggestion_options
from workflows.core.actors import Actor
from workflows.items.transitions import CHANNEL_RU, KIND_RU, PLACE_KIND_RU, STATUS_RU, Action
from workflows.items.views import ItemView
from workflows.privacy.mask import mask
from workflows.texts import staff as ts
from workflows.texts.words import count, local_date, shorten

# Short codes keep button payloads small; the order is the order of buttons on a card.
BUTTONS: list[tuple[Action, str, str]] = [
    (Action.take, "tk", "✅ Взять"),
    (Action.answer, "an", "✍️ Ответить"),
    (Action.draft_answer, "da", "✍️ Ответить"),  # an appeal's answer: a draft for sign-off
    (Action.sign_answer, "sg", "🖋 Подписать"),
    (Action.return_answer, "rt", "↩️ Вернуть"),
    (Action.ask_clarification, "as", "❓ Уточнить"),
    (Action.reassign, "ra", "👤 Передать"),
    (Action.assign, "ra", "👤 Назначить"),
    (Action.extend, "ex", "⏳ Продлить"),
    (Action.request_extension, "rx", "⏳ Продлить"),
    (Action.approve_extension, "ap", "👍 Одобрить продление"),
    (Action.deny_extension, "dn", "👎 Отказать в продлении"),
    (Action.redirect, "rd", "↪️ Не наше"),
    (Action.forward, "fw", "↪️ Переадресовать"),
    (Action.reject, "rj", "🚫 Отклонить"),
    (Action.close, "cl", "🔒 Закрыть"),
]
CODES = {code: action for action, code, _ in BUTTONS}
CODES["ra"] = Action.reassign
PING = "pg"
OPEN = "op"
MERGE = "mg"  # merge into the suggested duplicate: (item, version, the other item)
DUP_LINES = {"same": ts.CARD_DUP_SAME, "other": ts.CARD_DUP_OTHER}


def deadline_line(view: ItemView, now: datetime) -> str:
    item, tz = view.item, view.ctx.municipality.tz
    left = view.working_days_left(now)
    if item.due_at is None or left is None:
        return ts.CARD_NO_DEADLINE
    due = local_date(item.due_at, tz)
    if item.due_at < now:
        return ts.CARD_OVERDUE.format(days=count(max(-left, 1), "рабочий день"), due=due)
    if left == 0:
        return ts.CARD_DUE_TODAY.format(due=due)
    return ts.CARD_DUE.format(due=due, days=count(left, "рабочий день"))


def card_text(
    view: ItemView,
    now: datetime,
    *,
    headline: str | None = None,
    note: str | None = None,
    short: bool = False,
) -> Rich:
    """`short` fits a photo caption (1,024 characters). Every text a citizen typed (and the
    note and answer that may quote it) is masked before it is cut: the card goes through a
    messenger; the dashboard shows the full text."""
    item = view.item
    out: list[str] = []
    if headline:
        out += rich("*{h}*\n", h=headline)
    typed = _texts(view, note)
    texts = {k: mask(v) if v else v for k, v in typed.items()}
    hidden = texts != typed
    note = texts["note"]
    if note:
        out.append(shorten(note, 300 if short else 800) + "\n")
    out += rich(
        ts.CARD_HEAD, number=item.number, kind=KIND_RU[item.kind], status=STATUS_RU[item.status]
    )
    lines = [
        ts.CARD_SECTOR.format(sector=view.sector or ts.CARD_NO_SECTOR),
        ts.CARD_CHANNEL.format(channel=CHANNEL_RU[item.channel]),
    ]
    place = ", ".join(p for p in (view.locality, texts["place"]) if p)
    if place:
        lines.append(ts.CARD_PLACE.format(place=shorten(place, 300)))
    if item.place_kind in PLACE_KIND_RU:
        lines.append(ts.CARD_WHERE.format(where=PLACE_KIND_RU[PlaceKind(item.place_kind)]))
    if item.lat is not None and item.lon is not None:
        lines.append(ts.CARD_COORDS.format(lat=item.lat, lon=item.lon))
    lines += ["", shorten(texts["text"] or "", 350 if short else 2500), ""]
    if view.assignee:
        lines.append(ts.CARD_ASSIGNEE.format(name=shorten(view.assignee, 200)))
    lines.append(deadline_line(view, now))
    if deadlines_assumed(view.ctx.calendar, item):
        lines.append(ts.CARD_ASSUMED)
    policy = view.ctx.policy_of(item)
    if (
        policy is not None
        and policy.clock is DeadlineClock.calendar_days
        and policy.day_off is DayOffRule.previous
    ):
        lines.append(ts.CARD_DAY_OFF_PREVIOUS)
    if item.extension_requested_days:
        days = count(item.extension_requested_days, "день")
        lines.append(ts.CARD_EXTENSION.format(days=days))
    if view.dup_of is not None:
        template = DUP_LINES.get(item.dup_answer or "", ts.CARD_DUP)
        lines.append(template.format(number=view.dup_of.number))
    if texts["answer"]:
        lines.append(ts.CARD_ANSWER.format(answer=shorten(texts["answer"], 150 if short else 500)))
    if hidden:
        lines.append(ts.CARD_MASKED)
    out.append("\n" + "\n".join(lines))
    return tuple(out)


def _texts(view: ItemView, note: str | None) -> dict[str, str | None]:
    item = view.item
    return {"note": note, "place": item.place_text, "text": item.text, "answer": item.answer_text}


def card_options(view: ItemView, actor: Actor) -> tuple[Option, ...]:
    """Options for exactly the actions this staff member may take now."""
    allowed = set(view.allowed(actor))
    item = view.item
    if item.extension_requested_days is None:
        allowed -= {Action.approve_extension, Action.deny_extension}
    policy = view.ctx.policy_of(item)
    needs_head = policy is not None and policy.extension_needs_head
    if Action.extend in allowed and (not needs_head or actor.role is Role.head):
        allowed.discard(Action.request_extension)
    else:
        allowed.discard(Action.extend)  # the head decides: the others ask
    if item.due_at is None:
        allowed -= {Action.extend, Action.request_extension}
    seen: set[str] = set()
    options: list[Option] = suggestion_options(view, allowed)  # the model's sectors first
    for action, code, label in BUTTONS:
        if action in allowed and code not in seen:
            seen.add(code)
            options.append(Option(label, Choice(code, item.id or 0, item.version)))
    other = view.dup_of
    if Action.merge in allowed and other is not None and other.status not in TERMINAL_STATUSES:
        label = ts.CARD_MERGE.format(number=other.number)
        options.append(Option(label, Choice(MERGE, item.id or 0, item.version, other.id or 0)))
    if (
        actor.role in (Role.head, Role.sector_lead, Role.operator)
        and item.assignee_id
        and item.assignee_id != actor.id
        and item.status.value in ("assigned", "in_progress", "clarification", "reopened")
    ):
        options.append(Option(ts.CARD_PING, Choice(PING, item.id or 0, item.version)))
    return tuple(options)
