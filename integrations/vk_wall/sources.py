"""What the reader is given (sources, a client) and what it hands back (Seen)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Read(StrEnum):
    """What of a source to read."""

    posts = "posts"
    comments = "comments"
    both = "both"


@dataclass(frozen=True)
class WallSource:
    """A public wall to watch: a community (owner_id < 0) or a page (owner_id > 0)."""

    owner_id: int
    what: Read
    name: str

    def __post_init__(self) -> None:
        if self.owner_id == 0:
            raise ValueError("owner_id источника не может быть 0")

    @property
    def posts(self) -> bool:
        return self.what in (Read.posts, Read.both)

    @property
    def comments(self) -> bool:
        return self.what in (Read.comments, Read.both)


@dataclass(frozen=True)
class Seen:
    """A new post or comment; (owner_id, post_id, comment_id) is its stable key."""

    source: str
    owner_id: int
    post_id: int
    comment_id: int | None
    date: datetime
    text: str

    @property
    def link(self) -> str:
        """Where it is on VK."""
        base = f"https://vk.com/wall{self.owner_id}_{self.post_id}"
        return base if self.comment_id is None else f"{base}?reply={self.comment_id}"


class WallClient(Protocol):
    """The VK transport (bot.vk.transport.VkClient fits): one paced method call; a refusal
    is raised as vk_api's ApiError (with `code`)."""

    async def call(self, method: str, values: dict[str, Any], *, chat: str | None = None) -> Any:
        """Call a VK method and return its `response`."""
        ...
