"""Staff cards: an item as a message with the buttons its viewer may press."""

from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import ItemAct
from bot.telegram.texts import KIND_RU, local, plural, quote, status_ru
from models import Role
from workflows.actors import Actor
from workflows.transitions import Action
from workflows.views import ItemView

# Short codes keep callback data small; the order is the order of buttons on a card.
BUTTONS: list[tuple[Action, str, str]] = [
    (Action.take, "tk", "✅ Взять"),
    (Action.answer, "an", "✍️ Ответить"),
    (Action.ask_clarification, "as", "❓ Уточнить"),
    (Action.reassign, "ra", "👤 Передать"),
    (Action.assign, "ra", "👤 Назначить"),
    (Action.extend, "ex", "⏳ Продлить"),
    (Action.request_extension, "rx", "⏳ Продлить"),
    (Action.approve_extension, "ap", "👍 Одобрить продление"),
    (Action.deny_extension, "dn", "👎 Отказать в продлении"),
    (Action.redirect, "rd", "↪️ Не наше"),
    (Action.reject, "rj", "🚫 Отклонить"),
    (Action.close, "cl", "🔒 Закрыть"),
]
CODES = {code: action for action, code, _ in BUTTONS}
CODES["ra"] = Action.reassign
PING = "pg"


def deadline_line(view: ItemView, now: datetime) -> str:
    item, tz = view.item, view.ctx.municipality.tz
    left = view.working_days_left(now)
    if item.due_at is None or left is None:
        return "Срок: не установлен"
    when = local(item.due_at, tz)
    if item.due_at < now:
        n = max(-left, 1)
        return f"⚠️ Просрочено на {n} раб. {plural(n, 'день', 'дня', 'дней')} (срок {when})"
    return f"Срок: {when}, осталось {left} раб. {plural(left, 'день', 'дня', 'дней')}"


def card_text(
    view: ItemView,
    now: datetime,
    *,
    headline: str | None = None,
    note: str | None = None,
    short: bool = False,
) -> str:
    """The card's HTML: number, sector, place, text, deadline; never the citizen's name.
    `short` fits a photo caption (1,024 characters)."""
    item = view.item
    lines = [f"<b>{headline}</b>"] if headline else []
    if note:
        lines.append(quote(note, 300 if short else 800))
    lines.append(f"<b>{item.number}</b> · {KIND_RU[item.kind]} · {status_ru(item.status)}")
    lines.append(f"Блок: {quote(view.sector or 'не указан')}")
    place = ", ".join(p for p in (view.locality, item.place_text) if p)
    if place:
        lines.append(f"Место: {quote(place, 300)}")
    if item.lat is not None and item.lon is not None:
        lines.append(f"Координаты: {item.lat:.5f}, {item.lon:.5f}")
    lines.append("")
    lines.append(quote(item.text, 350 if short else 2500))
    lines.append("")
    if view.assignee:
        lines.append(f"Исполнитель: {quote(view.assignee, 200)}")
    lines.append(deadline_line(view, now))
    if item.extension_requested_days:
        lines.append(f"Запрошено продление на {item.extension_requested_days} дн.")
    if item.answer_text:
        lines.append(f"Ответ: {quote(item.answer_text, 150 if short else 500)}")
    return "\n".join(lines)


def card_keyboard(view: ItemView, actor: Actor) -> InlineKeyboardMarkup | None:
    """Buttons for exactly the actions this staff member may take now."""
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
    buttons: list[InlineKeyboardButton] = []
    for action, code, label in BUTTONS:
        if action in allowed and code not in seen:
            seen.add(code)
            data = ItemAct(item=item.id or 0, v=item.version, act=code).pack()
            buttons.append(InlineKeyboardButton(text=label, callback_data=data))
    if (
        actor.role in (Role.head, Role.sector_lead, Role.operator)
        and item.assignee_id
        and (item.assignee_id != actor.id)
        and item.status.value in ("assigned", "in_progress", "clarification", "reopened")
    ):
        data = ItemAct(item=item.id or 0, v=item.version, act=PING).pack()
        buttons.append(InlineKeyboardButton(text="🔔 Напомнить исполнителю", callback_data=data))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
