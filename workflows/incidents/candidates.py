"""Storing what monitoring read: each new public post or comment scored against the
municipality's vocabulary, kept with its reasons, a candidate above the threshold.

Takes plain records (the VK reader's `Seen` fits) so the domain never imports a transport; a
redelivered batch (a crash before the reader saved its cursor) inserts nothing."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Locality, RoutingRule, Sector, SocialMonitor, SocialPost, SocialStatus, Staff
from workflows.core.clock import Clock
from workflows.core.dialect import insert_for
from workflows.core.tx import committing
from workflows.incidents.learning import Learned
from workflows.incidents.matching import Match, is_candidate, score
from workflows.incidents.vocabulary import Vocabulary

CHUNK = 500  # rows an INSERT: 14 parameters each, under the drivers' 32,767
KEY = ("municipality_id", "owner_id", "post_id", "comment_id")


class SeenLike(Protocol):
    """A post (comment_id None) or a comment read from a public wall."""

    @property
    def source(self) -> str: ...
    @property
    def owner_id(self) -> int: ...
    @property
    def post_id(self) -> int: ...
    @property
    def comment_id(self) -> int | None: ...
    @property
    def date(self) -> datetime: ...
    @property
    def text(self) -> str: ...
    @property
    def link(self) -> str: ...


async def get_monitor(session: AsyncSession, *, municipality_id: int) -> SocialMonitor | None:
    """The municipality's monitoring setup, when it is switched on."""
    row = (
        await session.exec(
            select(SocialMonitor).where(SocialMonitor.municipality_id == municipality_id)
        )
    ).first()
    return row if row is not None and row.active else None


async def get_vocabulary(
    session: AsyncSession, *, municipality_id: int, keywords: Sequence[str] = ()
) -> Vocabulary:
    """Its localities, its active routing rules' keywords by sector (the rule's, else its
    assignee's, else the rule's own code), and monitoring's own words."""
    places = await session.exec(
        select(Locality.name).where(Locality.municipality_id == municipality_id)
    )
    codes = dict(
        (
            await session.exec(
                select(Sector.id, Sector.code).where(Sector.municipality_id == municipality_id)
            )
        ).all()
    )
    rules = await session.exec(
        select(RoutingRule.code, RoutingRule.keywords, RoutingRule.sector_id, Staff.sector_id)
        .join(Staff, col(Staff.id) == col(RoutingRule.assignee_id))
        .where(RoutingRule.municipality_id == municipality_id, col(RoutingRule.active))
    )
    sectors: dict[str, list[str]] = {}
    for code, words, own, assignees in rules:
        if words:
            sector = codes.get(own or assignees or 0, code)
            sectors.setdefault(sector, []).extend(words)
    return Vocabulary(
        localities=tuple(places),
        sectors={code: tuple(dict.fromkeys(ws)) for code, ws in sectors.items()},
        keywords=tuple(keywords),
    )


def _reasons(match: Match) -> list[dict[str, Any]]:
    return [
        {"signal": str(r.signal), "word": r.word}
        | ({"sector": r.sector} if r.sector else {})
        | ({"weight": r.weight} if r.weight is not None else {})
        for r in match.reasons
    ]


def _row(
    municipality_id: int, seen: SeenLike, match: Match, threshold: float, now: datetime
) -> dict[str, Any]:
    status = SocialStatus.candidate if is_candidate(match, threshold) else SocialStatus.ignored
    return {
        "municipality_id": municipality_id,
        "owner_id": seen.owner_id,
        "post_id": seen.post_id,
        "comment_id": seen.comment_id or 0,
        "source": seen.source[:300],
        "posted_at": seen.date,
        "text": seen.text.replace("\x00", ""),  # Postgres text refuses NUL
        "link": seen.link[:500],
        "score": match.score,
        "reasons": _reasons(match),
        "status": status,
        "created_at": now,
    }


async def check_store_seen(
    session: AsyncSession,
    *,
    municipality_id: int,
    seen: Sequence[SeenLike],
    vocabulary: Vocabulary,
    threshold: float,
    clock: Clock,
    learned: Learned | None = None,
) -> int:
    """Score (with what the operator's decisions taught, if given) and keep the records not
    stored before, in one transaction; how many were new."""
    async with committing(session):
        return len(
            await do_store_seen(
                session,
                municipality_id=municipality_id,
                seen=seen,
                vocabulary=vocabulary,
                threshold=threshold,
                clock=clock,
                learned=learned,
            )
        )


async def do_store_seen(
    session: AsyncSession,
    *,
    municipality_id: int,
    seen: Sequence[SeenLike],
    vocabulary: Vocabulary,
    threshold: float,
    clock: Clock,
    learned: Learned | None = None,
) -> list[int]:
    """The same inside the caller's transaction; the ids of the rows stored now."""
    if not seen:
        return []
    now = clock.now()
    scored = [(s, score(s.text, vocabulary, learned)) for s in seen]
    rows = [_row(municipality_id, s, match, threshold, now) for s, match in scored]
    insert = insert_for(session)
    new: list[int] = []
    for start in range(0, len(rows), CHUNK):
        stmt = (
            insert(SocialPost)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=list(KEY))
            .returning(col(SocialPost.id))
        )
        new += [r[0] for r in (await session.execute(stmt)).all()]
    return new
