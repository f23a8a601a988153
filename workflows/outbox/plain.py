"""Channel-neutral notice texts in Russian; each channel renders them (plain text here)."""

from typing import Any

from workflows.items.transitions import STATUS_RU
from workflows.texts.notices import TITLES

_FIELDS = (
    ("sector", "Блок"),
    ("locality", "Место"),
    ("place", "Адрес"),
    ("status", "Статус"),
    ("due_date", "Ожидаемая дата ответа"),
    ("new_due_date", "Новый срок"),
    ("days", "Дней"),
    ("register_due_local", "Зарегистрировать до"),
    ("late_days", "Опоздание с регистрацией, дней"),
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
        title = TITLES["escalation_take"]
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
