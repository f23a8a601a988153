"""Saying a turn's outputs in a VK conversation: new messages (text, options as inline callback
keyboards, the standing keyboard), edits of the message whose button was pressed, files through
VK's upload servers, and the answer to a pressed callback button (a snackbar for a refusal)."""

import json
import logging

from vk_api.exceptions import ApiError

from bot.vk.community import Community
from bot.vk.events import Incoming
from bot.vk.render import inline_keyboards, option_buttons, reply_random_id, standing, texts
from bot.vk.uploads import upload_attachment
from workflows.conversation.parts import (
    Edit,
    Output,
    Pressed,
    Say,
    Upload,
    plain,
)

log = logging.getLogger(__name__)
SNACKBAR_LIMIT = 90


async def deliver(community: Community, incoming: Incoming, outputs: list[Output]) -> None:
    client, peer = community.api, incoming.peer_id
    n = 0

    async def send(text: str, keyboard: str | None = None, attachment: str | None = None) -> None:
        nonlocal n
        random_id = reply_random_id(incoming.key, n)
        n += 1
        await community.send(
            peer, text, random_id=random_id, keyboard=keyboard, attachment=attachment
        )

    if incoming.event_id is not None:
        outputs = await _answer_press(community, incoming, outputs)
    for out in outputs:
        if isinstance(out, Say | Edit):
            pieces = texts(out.text)
            if incoming.inline:
                keyboards = inline_keyboards(out.options, out.columns)
            else:  # an old app: the options as buttons under the input field
                keyboards = [option_buttons(out.options, out.columns)] if out.options else []
            if isinstance(out, Edit) and await _edit(community, incoming, pieces, keyboards):
                continue
            last_keyboard = keyboards[0] if keyboards else None
            if last_keyboard is None and isinstance(out, Say) and out.keyboard is not None:
                last_keyboard = standing(out.keyboard)
            for i, piece in enumerate(pieces):
                await send(piece, last_keyboard if i == len(pieces) - 1 else None)
            for more in keyboards[1:]:  # more than ten options: the rest under a short line
                await send("…", more)
        elif isinstance(out, Upload):
            attachment = await upload_attachment(client, peer, out.name, out.mime, out.content)
            await send("", attachment=attachment)
        # Nothing else is said in VK: cards are for staff, who work in Telegram, and a pressed
        # message keeps its buttons (Unbutton; pressing one again is refused as an old choice).


async def _answer_press(
    community: Community, incoming: Incoming, outputs: list[Output]
) -> list[Output]:
    """Every press is answered once (VK shows a spinner until then). A lone short message
    without options (a refusal, an old button) is shown as a snackbar instead of a message."""
    event_data = None
    rest = outputs
    if len(outputs) == 1 and isinstance(only := outputs[0], Say) and only.brief:
        text = plain(only.text)
        if len(text) <= SNACKBAR_LIMIT and not only.options:
            event_data = json.dumps({"type": "show_snackbar", "text": text}, ensure_ascii=False)
            rest = []
    values: dict[str, object] = {
        "event_id": incoming.event_id,
        "user_id": incoming.user_id,
        "peer_id": incoming.peer_id,
    }
    if event_data is not None:
        values["event_data"] = event_data
    try:
        await community.api.call("messages.sendMessageEventAnswer", values)
    except ApiError as e:  # too late (the press expired): say it as a message instead
        log.info("VK: нажатие не подтверждено (ошибка %s)", e.code)
        return outputs
    return rest


async def _edit(
    community: Community, incoming: Incoming, pieces: list[str], keyboards: list[str]
) -> bool:
    """Replace the pressed message's text and buttons; False when it cannot be (sent anew)."""
    event = incoming.event
    cmid = event.message_id if isinstance(event, Pressed) else None
    if cmid is None or len(pieces) != 1 or len(keyboards) > 1:
        return False
    values: dict[str, object] = {
        "peer_id": incoming.peer_id,
        "conversation_message_id": cmid,
        "message": pieces[0],
        "keyboard": keyboards[0] if keyboards else json.dumps({"inline": True, "buttons": []}),
    }
    try:
        await community.api.call("messages.edit", values, chat=str(incoming.peer_id))
    except ApiError as e:
        log.info("VK: сообщение не изменено (ошибка %s), отправляю новое", e.code)
        return False
    return True
