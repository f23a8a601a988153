"""Another citizen's open item that a new report looks like: one bounded query (the municipality,
open statuses, the time window, the newest few hundred), scored in Python."""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemKind
from workflows.items.duplicates.score import DEFAULT, Report, Score, Tuning, score, signature
from workflows.items.transitions import OPEN

SCAN_LIMIT = 300  # the newest open items of the window that are compared


@dataclass(frozen=True)
class Match:
    item: Item
    score: Score


def report_of(item: Item) -> Report:
    return Report(
        text=item.text,
        at=item.registered_at,
        lat=item.lat,
        lon=item.lon,
        locality_id=item.locality_id,
        place_text=item.place_text,
    )


async def get_duplicate_candidate(
    session: AsyncSession,
    *,
    municipality_id: int,
    citizen_id: int,
    new: Report,
    tuning: Tuning = DEFAULT,
    exclude_id: int | None = None,
) -> Match | None:
    """The best-scoring open message of another citizen of the municipality, or None. A report
    with no words or no place to compare finds nothing: it cannot be said to be the same."""
    sig = signature(new.text)
    has_place = (new.lat is not None and new.lon is not None) or new.locality_id is not None
    if not sig or not has_place:
        return None
    since = new.at - timedelta(days=tuning.window_days)
    q = (
        select(Item)
        .where(
            col(Item.municipality_id) == municipality_id,
            col(Item.registered_at) >= since,
            col(Item.status).in_(OPEN),
            col(Item.kind) == ItemKind.message,
            col(Item.citizen_id).is_not(None),
            col(Item.citizen_id) != citizen_id,
        )
        .order_by(col(Item.registered_at).desc())
        .limit(SCAN_LIMIT)
    )
    if exclude_id is not None:
        q = q.where(col(Item.id) != exclude_id)
    best: Match | None = None
    for item in await session.exec(q):
        found = score(new, report_of(item), tuning, new_sig=sig)
        if found is not None and (best is None or found.total > best.score.total):
            best = Match(item, found)
    return best
