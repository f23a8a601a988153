"""The operators' nudge after a poll: how many new candidates wait for them and the best score,
never a post's text nor a name (staff messages must not carry residents' words unmasked).

One message a poll a municipality, written in the transaction that records the poll. It counts
from the database, not from what this poll handed over: a watermark (the newest post id already
counted, in a `channelcursor` row) means a poll that crashed before telling is told by the next
one, and a repeated one tells nothing twice."""

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ChannelCursor, SocialPost, SocialStatus
from workflows.notifications.notify import do_alert_operators

NUDGE_PREFIX = "vknudge:"
NUDGE_KIND = "social_candidates"


def nudge_text(count: int, best: float) -> str:
    score = f"{best:.2f}".replace(".", ",")
    return f"Ждут решения: {count} (лучшая оценка {score}). Откройте раздел «Соцсети» в панели."


async def do_nudge_operators(session: AsyncSession, *, municipality_id: int, now: datetime) -> int:
    """Tell the operators about candidates stored since the last nudge that still wait (those
    accepted by the score or already decided are not counted); how many rows were written."""
    key = f"{NUDGE_PREFIX}m{municipality_id}"
    mine = SocialPost.municipality_id == municipality_id
    top = await session.scalar(select(func.max(SocialPost.id)).where(mine))
    row = await session.get(ChannelCursor, key)
    after = int(json.loads(row.value).get("after", 0)) if row is not None else 0
    if top is None or top <= after:
        return 0
    count, best = (
        await session.execute(
            select(func.count(), func.max(SocialPost.score)).where(
                mine,
                col(SocialPost.id) > after,
                col(SocialPost.id) <= top,
                SocialPost.status == SocialStatus.candidate,
            )
        )
    ).one()
    value = json.dumps({"after": top})
    if row is None:
        session.add(ChannelCursor(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
        session.add(row)
    await session.flush()
    if not count:
        return 0
    return await do_alert_operators(
        session,
        municipality_id=municipality_id,
        kind=NUDGE_KIND,
        payload={"text": nudge_text(int(count), float(best)), "count": int(count)},
        dedup=f"social:m{municipality_id}:{top}",
        now=now,
    )
