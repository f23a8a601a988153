"""The wall port of incidents' answers (workflows/incidents/publishing.WallPort) over VK: the
comment goes out through the paced client of the municipality's own community, and VK's
refusals become the domain's: for good (closed, deleted) or for now (flood control, network)."""

from collections.abc import Awaitable, Callable

from integrations.vk_wall import errors
from integrations.vk_wall.sources import WallClient
from integrations.vk_wall.writer import do_comment
from workflows.incidents.publishing import WallRefused, WallUnavailable

# The community that speaks for a municipality: its paced client and its group id (None: none).
FindCommunity = Callable[[int], Awaitable[tuple[WallClient, int] | None]]
CLOSED = "комментарии к записи закрыты"
GONE = "запись удалена"


class VkWallPort:
    """Publishes through the community a municipality names (its ChannelBot, or VK_GROUP_ID)."""

    def __init__(self, find: FindCommunity) -> None:
        self.find = find

    async def comment(
        self,
        *,
        municipality_id: int,
        owner_id: int,
        post_id: int,
        message: str,
        guid: str,
        reply_to_comment: int | None,
    ) -> int:
        found = await self.find(municipality_id)
        if found is None:
            raise WallUnavailable("у муниципалитета нет сообщества ВКонтакте")
        client, group_id = found
        try:
            return await do_comment(
                client,
                owner_id=owner_id,
                post_id=post_id,
                message=message,
                group_id=group_id,
                guid=guid,
                reply_to_comment=reply_to_comment,
            )
        except errors.CommentsClosed as e:
            raise WallRefused(CLOSED) from e
        except errors.PostGone as e:
            raise WallRefused(GONE) from e
        except errors.WallError as e:  # 6, 9, 10 and VK's other troubles: later
            raise WallUnavailable(f"ошибка ВКонтакте {e.code}") from e
