"""The VK channel for the outbox sender: what citizens who wrote in VK are told, sent by the
community serving the item's municipality, each message with a random_id derived from the
outbox row (a retried send is never delivered twice), VK's errors mapped for the sender."""

import logging

from vk_api.exceptions import ApiError

from bot.vk.community import Communities, Community
from bot.vk.render import inline_keyboards, outbox_random_id, texts
from bot.vk.uploads import upload_attachment
from models import Attachment
from workflows.conversation.notices import Line, citizen_lines
from workflows.items.attachments import get_attachments
from workflows.jobs.runtime import Runtime
from workflows.outbox.ports import Notice, PermanentFailure, RetryAfter, Send, send_parts

log = logging.getLogger(__name__)
# VK's error codes (dev.vk.com/ru/reference/errors)
AUTH_FAILED, TOO_MANY, FLOOD, PERMISSION, TOO_LONG = 5, 6, 9, 901, 914
REFUSED_901 = (
    "житель не разрешил сообщения от сообщества ВКонтакте (ошибка 901): сообщение жителя "
    "сохранено и в работе, это уведомление ему не доставлено"
)


class VkPort:
    """Sends through the community of the notice's municipality."""

    self_paced = True  # every call waits for its turn in the community's budget

    def __init__(self, rt: Runtime, communities: Communities) -> None:
        self.rt, self.communities = rt, communities
        self.per_second = rt.settings.vk_per_second

    def chat_interval(self, chat_id: str) -> float:
        return 0.0

    async def send(self, notice: Notice) -> None:
        if notice.staff_id is not None:
            raise PermanentFailure("сотрудники получают уведомления в Telegram, не во ВКонтакте")
        community = await self.communities.of_municipality(notice.municipality_id)
        if community is None:
            raise PermanentFailure("нет сообщества ВКонтакте для этого муниципалитета")
        try:
            await self._citizen(community, notice)
        except ApiError as e:
            raise _mapped(e, community) from e

    async def _citizen(self, community: Community, notice: Notice) -> None:
        item_id = notice.item_id or 0
        async with self.rt.sm() as s:
            photos = [
                a
                for a in await get_attachments(s, item_id=item_id)
                if a.kind == "photo" and not a.from_citizen
            ]
        lines = citizen_lines(notice.kind, notice.payload, item_id, len(photos))
        sends: list[Send] = [
            _Part(self.rt, community, notice, n, line, photos)
            for n, line in enumerate(lines, start=1)
        ]
        await send_parts(notice, sends)


class _Part:
    """One message of a notice (called by send_parts; numbered from 1 like its parts)."""

    def __init__(
        self,
        rt: Runtime,
        community: Community,
        notice: Notice,
        n: int,
        line: Line,
        photos: list[Attachment],
    ) -> None:
        self.rt, self.community, self.notice, self.n = rt, community, notice, n
        self.line, self.photos = line, photos

    async def __call__(self) -> None:
        peer = int(self.notice.chat_id)
        client = self.community.api
        if self.line.photo is not None:
            photo = self.photos[self.line.photo]
            content = await self.rt.fetch_file(photo.channel, photo.file_id)
            attachment = await upload_attachment(client, peer, "photo.jpg", "image/jpeg", content)
            await self._send(peer, "", attachment=attachment)
            return
        keyboards = inline_keyboards(self.line.options, 2)
        pieces = texts(self.line.text)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            await self._send(
                peer, piece, piece_no=i, keyboard=keyboards[0] if keyboards and last else None
            )

    async def _send(
        self,
        peer: int,
        text: str,
        *,
        piece_no: int = 0,
        keyboard: str | None = None,
        attachment: str | None = None,
    ) -> None:
        random_id = outbox_random_id(self.notice.outbox_id, self.n, piece_no)
        await self.community.send(
            peer, text, random_id=random_id, keyboard=keyboard, attachment=attachment
        )


def _mapped(e: ApiError, community: Community) -> Exception:
    """VK's refusal as the sender understands it: wait, never, or try again later."""
    if e.code == PERMISSION:
        return PermanentFailure(REFUSED_901)
    if e.code == TOO_MANY:
        return RetryAfter(1.0, community.budget)
    if e.code == FLOOD:
        return RuntimeError("VK: сработал контроль флуда (ошибка 9), повтор позже")
    if e.code == TOO_LONG:
        return PermanentFailure("VK: сообщение длиннее допустимого (ошибка 914)")
    if e.code == AUTH_FAILED:
        log.error("VK отклонил ключ доступа сообщества %s (ошибка 5)", community.group_id)
        return RuntimeError("VK: ключ доступа сообщества отклонён (ошибка 5)")
    return RuntimeError(f"VK: ошибка {e.code}")
