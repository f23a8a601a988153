"""What staff and citizens are told about an item, and alerts to operators: channel-neutral
notices written to the outbox (who "the head" or "the lead" is comes from the directory)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, CitizenIdentity, Item, ItemStatus, Outbox, Role, Staff
from models.enums import OutboxStatus
from workflows.core.dialect import insert_for
from workflows.core.directory import Directory
from workflows.privacy.mask import mask_fields

STAFF_TEXT_LIMIT = 1500  # a card shows the start of the text; the rest is in the API
# Fields of a staff notice that may hold what a citizen typed or what quotes it: masked before
# the row is written, so that no message to staff can carry a phone, a name or a home address.
# The weekly note («digest») is our own text naming staff; it masks the texts it quotes itself.
CITIZEN_TEXT = ("text", "place", "reply", "reason", "question", "answer")


def item_card(item: Item, directory: Directory) -> dict[str, Any]:
    """What staff may see of an item in a messenger: never the citizen's name, phone or address."""
    text = item.text if len(item.text) <= STAFF_TEXT_LIMIT else item.text[:STAFF_TEXT_LIMIT] + "…"
    return {
        "item_id": item.id,
        "number": item.number,
        "kind": str(item.kind),
        "status": str(item.status),
        "version": item.version,
        "sector": directory.sectors.get(item.sector_id or -1),
        "locality": directory.localities.get(item.locality_id or -1),
        "place": item.place_text,
        "text": text,
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "due_local": _local(item.due_at, directory.tz),
        "take_due_at": item.take_due_at.isoformat() if item.take_due_at else None,
        **_suggestions(item, directory),
    }


def _suggestions(item: Item, directory: Directory) -> dict[str, Any]:
    """The routing model's sectors for an item waiting for triage (none once it is assigned)."""
    hint = item.route_hint or {}
    if item.status is not ItemStatus.new or not hint.get("suggestions"):
        return {}
    named = [
        {"sector": directory.sectors[s["sector_id"]], "p": s["p"]}
        for s in hint["suggestions"]
        if s.get("sector_id") in directory.sectors
    ]
    return {"suggestions": named} if named else {}


def _local(moment: datetime | None, tz: str) -> str | None:
    return moment.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M") if moment else None


def staff_address(staff: Staff) -> tuple[Channel, str]:
    """Staff bound to Telegram get it there; the others are told on the console log."""
    if staff.telegram_id is not None:
        return Channel.telegram, str(staff.telegram_id)
    return Channel.console, f"staff:{staff.id}"


def staff_notice(
    *,
    staff: Staff,
    item: Item | None,
    kind: str,
    payload: dict[str, Any],
    dedup: str,
    now: datetime,
    urgent: bool = False,
) -> dict[str, Any]:
    """An outbox row for a staff member, personal data in its texts masked (the full texts stay
    in the item, for the dashboard and the API)."""
    channel, chat_id = staff_address(staff)
    if kind != "digest":
        payload = mask_fields(payload, CITIZEN_TEXT)
    return {
        "municipality_id": staff.municipality_id,
        "dedup_key": f"{dedup}:s{staff.id}",
        "channel": channel,
        "chat_id": chat_id,
        "staff_id": staff.id,
        "item_id": item.id if item else None,
        "kind": kind,
        "payload": payload,
        "urgent": urgent,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def citizen_notice(
    session: AsyncSession,
    *,
    item: Item,
    kind: str,
    payload: dict[str, Any],
    dedup: str,
    now: datetime,
) -> dict[str, Any] | None:
    """An outbox row for the item's citizen on the channel they wrote from, if they can be reached."""
    if item.citizen_id is None or item.channel not in (Channel.telegram, Channel.vk):
        return None
    identity = (
        await session.exec(
            select(CitizenIdentity).where(
                CitizenIdentity.citizen_id == item.citizen_id,
                CitizenIdentity.channel == item.channel,
            )
        )
    ).first()
    if identity is None:
        return None
    return {
        "municipality_id": item.municipality_id,
        "dedup_key": f"{dedup}:c{item.citizen_id}",
        "channel": item.channel,
        "chat_id": identity.external_id,
        "citizen_id": item.citizen_id,
        "item_id": item.id,
        "kind": kind,
        "payload": payload,
        "urgent": False,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert notices; one with a dedup key already present is skipped (repeats are harmless)."""
    if not rows:
        return 0
    stmt = insert_for(session)(Outbox).on_conflict_do_nothing(index_elements=["dedup_key"])
    keys = set().union(*(r.keys() for r in rows))
    full = [{k: r.get(k) for k in keys} for r in rows]
    await session.execute(stmt, full)
    return len(full)


async def do_alert_operators(
    session: AsyncSession,
    *,
    municipality_id: int,
    kind: str,
    payload: dict[str, Any],
    dedup: str,
    now: datetime,
) -> int:
    """Tell a municipality's operators that something needs a person (a notice that could not be
    delivered, a timer that keeps failing): plain notices, not about an item's card."""
    operators = await session.exec(
        select(Staff).where(
            Staff.municipality_id == municipality_id, Staff.role == Role.operator, col(Staff.active)
        )
    )
    rows = [
        staff_notice(staff=op, item=None, kind=kind, payload=payload, dedup=dedup, now=now)
        for op in operators
    ]
    return await enqueue(session, rows)
