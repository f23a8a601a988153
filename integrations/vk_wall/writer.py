"""Answering under a post as the community."""

from typing import Any

from vk_api.exceptions import ApiError

from integrations.vk_wall import errors
from integrations.vk_wall.sources import WallClient


async def do_comment(
    client: WallClient,
    *,
    owner_id: int,
    post_id: int,
    message: str,
    group_id: int,
    guid: str | None = None,
    reply_to_comment: int | None = None,
) -> int:
    """Publish `message` under the post from the community; the new comment's id. `guid` is
    VK's dedupe key (a repeated call with it returns the first comment and posts nothing);
    `reply_to_comment` answers a comment in its thread."""
    values: dict[str, Any] = {
        "owner_id": owner_id,
        "post_id": post_id,
        "message": message,
        "from_group": group_id,
    }
    if guid is not None:
        values["guid"] = guid
    if reply_to_comment:
        values["reply_to_comment"] = reply_to_comment
    try:
        answer = await client.call("wall.createComment", values)
    except ApiError as e:
        if e.code in (errors.REPLIES_DENIED, errors.POST_COMMENTS_DENIED):
            raise errors.CommentsClosed("комментарии к записи закрыты", code=e.code) from e
        if e.code in errors.SOURCE_GONE:
            raise errors.PostGone("запись удалена или стена недоступна", code=e.code) from e
        raise errors.WallError("VK не принял комментарий", code=e.code) from e
    return int(answer["comment_id"])
