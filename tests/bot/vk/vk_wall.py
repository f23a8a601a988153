"""The public wall as VK's wall.* methods show it: pages and communities with posts and comments
that tests write (not the bot's dialogs). Reading (wall.get, wall.getComments) takes a service
token, as VK's schema says (VKCOM/vk-api-schema wall/methods.json: user or service keys, not a
community's); a community token is refused with error 27. Each token's requests count into its
own rate limit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tests.bot.vk.vk_rules import Params, SlidingWindow, Stats, VkError, invalid

Json = dict[str, Any]

MAX_COUNT = 100  # wall.get and wall.getComments return at most 100 a page


class Access(StrEnum):
    """Whether a wall can be read: open, closed to outsiders, or gone."""

    open = "open"
    private = "private"
    removed = "removed"


@dataclass
class Comment:
    """A comment under a post."""

    id: int
    from_id: int
    date: int
    text: str
    reply_to: int | None = None  # the comment it answers in a thread


@dataclass
class Post:
    """A post on a wall with its comments (ids shared with the comments, as on VK)."""

    id: int
    from_id: int
    date: int
    text: str
    comments: list[Comment] = field(default_factory=list)
    comments_closed: bool = False
    deleted: bool = False


@dataclass
class Wall:
    """One owner's wall: owner_id < 0 for a community, > 0 for a person's page."""

    owner_id: int
    posts: dict[int, Post] = field(default_factory=dict)
    access: Access = Access.open
    pinned: int | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def visible(self) -> list[Post]:
        """Posts as wall.get lists them: the pinned one first, then newest first."""
        posts = sorted((p for p in self.posts.values() if not p.deleted), key=lambda p: -p.id)
        pinned = [p for p in posts if p.id == self.pinned]
        return pinned + [p for p in posts if p.id != self.pinned]

    def post(self, post_id: int) -> Post:
        """A post that exists, else VK's refusal for a wrong post_id."""
        found = self.posts.get(post_id)
        if found is None or found.deleted:
            raise invalid("post_id is invalid: the post was deleted or never existed")
        return found


class Walls:
    """Every wall of an emulator, by owner_id."""

    def __init__(self) -> None:
        self.walls: dict[int, Wall] = {}
        # wall.createComment's guid: (community, owner, post, guid) -> the comment it made.
        self.guids: dict[tuple[int, int, int, str], int] = {}

    def wall(self, owner_id: int) -> Wall:
        """A wall, created on first use."""
        if owner_id == 0:
            raise ValueError("owner_id 0 has no wall")
        return self.walls.setdefault(owner_id, Wall(owner_id))

    def readable(self, owner_id: int | None) -> Wall:
        """A wall the caller may read, else the refusal VK gives for it."""
        if not owner_id or owner_id not in self.walls:
            raise invalid("owner_id is invalid")
        wall = self.walls[owner_id]
        if wall.access is Access.removed:
            if owner_id < 0:
                raise VkError(15, "group is blocked")
            raise VkError(18)
        if wall.access is Access.private:
            if owner_id < 0:
                raise VkError(15, "this wall available only for community members")
            raise VkError(30)
        return wall


def _page(p: Params) -> tuple[int, int]:
    offset = p.integer("offset") or 0
    count = p.integer("count")
    count = 20 if count is None else count
    if offset < 0 or not 0 <= count <= MAX_COUNT:
        raise invalid(f"count must be 0..{MAX_COUNT} and offset not negative")
    return offset, count


def post_json(wall: Wall, post: Post) -> Json:
    """A post as wall.get returns it (5.199, the fields the reader relies on)."""
    item: Json = {
        "id": post.id,
        "owner_id": wall.owner_id,
        "from_id": post.from_id,
        "date": post.date,
        "text": post.text,
        "post_type": "post",
        "comments": {"count": len(post.comments), "can_post": int(not post.comments_closed)},
    }
    if post.id == wall.pinned:
        item["is_pinned"] = 1
    return item


def wall_get(walls: Walls, p: Params) -> Json:
    """wall.get: owner_id, offset, count ≤ 100; pinned first, then newest first."""
    wall = walls.readable(p.integer("owner_id", required=True))
    offset, count = _page(p)
    posts = wall.visible()
    return {
        "count": len(posts),
        "items": [post_json(wall, post) for post in posts[offset : offset + count]],
    }


def wall_get_comments(walls: Walls, p: Params) -> Json:
    """wall.getComments: oldest first (sort=asc, the default) or newest first (desc); with
    start_comment_id the page starts at that comment and offset counts from it."""
    wall = walls.readable(p.integer("owner_id", required=True))
    post = wall.post(p.integer("post_id", required=True) or 0)
    offset, count = _page(p)
    sort = p.text("sort") or "asc"
    if sort not in ("asc", "desc"):
        raise invalid("sort must be asc or desc")
    comments = sorted(post.comments, key=lambda c: c.id, reverse=sort == "desc")
    start = p.integer("start_comment_id")
    if start is not None:
        at = next((i for i, c in enumerate(comments) if c.id == start), None)
        if at is None:
            raise invalid("start_comment_id is invalid")
        comments = comments[at:]
    items = [
        {
            "id": c.id,
            "from_id": c.from_id,
            "date": c.date,
            "text": c.text,
            "post_id": post.id,
            "owner_id": wall.owner_id,
        }
        for c in comments[offset : offset + count]
    ]
    return {"count": len(post.comments), "current_level_count": len(post.comments), "items": items}


class ServiceState:
    """An application's service token: what it asked and its own rate-limit window."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.stats = Stats()
        self.window = SlidingWindow()


# The wall methods a service token may call; a community token gets 27 for them, and a service
# token 28 for the community's own methods (messages.send, wall.createComment...).
SERVICE_METHODS = {"wall.get": wall_get, "wall.getComments": wall_get_comments}


def wall_create_comment(walls: Walls, p: Params, *, group_id: int, date: int) -> Json:
    """wall.createComment: a comment (from the community with from_group); 213 when closed.
    `guid` deduplicates as VK does: the same guid from the same community under the same post
    answers the first comment's id and posts nothing; `reply_to_comment` must be a comment of
    that post."""
    owner_id = p.integer("owner_id", required=True) or 0
    wall = walls.readable(owner_id)
    post = wall.post(p.integer("post_id", required=True) or 0)
    text = p.text("message") or ""
    if not text.strip():
        raise invalid("message is empty")
    guid = p.text("guid")
    key = (group_id, owner_id, post.id, guid) if guid else None
    if key is not None and key in walls.guids:
        return {"comment_id": walls.guids[key], "parents_stack": []}
    if post.comments_closed:
        raise VkError(213)
    from_group = p.integer("from_group")
    if from_group is not None and from_group not in (0, group_id):
        raise VkError(15, "from_group must be the token's community")
    parent = p.integer("reply_to_comment")
    if parent is not None and comment_of(post, parent) is None:
        raise invalid("reply_to_comment is invalid")
    comment = Comment(next(wall.ids), -group_id, date, text, reply_to=parent)
    post.comments.append(comment)
    if key is not None:
        walls.guids[key] = comment.id
    return {"comment_id": comment.id, "parents_stack": [parent] if parent else []}


def comment_of(post: Post, comment_id: int) -> Any:
    """A comment of a post by id (tests)."""
    return next((c for c in post.comments if c.id == comment_id), None)
