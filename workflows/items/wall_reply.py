"""An incident's answer planned for publication under its first post, in the answer's own
transaction: a SocialReply row (the wall-side outbox) whose status follows the municipality's
`publish` setting. Lives with the items because the answer action plans it; what happens to
the row afterwards (approval, sending) is workflows/incidents/replies.py."""

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Item,
    ItemKind,
    Publish,
    ReplyStatus,
    Role,
    SocialMonitor,
    SocialPost,
    SocialReply,
)
from workflows.core.directory import Directory
from workflows.core.errors import Invalid
from workflows.core.words import WORD, is_name_part, normal_forms

APPROVAL = "reply_approval"  # the staff notice asking to publish or not
APPROVERS = (Role.operator, Role.head)


def reply_guid(item_id: int, answer_version: int) -> str:
    """VK's dedupe key for the comment: stable per answer, so a resent call posts nothing new."""
    return f"mcu-{item_id}-{answer_version}"


def person_names(directory: Directory) -> list[tuple[str, list[frozenset[str]]]]:
    """Staff names that name a person (two or more words of a name, surname or patronymic;
    «Руководитель МЦУ» is a title and may be written), each with its words' dictionary forms."""
    out = []
    for staff in directory.by_id.values():
        parts = WORD.findall(staff.name)
        if len(parts) >= 2 and sum(is_name_part(w.lower()) for w in parts) >= 2:
            out.append((staff.name, [normal_forms(w) for w in parts]))
    return out


def named_staff(text: str, directory: Directory) -> str | None:
    """The full name of a staff member the text contains, in any case form and word order."""
    tokens = [normal_forms(w) for w in WORD.findall(text)]
    for name, parts in person_names(directory):
        n = len(parts)
        for start in range(len(tokens) - n + 1):
            window = tokens[start : start + n]
            if all(any(p & t for t in window) for p in parts):
                return name
    return None


async def get_publish(session: AsyncSession, *, municipality_id: int) -> Publish:
    """The municipality's setting; no monitoring (or monitoring switched off) means off."""
    monitor = (
        await session.exec(
            select(SocialMonitor).where(SocialMonitor.municipality_id == municipality_id)
        )
    ).first()
    if monitor is None or not monitor.active:
        return Publish.off
    return Publish(monitor.publish)


async def get_first_post(session: AsyncSession, *, item_id: int) -> SocialPost | None:
    """Where the answer goes: the incident's earliest post or comment."""
    q = (
        select(SocialPost)
        .where(SocialPost.item_id == item_id)
        .order_by(col(SocialPost.posted_at), col(SocialPost.id))
        .limit(1)
    )
    return (await session.exec(q)).first()


async def do_plan_reply(
    session: AsyncSession,
    *,
    item: Item,
    text: str,
    directory: Directory,
    now: datetime,
) -> SocialReply | None:
    """Plan the answer of an incident for publication (nothing for other kinds, publishing off,
    or no post); refuse a text that names a staff member: the community speaks, not a person.
    Called before the answer's version bump, so the row carries the version after it."""
    if item.kind is not ItemKind.incident or item.id is None:
        return None
    publish = await get_publish(session, municipality_id=item.municipality_id)
    if publish is Publish.off:
        return None
    post = await get_first_post(session, item_id=item.id)
    if post is None:
        return None
    name = named_staff(text, directory)
    if name is not None:
        raise Invalid(
            f"Ответ на инцидент публикуется от имени сообщества: уберите из текста имя "
            f"сотрудника ({name})."
        )
    # An earlier answer still waiting for approval is replaced by this one.
    await session.execute(
        update(SocialReply)
        .where(
            col(SocialReply.item_id) == item.id,
            col(SocialReply.status) == ReplyStatus.awaiting,
        )
        .values(status=ReplyStatus.declined, error="заменён новым ответом", updated_at=now)
    )
    version = item.version + 1
    reply = SocialReply(
        municipality_id=item.municipality_id,
        item_id=item.id,
        answer_version=version,
        owner_id=post.owner_id,
        post_id=post.post_id,
        reply_to_comment=post.comment_id or None,
        text=text,
        status=ReplyStatus.approved if publish is Publish.auto else ReplyStatus.awaiting,
        guid=reply_guid(item.id, version),
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(reply)
    await session.flush()
    return reply


def approval_notices(
    reply: SocialReply, directory: Directory
) -> list[tuple[int, str, dict[str, Any]]]:
    """The operators and the heads asked to approve an awaiting reply (the answer's notices)."""
    if reply.status is not ReplyStatus.awaiting:
        return []
    extra = {"reply_id": reply.id, "answer": reply.text}
    return [
        (s.id or 0, APPROVAL, extra) for role in APPROVERS for s in directory.by_role.get(role, [])
    ]
