"""What the centre's own decisions teach: for each item, the sector staff finally chose.

- An assignment or reassignment by staff names the sector of the person chosen (one with no
  sector, the operator or the head, leaves the label as it was).
- A redirect («не наше») undoes the sector the item was in; only a later choice labels it.
- The system's own assignment (the rules', the model's) is a guess: it counts once the item is
  answered where it was put; reassigned by staff, the staff's choice counts instead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Item, ItemEvent, ItemStatus, Sector, Staff
from workflows.privacy.mask import mask
from workflows.routing.learning import Example

CHOICES = ("assign", "reassign")
UNDOES = ("redirect", "forward")
ANSWERED = (ItemStatus.answered, ItemStatus.signoff)


@dataclass(frozen=True)
class Step:
    """One event as the labels read it."""

    action: str
    by_system: bool
    sector: str | None = None  # the chosen assignee's sector code (assign, reassign)
    to_status: ItemStatus | None = None


def final_sector(steps: Iterable[Step]) -> str | None:
    """The sector staff finally chose for one item, from its events in order; None: no label."""
    label: str | None = None
    guess: str | None = None  # the system's choice, until it is answered there
    for step in steps:
        if step.action in CHOICES and step.sector is not None:
            if step.by_system:
                guess, label = step.sector, None
            else:
                guess, label = None, step.sector
        elif step.action in UNDOES:
            guess, label = None, None
        elif step.to_status in ANSWERED and guess is not None:
            guess, label = None, guess
    return label


async def get_examples(session: AsyncSession, *, municipality_id: int) -> list[Example]:
    """Every item of the municipality with a label, as (text, sector code, registered at, kind
    of place)."""
    sectors = {
        s.id: s.code
        for s in await session.exec(select(Sector).where(Sector.municipality_id == municipality_id))
    }
    staff_sector = {
        s.id: sectors.get(s.sector_id or -1)
        for s in await session.exec(select(Staff).where(Staff.municipality_id == municipality_id))
    }
    rows = await session.exec(
        select(ItemEvent, Item.text, Item.registered_at, Item.place_kind)
        .join(Item, col(Item.id) == col(ItemEvent.item_id))
        .where(Item.municipality_id == municipality_id)
        .order_by(col(ItemEvent.item_id), col(ItemEvent.at), col(ItemEvent.id))
    )
    by_item: dict[int, tuple[str, datetime, str | None, list[Step]]] = {}
    for event, text, registered_at, kind in rows:
        *_, steps = by_item.setdefault(event.item_id, (text, registered_at, kind, []))
        assignee = (event.data or {}).get("assignee_id")
        steps.append(
            Step(
                action=event.action,
                by_system=event.actor_kind is ActorKind.system,
                sector=staff_sector.get(assignee) if isinstance(assignee, int) else None,
                to_status=event.to_status,
            )
        )
    return _examples(by_item.values())


def _examples(items: Iterable[tuple[str, datetime, str | None, Sequence[Step]]]) -> list[Example]:
    out = []
    for text, registered_at, kind, steps in items:
        label = final_sector(steps)
        if label is not None:
            # masked: a model file keeps n-grams of what it read, never a phone or a name
            out.append(Example(text=mask(text), label=label, at=registered_at, kind=kind))
    return sorted(out, key=lambda e: e.at)
