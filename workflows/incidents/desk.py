"""The operator's desk for social-network posts, as one read: the candidates waiting (best score
first) with their reasons in plain Russian, the open incidents with all their posts, the watched
sources' states. Readers are checked like deciders: residents' texts are shown only to staff who
may act on them."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemKind, Sector, SocialPost
from models.enums import OPEN_STATUSES
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.incidents.deciders import NOT_DECIDER, get_may_decide
from workflows.incidents.monitoring import SourceState, get_source_states
from workflows.incidents.queries import get_candidates

DESK_LIMIT = 50  # candidates and incidents a page: the rest wait for the next decisions
SIGNAL_RU = {
    "problem": "проблема",
    "locality": "место",
    "elsewhere": "другой район",
    "advert": "реклама",
    "greeting": "поздравление",
    "news": "новость",
    "question": "вопрос",
    "learned": "выучено",
}


@dataclass(frozen=True)
class DeskIncident:
    """An open incident and its posts, oldest first (the first is where the answer goes)."""

    item: Item
    posts: list[SocialPost]


@dataclass(frozen=True)
class Desk:
    candidates: list[SocialPost]
    total: int  # candidates waiting in all (the page shows the best DESK_LIMIT)
    reasons: dict[int, list[str]]  # post id → its reasons as the operator reads them
    incidents: list[DeskIncident]
    sources: list[SourceState]


def reason_text(reason: dict[str, Any], sectors: dict[str, str]) -> str:
    """One matched word as the operator reads it: «ЖКХ: водопровод», «выучено: дрова (−0,2)»."""
    signal, word = str(reason.get("signal", "")), str(reason.get("word", ""))
    if signal == "sector":
        code = str(reason.get("sector") or "")
        return f"{sectors.get(code, code) or 'тема'}: {word}"
    text = f"{SIGNAL_RU.get(signal, signal)}: {word}"
    weight = reason.get("weight")
    if signal == "learned" and isinstance(weight, int | float):
        text += f" ({weight:+.2f})".replace(".", ",").replace("-", "−")
    return text


async def get_desk(
    session: AsyncSession, *, actor: Actor, municipality_id: int, limit: int = DESK_LIMIT
) -> Desk:
    """Everything the desk shows for one municipality; Forbidden for staff who may not decide."""
    if not await get_may_decide(session, actor=actor, municipality_id=municipality_id):
        raise Forbidden(NOT_DECIDER[:1].upper() + NOT_DECIDER[1:] + ".")
    candidates, total = await get_candidates(session, municipality_id=municipality_id, limit=limit)
    sectors = dict(
        (
            await session.exec(
                select(Sector.code, Sector.name).where(Sector.municipality_id == municipality_id)
            )
        ).all()
    )
    reasons = {p.id or 0: [reason_text(r, sectors) for r in p.reasons] for p in candidates}
    return Desk(
        candidates=candidates,
        total=total,
        reasons=reasons,
        incidents=await _open_incidents(session, municipality_id, limit),
        sources=await get_source_states(session, municipality_id),
    )


async def _open_incidents(
    session: AsyncSession, municipality_id: int, limit: int
) -> list[DeskIncident]:
    """The newest open incidents with their posts, two queries in all."""
    items = (
        await session.exec(
            select(Item)
            .where(
                Item.municipality_id == municipality_id,
                Item.kind == ItemKind.incident,
                col(Item.status).in_(OPEN_STATUSES),
            )
            .order_by(col(Item.registered_at).desc(), col(Item.id).desc())
            .limit(limit)
        )
    ).all()
    posts: dict[int, list[SocialPost]] = {i.id or 0: [] for i in items}
    if posts:
        rows = await session.exec(
            select(SocialPost)
            .where(col(SocialPost.item_id).in_(list(posts)))
            .order_by(col(SocialPost.posted_at), col(SocialPost.id))
        )
        for row in rows:
            posts[row.item_id or 0].append(row)
    return [DeskIncident(item, posts[item.id or 0]) for item in items]
