"""Channel-neutral notice texts in Russian; each channel renders them (plain text here)."""

from typing import Any

from workflows.transitions import STATUS_RU

TITLES: dict[str, str] = {
    "registered": "Ваше сообщение зарегистрировано",
    "taken": "Ваше обращение взято в работу",
    "clarification_asked": "Исполнитель просит уточнить",
    "answered": "Ответ на ваше обращение",
    "extended": "Срок рассмотрения продлён",
    "redirected": "Обращение перенаправлено",
    "rejected": "Обращение отклонено",
    "merged": "Обращение объединено с другим",
    "closed": "Обращение закрыто",
    "assigned": "Новое обращение",
    "unassigned": "Обращение передано другому исполнителю",
    "triage": "Обращение ждёт распределения",
    "citizen_replied": "Гражданин дополнил обращение",
    "extension_requested": "Запрошено продление срока",
    "extension_approved": "Продление срока одобрено",
    "extension_denied": "В продлении срока отказано",
    "reopened": "Обращение открыто повторно",
    "reminder": "Напоминание: срок ответа истекает",
    "escalation": "Эскалация: срок нарушен",
    "dead_letter": "Уведомление не доставлено",
    "timer_parked": "Напоминание или эскалация не срабатывают",
    "ping": "Напоминание от руководителя",
    "refresh": "Обращение изменилось",
    "digest": "Недельная аналитическая записка",
}

_FIELDS = (
    ("sector", "Блок"),
    ("locality", "Место"),
    ("place", "Адрес"),
    ("status", "Статус"),
    ("due_date", "Ожидаемая дата ответа"),
    ("new_due_date", "Новый срок"),
    ("days", "Дней"),
    ("question", "Вопрос"),
    ("reply", "Ответ гражданина"),
    ("answer", "Ответ"),
    ("reason", "Причина"),
    ("into_number", "Объединено с"),
    ("text", "Текст"),
)


def render_plain(kind: str, payload: dict[str, Any]) -> str:
    """A notice as plain text: title with the number, then the fields it carries."""
    title = TITLES.get(kind, kind)
    if kind == "digest":  # our own HTML text, or one of its files
        body = payload.get("text") or f"файл записки №{payload.get('file_id')}"
        return f"{title}\n{body}"
    if kind == "escalation" and payload.get("anchor") == "take_due":
        title = "Эскалация: обращение не взято в работу вовремя"
    lines = [f"{title}: {payload['number']}" if payload.get("number") else title]
    for key, label in _FIELDS:
        value = payload.get(key)
        if value in (None, ""):
            continue
        if key == "status":
            value = STATUS_RU.get(value, value)
        lines.append(f"{label}: {value}")
    if payload.get("due_local") and kind not in ("registered", "extended"):
        lines.append(f"Срок: {payload['due_local']}")
    return "\n".join(lines)
