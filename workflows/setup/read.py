"""Reading a municipality's setup back (what the admin API shows)."""

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    CalendarOverride,
    CompetentBody,
    DeadlinePolicy,
    Locality,
    Municipality,
    RoutingRule,
    Sector,
    SocialMonitor,
    Staff,
)
from workflows.core.actors import Actor


async def get_municipalities(session: AsyncSession, *, actor: Actor) -> list[Municipality]:
    q = select(Municipality).order_by(col(Municipality.id))
    if actor.municipality_id is not None:
        q = q.where(Municipality.id == actor.municipality_id)
    return list(await session.exec(q))


async def get_setup(session: AsyncSession, *, municipality_id: int) -> dict[str, Any]:
    """Every setup object of a municipality, as plain data (no Telegram ids of staff)."""
    out: dict[str, Any] = {}
    muni = await session.get(Municipality, municipality_id)
    # The working day with its lunch break, the letterhead of letters, the ПОС link.
    out["municipality"] = muni.model_dump(mode="json") if muni is not None else None
    for key, model in (
        ("sectors", Sector),
        ("localities", Locality),
        ("staff", Staff),
        ("policies", DeadlinePolicy),
        ("routing", RoutingRule),
        ("calendar_overrides", CalendarOverride),
        ("bodies", CompetentBody),
    ):
        rows = await session.exec(
            select(model)
            .where(col(model.municipality_id) == municipality_id)
            .order_by(col(model.id))
        )
        out[key] = [r.model_dump(mode="json", exclude={"telegram_id"}) for r in rows]
    for s in out["staff"]:
        s["bound_to_telegram"] = None
    bound = await session.exec(
        select(Staff.id, Staff.telegram_id).where(Staff.municipality_id == municipality_id)
    )
    flags = {sid: tid is not None for sid, tid in bound}
    for s in out["staff"]:
        s["bound_to_telegram"] = flags.get(s["id"], False)
    monitor = (
        await session.exec(
            select(SocialMonitor).where(SocialMonitor.municipality_id == municipality_id)
        )
    ).first()
    # None: the setup has no `monitoring` section (or it was removed and monitoring is off).
    out["monitoring"] = (
        monitor.model_dump(mode="json") if monitor is not None and monitor.active else None
    )
    return out
