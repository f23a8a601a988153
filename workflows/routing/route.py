"""The model's part in registering an item no rule routes: its top sectors for the triage card,
and the sector's lead when it is sure enough. A model that cannot be used is told to the
operators once per problem; nothing here may stop a registration."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Municipality, Sector
from workflows.core.directory import Directory
from workflows.notifications.notify import do_alert_operators

log = logging.getLogger(__name__)
TOP = 3


@dataclass(frozen=True)
class ModelRoute:
    version: int
    suggestions: list[tuple[int, float]]  # (sector id, probability), most likely first
    assignee_id: int | None  # the top sector's lead when the model routes by itself

    @property
    def hint(self) -> dict[str, Any]:
        """What `item.route_hint` keeps for the triage card."""
        return {
            "model": self.version,
            "auto": self.assignee_id is not None,
            "suggestions": [{"sector_id": s, "p": round(p, 4)} for s, p in self.suggestions],
        }

    @property
    def event_data(self) -> dict[str, Any]:
        """What the system's assign event records when the model routed the item."""
        return {"by": "model", "p": round(self.suggestions[0][1], 4), "model": self.version}


def auto_threshold(settings: dict[str, Any], model_threshold: float | None) -> float | None:
    """The confidence to route at: the setup's `auto_at`, never below the model's own
    threshold; either absent means suggestions only."""
    auto_at = settings.get("auto_at")
    if auto_at is None or model_threshold is None:
        return None
    return max(float(auto_at), float(model_threshold))


def sector_of_label(
    source: str, label: str, categories: dict[str, str], codes: dict[str, int]
) -> int | None:
    """A model label as a sector id: an own model's labels are sector codes, the starter's are
    spb categories mapped by the setup's table."""
    code = label if source == "own" else categories.get(label)
    return codes.get(code) if code is not None else None


async def get_model_route(
    session: AsyncSession,
    *,
    municipality: Municipality,
    directory: Directory,
    item: Item,
    now: datetime,
) -> ModelRoute | None:
    """The model's route for a new item, or None (no model, nothing to suggest, or a model that
    cannot be used: then the operators are told, once per model and reason)."""
    from workflows.routing.model import ModelUnavailable

    try:
        return await _route(session, municipality=municipality, directory=directory, item=item)
    except ModelUnavailable as e:
        await _tell_operators(session, municipality_id=municipality.id or 0, reason=str(e), now=now)
    except Exception as e:  # a model's failure must never cost the citizen their registration
        log.error("маршрутизация моделью не удалась: %s", type(e).__name__)
    return None


async def _route(
    session: AsyncSession, *, municipality: Municipality, directory: Directory, item: Item
) -> ModelRoute | None:
    from workflows.routing.store import OWN, get_routing_row, load_model

    settings = municipality.routing or {}
    mid = municipality.id or 0
    row = await get_routing_row(session, municipality_id=mid)
    categories: dict[str, str] = settings.get("categories") or {}
    if row is None or (row.source != OWN and not categories):
        return None  # no model, or a starter whose categories this municipality never mapped
    codes = {
        s.code: s.id or 0
        for s in await session.exec(select(Sector).where(Sector.municipality_id == mid))
    }
    model = await asyncio.to_thread(load_model, row)
    found = model.suggest(item.text, k=len(model.labels), kind=item.place_kind)
    by_sector: dict[int, float] = {}
    for s in found:  # several categories of one sector: the sector's probability is their sum
        sector = sector_of_label(row.source, s.label, categories, codes)
        if sector is not None:
            by_sector[sector] = by_sector.get(sector, 0.0) + s.p
    top = sorted(by_sector.items(), key=lambda kv: -kv[1])[:TOP]
    threshold = auto_threshold(settings, row.metrics.get("threshold"))
    assignee = None
    if top and threshold is not None and top[0][1] >= threshold:
        leads = directory.leads.get(top[0][0], [])
        assignee = min(lead.id or 0 for lead in leads) if leads else None
    return ModelRoute(row.version, top, assignee)


async def _tell_operators(
    session: AsyncSession, *, municipality_id: int, reason: str, now: datetime
) -> None:
    """One notice per model problem: the operators learn what broke and what to run."""
    from workflows.routing.store import get_routing_row

    row = await get_routing_row(session, municipality_id=municipality_id)
    sha = row.sha256[:16] if row is not None else "none"
    digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
    text = (
        f"Модель маршрутизации недоступна: {reason}. Обращения распределяются по правилам и "
        "оператором, без подсказок модели. Чтобы вернуть подсказки, выполните "
        "«mcu routing train --municipality КОД» (или «mcu routing train --starter»)."
    )
    log.warning("модель маршрутизации недоступна (муниципалитет %s)", municipality_id)
    try:
        async with session.begin_nested():  # the alert must not undo the registration
            await do_alert_operators(
                session,
                municipality_id=municipality_id,
                kind="routing_model",
                payload={"text": text},
                dedup=f"rtm{municipality_id}:{sha}:{digest}",
                now=now,
            )
    except Exception as e:
        log.error("операторы не извещены о модели маршрутизации: %s", type(e).__name__)
