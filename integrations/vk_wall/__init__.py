"""Reading public VK walls (communities, pages) incrementally for incident monitoring."""

from integrations.vk_wall.errors import CommentsClosed, PostGone, WallError
from integrations.vk_wall.monitor import WallPoller, do_poll_municipality
from integrations.vk_wall.reader import PollReport, WallReader
from integrations.vk_wall.sources import Read, Seen, WallClient, WallSource
from integrations.vk_wall.writer import do_comment

__all__ = [
    "CommentsClosed",
    "PollReport",
    "PostGone",
    "Read",
    "Seen",
    "WallClient",
    "WallError",
    "WallPoller",
    "WallReader",
    "WallSource",
    "do_comment",
    "do_poll_municipality",
]
