"""Where reading a wall got to, in `channelcursor` (value ≤ 256 characters, so one row for
the wall and one per post whose comments are followed): a restart goes on from there."""

import json
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ChannelCursor
from workflows.core.clock import Clock

PREFIX = "vkwall:"


@dataclass
class PostMark:
    """How far a post's comments were read: the newest comment id and the count seen."""

    last: int = 0
    count: int = 0


@dataclass
class WallCursor:
    """The newest post id read on a wall (None: never read) and the followed posts."""

    top: int | None = None
    posts: dict[int, PostMark] = field(default_factory=dict)


def wall_key(owner_id: int, scope: str = "") -> str:
    """`scope` keeps readers apart: each municipality watching one wall reads all of it."""
    return f"{PREFIX}{scope}{owner_id}"


def post_key(owner_id: int, post_id: int, scope: str = "") -> str:
    return f"{wall_key(owner_id, scope)}:{post_id}"


async def get_cursor(
    sm: async_sessionmaker[AsyncSession], owner_id: int, scope: str = ""
) -> WallCursor:
    """The saved cursor of a wall (empty when never read or cleared)."""
    cursor = WallCursor()
    head = wall_key(owner_id, scope)
    async with sm() as s:
        rows = await s.exec(
            select(ChannelCursor).where(
                (col(ChannelCursor.key) == head) | col(ChannelCursor.key).startswith(head + ":")
            )
        )
        for row in rows:
            value = json.loads(row.value)
            if row.key == head:
                cursor.top = int(value["top"])
            else:
                post_id = int(row.key.rsplit(":", 1)[1])
                cursor.posts[post_id] = PostMark(int(value["last"]), int(value["count"]))
    return cursor


async def do_save_cursor(
    sm: async_sessionmaker[AsyncSession],
    clock: Clock,
    owner_id: int,
    cursor: WallCursor,
    scope: str = "",
) -> None:
    """Replace a wall's rows with `cursor`, in one transaction."""
    await do_clear_cursor(sm, owner_id, commit_with=cursor, clock=clock, scope=scope)


async def do_clear_cursor(
    sm: async_sessionmaker[AsyncSession],
    owner_id: int,
    *,
    commit_with: WallCursor | None = None,
    clock: Clock | None = None,
    scope: str = "",
) -> None:
    """Drop a wall's rows (and write `commit_with` instead, when given)."""
    head = wall_key(owner_id, scope)
    async with sm() as s, s.begin():
        await s.exec(
            delete(ChannelCursor).where(
                (col(ChannelCursor.key) == head) | col(ChannelCursor.key).startswith(head + ":")
            )
        )
        if commit_with is None or commit_with.top is None:
            return
        assert clock is not None
        now = clock.now()
        s.add(ChannelCursor(key=head, value=json.dumps({"top": commit_with.top}), updated_at=now))
        for post_id, mark in commit_with.posts.items():
            value = json.dumps({"last": mark.last, "count": mark.count})
            s.add(
                ChannelCursor(key=post_key(owner_id, post_id, scope), value=value, updated_at=now)
            )
