"""Reads the new posts and comments of public walls, a poll at a time, through the VK
transport made with the application's service token (VK reads walls with no other; its
budget is its own, paced by MCU_VK_WALL_PER_SECOND). A wall is paged newest first down to
what was read before; posts younger than `follow_days` keep having their comments read (only
those whose comment count changed). A first read takes the last `backfill_days`."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from vk_api.exceptions import ApiError

from integrations.vk_wall import errors
from integrations.vk_wall.cursor import PostMark, WallCursor, do_clear_cursor, do_save_cursor
from integrations.vk_wall.cursor import get_cursor as load_cursor
from integrations.vk_wall.sources import Seen, WallClient, WallSource
from workflows.core.clock import Clock

log = logging.getLogger(__name__)
PAGE = 100  # VK's most per call of wall.get and wall.getComments
OnSeen = Callable[[list[Seen]], Awaitable[None]]


@dataclass
class PollReport:
    """One source's poll: what came, how many calls it took, whether it is readable (when not,
    VK's error code: 15, 18, 30, 100 or 210)."""

    source: str
    owner_id: int
    new: int = 0
    requests: int = 0
    available: bool = True
    code: int | None = None
    failed: bool = False  # VK's trouble of the moment (1, 9, 10): read on from the cursor next time


class _Counted:
    """Counts a source's calls (for the report)."""

    def __init__(self, client: WallClient) -> None:
        self.client, self.calls = client, 0

    async def call(self, method: str, values: dict[str, Any]) -> Any:
        self.calls += 1
        return await self.client.call(method, values)


def _date(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


class WallReader:
    """Polls a list of sources; each poll hands the new records of a source to `on_seen`,
    then saves its cursor (a crash between the two hands that batch again: dedupe by key)."""

    def __init__(
        self,
        *,
        sm: async_sessionmaker[AsyncSession],
        client: WallClient,
        clock: Clock,
        on_seen: OnSeen,
        backfill_days: int = 3,
        follow_days: int = 7,
        scope: str = "",
    ) -> None:
        if backfill_days < 0 or follow_days < 0:
            raise ValueError("число дней не может быть отрицательным")
        self.sm, self.client, self.clock, self.on_seen = sm, client, clock, on_seen
        self.backfill = timedelta(days=backfill_days)
        self.follow = timedelta(days=follow_days)
        self.scope = scope  # whose cursors: readers of one wall for different owners are apart

    async def poll(self, sources: list[WallSource]) -> list[PollReport]:
        """Read every source once; one that fails is reported and the others go on. A failure
        of the whole read (a bad token, the network) is raised for the job to report."""
        reports = []
        for source in sources:
            try:
                reports.append(await self.poll_one(source))
            except ApiError as e:
                if e.code not in errors.TRANSIENT:
                    raise
                log.warning(
                    "VK: стена %s (%s) не прочитана сейчас (код %s), продолжим в следующий раз",
                    source.owner_id,
                    source.name,
                    e.code,
                )
                reports.append(PollReport(source.name, source.owner_id, code=e.code, failed=True))
        return reports

    async def poll_one(self, source: WallSource) -> PollReport:
        """Read one source on from its cursor."""
        report = PollReport(source.name, source.owner_id)
        client = _Counted(self.client)
        cursor = await load_cursor(self.sm, source.owner_id, self.scope)
        try:
            seen, cursor = await self._read(client, source, cursor)
        except ApiError as e:
            report.requests = client.calls
            if e.code not in errors.SOURCE_GONE:
                raise
            report.available, report.code = False, e.code
            await do_clear_cursor(self.sm, source.owner_id, scope=self.scope)
            log.warning(
                "VK: стена %s (%s) недоступна (код %s), состояние сброшено",
                source.owner_id,
                source.name,
                e.code,
            )
            return report
        report.requests, report.new = client.calls, len(seen)
        if seen:
            await self.on_seen(seen)
        await do_save_cursor(self.sm, self.clock, source.owner_id, cursor, self.scope)
        return report

    async def _read(
        self, client: _Counted, source: WallSource, cursor: WallCursor
    ) -> tuple[list[Seen], WallCursor]:
        now = self.clock.now()
        first = cursor.top is None
        since = now - self.backfill if first else None
        follow_from = now - (min(self.follow, self.backfill) if first else self.follow)
        posts = await self._posts(client, source, cursor.top, since, follow_from)
        seen: list[Seen] = []
        top = max([cursor.top or 0, *(p["id"] for p in posts)])
        followed: dict[int, PostMark] = {}
        for post in sorted(posts, key=lambda p: p["id"]):
            is_new = post["id"] > (cursor.top or 0) and (
                since is None or _date(post["date"]) >= since
            )
            if is_new and source.posts:
                seen.append(self._seen(source, post["id"], None, post))
            if not source.comments or _date(post["date"]) < follow_from:
                continue
            mark = cursor.posts.get(post["id"], PostMark())
            if not is_new and post["id"] not in cursor.posts:
                continue  # read before it was followed: its comments were never ours to read
            if post["comments"]["count"] != mark.count:
                fresh, mark = await self._comments(client, source, post["id"], mark)
                if fresh is None:
                    continue  # deleted between wall.get and getComments
                seen += fresh
            followed[post["id"]] = mark
        return seen, WallCursor(top=top or None, posts=followed)

    async def _posts(
        self,
        client: _Counted,
        source: WallSource,
        top: int | None,
        since: datetime | None,
        follow_from: datetime,
    ) -> list[dict[str, Any]]:
        """wall.get pages down to the oldest post still wanted; a pinned post is taken
        wherever it is but never ends the paging."""
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await client.call(
                "wall.get", {"owner_id": source.owner_id, "offset": offset, "count": PAGE}
            )
            items: list[dict[str, Any]] = page["items"]
            offset += len(items)
            done = len(items) < PAGE or offset >= page["count"]
            for post in items:
                when = _date(post["date"])
                wanted_comments = source.comments and when >= follow_from
                wanted_post = (top is None or post["id"] > top) and (since is None or when >= since)
                if wanted_comments or wanted_post:
                    found.append(post)
                elif not post.get("is_pinned"):
                    done = True
                    break
            if done:
                return found

    async def _comments(
        self, client: _Counted, source: WallSource, post_id: int, mark: PostMark
    ) -> tuple[list[Seen] | None, PostMark]:
        """New comments of a post, newest first a page at a time down to the last one read
        (a deleted comment cannot break this, as a start_comment_id could)."""
        fresh: dict[int, dict[str, Any]] = {}
        offset, count = 0, mark.count
        while True:
            try:
                page = await client.call(
                    "wall.getComments",
                    {
                        "owner_id": source.owner_id,
                        "post_id": post_id,
                        "offset": offset,
                        "count": PAGE,
                        "sort": "desc",
                    },
                )
            except ApiError as e:
                if e.code not in (errors.INVALID, errors.POST_COMMENTS_DENIED):
                    raise
                log.info("VK: запись %s_%s удалена, не следим", source.owner_id, post_id)
                return None, mark
            count = page["count"]
            items = page["items"]
            newer = [c for c in items if c["id"] > mark.last]
            fresh.update((c["id"], c) for c in newer)  # a shifted page may repeat one
            offset += len(items)
            if len(newer) < len(items) or len(items) < PAGE or offset >= count:
                break
        last = max([mark.last, *fresh])
        seen = [
            self._seen(source, post_id, c["id"], c)
            for c in sorted(fresh.values(), key=lambda c: c["id"])
        ]
        return seen, PostMark(last=last, count=count)

    @staticmethod
    def _seen(
        source: WallSource, post_id: int, comment_id: int | None, obj: dict[str, Any]
    ) -> Seen:
        return Seen(
            source=source.name,
            owner_id=source.owner_id,
            post_id=post_id,
            comment_id=comment_id,
            date=_date(obj["date"]),
            text=obj.get("text", ""),
        )
