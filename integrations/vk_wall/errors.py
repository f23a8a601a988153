"""Refusals of VK's wall methods, as exceptions the incident flow can tell apart."""

ACCESS_DENIED, DELETED, PRIVATE, INVALID = 15, 18, 30, 100
POST_COMMENTS_DENIED, REPLIES_DENIED = 212, 213
SOURCE_GONE = frozenset({ACCESS_DENIED, DELETED, PRIVATE, INVALID})


class WallError(Exception):
    """A wall method refused; `code` is VK's error code."""

    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code


class CommentsClosed(WallError):
    """Comments under the post are closed (VK error 213 or 212)."""


class PostGone(WallError):
    """The post was deleted, or its wall is private or removed."""
