"""Refusals of VK's wall methods, as exceptions the incident flow can tell apart."""

# Codes as VK's own schema names them (VKCOM/vk-api-schema, errors.json): 15 access denied,
# 18 page deleted or banned, 30 profile private, 100 invalid parameter (an unknown post or owner),
# 210 access to the wall's post denied, 212 access to post comments denied, 213 replies denied.
ACCESS_DENIED, DELETED, PRIVATE, INVALID, POST_DENIED = 15, 18, 30, 100, 210
POST_COMMENTS_DENIED, REPLIES_DENIED = 212, 213
SOURCE_GONE = frozenset({ACCESS_DENIED, DELETED, PRIVATE, INVALID, POST_DENIED})
# VK's troubles of the moment (1 unknown error, 9 flood control, 10 internal server error): the
# source is read on from its cursor next time; the other sources of the poll go on now.
TRANSIENT = frozenset({1, 9, 10})


class WallError(Exception):
    """A wall method refused; `code` is VK's error code."""

    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code


class CommentsClosed(WallError):
    """Comments under the post are closed (VK error 213 or 212)."""


class PostGone(WallError):
    """The post was deleted, or its wall is private or removed."""
