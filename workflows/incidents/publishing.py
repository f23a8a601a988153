"""Sending approved replies as the community's comments under their posts, through a wall port
the composition root provides (the domain imports no transport). A row is leased before the
call and marked after it; a crash in between leaves it to be sent again, and VK's `guid`
dedupe makes that second call return the first comment instead of posting another."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ReplyStatus, SocialReply
from workflows.core.actors import Actor
from workflows.core.clock import Clock, backoff
from workflows.core.tx import changed
from workflows.items.audit import audit_event
from workflows.notifications.notify import do_alert_operators

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # a claimed row is not claimed again before this
RETRY_BASE, RETRY_CAP = 15.0, 3600.0  # about 30 s, 1, 2, 4 minutes … an hour


class WallRefused(Exception):
    """VK refused the comment for good (comments closed, post deleted); `reason` in Russian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WallUnavailable(Exception):
    """VK could not take the comment now (flood control, its own error, no community yet)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WallPort(Protocol):
    """Publishes a comment as the municipality's community; the comment's id."""

    async def comment(
        self,
        *,
        municipality_id: int,
        owner_id: int,
        post_id: int,
        message: str,
        guid: str,
        reply_to_comment: int | None,
    ) -> int: ...


@dataclass(frozen=True)
class Claimed:
    """A leased reply, read once (the ORM object does not outlive its session)."""

    id: int
    municipality_id: int
    item_id: int
    owner_id: int
    post_id: int
    reply_to_comment: int | None
    text: str
    guid: str
    attempts: int


def comment_link(owner_id: int, post_id: int, comment_id: int | None = None) -> str:
    base = f"https://vk.com/wall{owner_id}_{post_id}"
    return base if comment_id is None else f"{base}?reply={comment_id}"


async def do_claim_replies(session: AsyncSession, *, now: datetime, limit: int) -> list[Claimed]:
    """Approved replies due now, leased so that no other publisher takes them meanwhile."""
    rows = list(
        await session.exec(
            select(SocialReply)
            .where(
                col(SocialReply.status) == ReplyStatus.approved,
                col(SocialReply.next_attempt_at) <= now,
            )
            .order_by(col(SocialReply.next_attempt_at), col(SocialReply.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    claimed = [
        Claimed(
            r.id or 0,
            r.municipality_id,
            r.item_id,
            r.owner_id,
            r.post_id,
            r.reply_to_comment,
            r.text,
            r.guid,
            r.attempts,
        )
        for r in rows
    ]
    if claimed:
        await session.execute(
            update(SocialReply)
            .where(col(SocialReply.id).in_([c.id for c in claimed]))
            .values(next_attempt_at=now + LEASE)
        )
    return claimed


async def _audit(
    session: AsyncSession, c: Claimed, action: str, now: datetime, **data: object
) -> None:
    item = await session.get(Item, c.item_id)
    if item is not None:
        event = audit_event(item, actor=Actor.system(), action=action, now=now, data=data)
        session.add(event)
        await session.flush()


async def do_record_sent(
    session: AsyncSession, c: Claimed, *, comment_id: int, now: datetime
) -> bool:
    """Mark a reply published (once: a second publisher's mark changes nothing)."""
    done = await changed(
        session,
        update(SocialReply)
        .where(col(SocialReply.id) == c.id, col(SocialReply.status) == ReplyStatus.approved)
        .values(
            status=ReplyStatus.sent,
            comment_id=comment_id,
            sent_at=now,
            attempts=c.attempts + 1,
            error=None,
            updated_at=now,
        ),
    )
    if done:
        link = comment_link(c.owner_id, c.post_id, comment_id)
        await _audit(
            session, c, "reply_published", now, reply_id=c.id, comment_id=comment_id, link=link
        )
    return bool(done)


async def do_record_refused(
    session: AsyncSession, c: Claimed, *, reason: str, now: datetime
) -> bool:
    """Mark a reply failed, say so on the item's timeline and ask the operators to decide."""
    done = await changed(
        session,
        update(SocialReply)
        .where(col(SocialReply.id) == c.id, col(SocialReply.status) == ReplyStatus.approved)
        .values(
            status=ReplyStatus.failed, error=reason[:500], attempts=c.attempts + 1, updated_at=now
        ),
    )
    if not done:
        return False
    link = comment_link(c.owner_id, c.post_id)
    await _audit(session, c, "reply_failed", now, reply_id=c.id, error=reason, link=link)
    item = await session.get(Item, c.item_id)
    number = item.number if item is not None else str(c.item_id)
    text = (
        f"Ответ по инциденту {number} не опубликован под записью {link}: {reason}. "
        "Решите сами: повторить публикацию или не публиковать."
    )
    await do_alert_operators(
        session,
        municipality_id=c.municipality_id,
        kind="reply_failed",
        payload={"text": text, "reply_id": c.id, "number": number},
        dedup=f"reply:{c.id}:failed:{c.attempts + 1}",
        now=now,
    )
    return True


async def do_record_retry(
    session: AsyncSession, c: Claimed, *, reason: str, now: datetime, max_attempts: int
) -> None:
    """A transient failure: try again later, or give up after `max_attempts` and tell."""
    attempts = c.attempts + 1
    if attempts >= max_attempts:
        await do_record_refused(
            session, c, reason=f"ВКонтакте не принимает комментарий ({reason})", now=now
        )
        return
    await session.execute(
        update(SocialReply)
        .where(col(SocialReply.id) == c.id, col(SocialReply.status) == ReplyStatus.approved)
        .values(
            attempts=attempts,
            error=reason[:500],
            next_attempt_at=now + backoff(attempts, base=RETRY_BASE, cap=RETRY_CAP),
            updated_at=now,
        )
    )


async def run_publish_replies(
    sm: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    wall: WallPort | None,
    max_attempts: int,
    limit: int = 50,
) -> int:
    """Send the approved replies due now; how many were published."""
    if wall is None:
        return 0  # no VK community in this process: the rows wait for one that has it
    async with sm() as s:
        claimed = await do_claim_replies(s, now=clock.now(), limit=limit)
        await s.commit()
    published = 0
    for c in claimed:
        published += await _publish(sm, c, clock=clock, wall=wall, max_attempts=max_attempts)
    return published


async def _publish(
    sm: async_sessionmaker[AsyncSession],
    c: Claimed,
    *,
    clock: Clock,
    wall: WallPort,
    max_attempts: int,
) -> int:
    try:
        comment_id = await wall.comment(
            municipality_id=c.municipality_id,
            owner_id=c.owner_id,
            post_id=c.post_id,
            message=c.text,
            guid=c.guid,
            reply_to_comment=c.reply_to_comment,
        )
    except WallRefused as e:
        log.warning("ответ #%s не опубликован: %s", c.id, e.reason)
        async with sm() as s:
            await do_record_refused(s, c, reason=e.reason, now=clock.now())
            await s.commit()
        return 0
    except Exception as e:  # the network, VK's own errors: try again later
        reason = e.reason if isinstance(e, WallUnavailable) else type(e).__name__
        log.warning("ответ #%s: ВКонтакте недоступен (%s), повтор позже", c.id, reason)
        async with sm() as s:
            await do_record_retry(s, c, reason=reason, now=clock.now(), max_attempts=max_attempts)
            await s.commit()
        return 0
    async with sm() as s:
        done = await do_record_sent(s, c, comment_id=comment_id, now=clock.now())
        await s.commit()
    return int(done)
