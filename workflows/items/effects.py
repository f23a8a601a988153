"""What an action is given and what it decides: the data an action handler works with, shared by
the lifecycle that applies actions and the handlers that say what each one does."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item
from models.item import MAX_TEXT
from workflows.core.actors import Actor
from workflows.core.errors import Invalid
from workflows.items.context import MunicipalityContext

MAX_REASON = 1000


@dataclass(frozen=True)
class ActionInput:
    """What an action may carry; each action says which fields it needs."""

    assignee_id: int | None = None
    text: str | None = None
    reason: str | None = None
    days: int | None = None
    target_item_id: int | None = None
    rating: int | None = None
    body_id: int | None = None  # 59-ФЗ: the competent body an appeal is forwarded to
    files: tuple[tuple[str, str], ...] = ()  # (kind, channel file id) sent with an answer
    # The system's own record of why (the routing model's confidence); ignored from anyone else.
    note: dict[str, Any] | None = None


@dataclass(frozen=True)
class Call:
    """What an action handler is given: where, when, on what, by whom, with what."""

    session: AsyncSession
    ctx: MunicipalityContext
    now: datetime
    item: Item
    actor: Actor
    data: ActionInput


@dataclass
class Effect:
    """What an action handler decided: column changes, notices, event data."""

    changes: dict[str, Any]
    staff: list[tuple[int, str, dict[str, Any]]]  # (staff id, notice kind, extra payload)
    heads: list[tuple[str, dict[str, Any]]]  # notices to every head
    citizen: list[tuple[str, dict[str, Any]]]
    data: dict[str, Any]

    @classmethod
    def empty(cls) -> "Effect":
        return cls({}, [], [], [], {})


Handler = Callable[[Call], Awaitable[Effect]]


def clean_text(value: str | None, *, what: str, limit: int = MAX_TEXT) -> str:
    """Stripped, non-empty, within the limit; otherwise a refusal that says which."""
    text = (value or "").strip()
    if not text:
        raise Invalid(f"нужен текст: {what}")
    if len(text) > limit:
        raise Invalid(f"{what}: слишком длинно ({len(text)} символов, можно до {limit})")
    return text
