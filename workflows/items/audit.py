"""Audit events that change no state: registration, a view of personal data, a ping."""

from datetime import datetime
from typing import Any

from models import Item, ItemEvent
from workflows.core.actors import Actor


def audit_event(
    item: Item,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    first: bool = False,
) -> ItemEvent:
    """An event at the item's current status and version (`first`: the item has no past)."""
    return ItemEvent(
        item_id=item.id or 0,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        token_id=actor.token_id,
        channel=actor.channel,
        action=action,
        from_status=None if first else item.status,
        to_status=item.status,
        version=item.version,
        data=data or {},
    )
