"""Test-side handle of a simulated VK user who writes to communities and presses their buttons."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tests.bot.vk.vk_media import (
    FAKE_OGG,
    TINY_PNG,
    attachment,
    attachment_ref,
    audio_message_object,
    doc_object,
    image_ext,
    photo_object,
)
from tests.bot.vk.vk_state import Conversation, GroupState, Json, MessageEventRecord, Person, public

if TYPE_CHECKING:
    from tests.bot.vk.emulator import VkApiEmulator

MessageRef = Json | int  # a message dict or its conversation_message_id


def buttons(keyboard: Json | None) -> Iterator[Json]:
    """Every button of a keyboard, row by row."""
    for row in (keyboard or {}).get("buttons", []):
        yield from row


def _compact(payload: Any) -> str | None:
    """A payload as VK carries it in a message: a JSON string."""
    if payload is None or isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class UserHandle:
    """A person acting toward communities: writes, sends media, presses buttons, reads replies."""

    def __init__(self, emu: VkApiEmulator, person: Person) -> None:
        self.emu = emu
        self.person = person
        self._marks: dict[int, int] = {}  # group id -> id of the last community message seen

    @property
    def id(self) -> int:
        """The user's id (= the peer_id of their dialogs with communities)."""
        return self.person.id

    def conversation(self, group_id: int) -> Conversation:
        """This user's dialog with a community (created on first use)."""
        return self.emu.group(group_id).conversation(self.person)

    # -- reading -------------------------------------------------------------------------------

    def messages(self, group_id: int) -> list[Json]:
        """What the community sent this user, in order (with "edited" and parsed "keyboard")."""
        sent = [m for m in self.conversation(group_id).messages if m["out"]]
        views = [public(m) for m in sent]
        for view, stored in zip(views, sent, strict=True):
            view.update(edited=bool(stored.get("edited")), keyboard=view.get("keyboard"))
        return views

    def last_message(self, group_id: int) -> Json | None:
        """The community's newest message to this user."""
        sent = self.messages(group_id)
        return sent[-1] if sent else None

    def keyboard(self, group_id: int) -> Json | None:
        """The standard keyboard the community shows under the input field now."""
        return copy.deepcopy(self.conversation(group_id).keyboard)

    def _answers(self, group_id: int) -> list[MessageEventRecord]:
        records = self.emu.group(group_id).message_events.values()
        return [r for r in records if r.answered and r.event["user_id"] == self.id]

    def event_answers(self, group_id: int) -> list[Json | None]:
        """The event_data of each answered press (None: answered without an action)."""
        return [copy.deepcopy(r.answer) for r in self._answers(group_id)]

    def snackbars(self, group_id: int) -> list[str]:
        """Texts of the snackbars sendMessageEventAnswer showed this user."""
        answers = [r.answer for r in self._answers(group_id) if r.answer]
        return [str(a["text"]) for a in answers if a.get("type") == "show_snackbar"]

    async def wait_message(
        self, group_id: int, needle: str | None = None, timeout: float = 5.0
    ) -> Json:
        """The next community message after the user's last action (containing needle, if given)."""

        def newer() -> Json | None:
            mark = self._marks.get(group_id, 0)
            for message in self.messages(group_id):
                if message["id"] > mark and (needle is None or needle in message["text"]):
                    return message
            return None

        message = await self.emu.wait_until(newer, timeout)
        self._marks[group_id] = message["id"]
        return message

    # -- writing -------------------------------------------------------------------------------

    def _group(self, group_id: int) -> tuple[GroupState, Conversation]:
        group = self.emu.group(group_id)
        return group, group.conversation(self.person)

    def _mark(self, group_id: int, conv: Conversation) -> None:
        """wait_message() looks for community messages newer than the last one so far."""
        last = next((m["id"] for m in reversed(conv.messages) if m["out"]), 0)
        self._marks[group_id] = max(self._marks.get(group_id, 0), last)

    async def _post(self, group_id: int, content: Json) -> Json:
        """A message from this user, delivered to the community as message_new."""
        group, conv = self._group(group_id)
        conv.allowed = True  # writing to a community allows its messages again
        self._mark(group_id, conv)
        message = group.store(conv, out=False, content=content)
        obj = {"message": public(message), "client_info": copy.deepcopy(self.person.client_info)}
        await self.emu.emit(group, "message_new", obj)
        return public(message)

    async def write(self, group_id: int, text: str, payload: Any = None) -> Json:
        """A text message; payload (what a text button carries) goes as a JSON string."""
        content: Json = {"text": text}
        if (packed := _compact(payload)) is not None:
            content["payload"] = packed
        return await self._post(group_id, content)

    async def send_photo(self, group_id: int, content: bytes = TINY_PNG, caption: str = "") -> Json:
        """A photo, downloadable from the emulator at every size's url."""
        env = self.emu.env
        stored = env.add_file(content, image_ext(content))
        photo = photo_object(env.next_id(), self.id, stored.url, content, env.date())
        env.media[attachment_ref("photo", photo)] = attachment("photo", photo)
        return await self._post(
            group_id, {"text": caption, "attachments": [attachment("photo", photo)]}
        )

    async def send_voice(self, group_id: int, content: bytes = FAKE_OGG, duration: int = 2) -> Json:
        """A voice message (audio_message with link_ogg and link_mp3)."""
        env = self.emu.env
        ogg, mp3 = env.add_file(content, "ogg"), env.add_file(content, "mp3")
        voice = audio_message_object(env.next_id(), self.id, ogg.url, mp3.url, duration)
        return await self._post(group_id, {"attachments": [attachment("audio_message", voice)]})

    async def send_doc(self, group_id: int, name: str, content: bytes, caption: str = "") -> Json:
        """A document, downloadable from its url."""
        env = self.emu.env
        ext = name.rsplit(".", 1)[1] if "." in name else ""
        stored = env.add_file(content, ext)
        doc = doc_object(env.next_id(), self.id, stored.url, name, len(content), env.date())
        env.media[attachment_ref("doc", doc)] = attachment("doc", doc)
        return await self._post(
            group_id, {"text": caption, "attachments": [attachment("doc", doc)]}
        )

    async def send_geo(
        self,
        group_id: int,
        lat: float,
        lon: float,
        *,
        payload: Any = None,
        place: Json | None = None,
    ) -> Json:
        """A location (what a location button sends, with its payload)."""
        geo: Json = {"type": "point", "coordinates": {"latitude": lat, "longitude": lon}}
        if place is not None:
            geo["place"] = place
        content: Json = {"geo": geo}
        if (packed := _compact(payload)) is not None:
            content["payload"] = packed
        return await self._post(group_id, content)

    # -- buttons -------------------------------------------------------------------------------

    def _message(self, group_id: int, ref: MessageRef | None) -> Json | None:
        if ref is None:
            return None
        cmid = ref if isinstance(ref, int) else int(ref["conversation_message_id"])
        return self.conversation(group_id).find(cmid=cmid)

    def _button(self, group_id: int, ref: MessageRef | None, kind: str, label: str) -> Json:
        """A button of this kind and label on the message, or else on the current keyboard."""
        message = self._message(group_id, ref)
        keyboards = [message.get("keyboard") if message else None, self.keyboard(group_id)]
        for keyboard in keyboards:
            for button in buttons(keyboard):
                action = button["action"]
                if action["type"] == kind and action.get("label") == label:
                    return dict(action)
        labels = [b["action"].get("label") for k in keyboards for b in buttons(k)]
        raise LookupError(f"no {kind} button {label!r}; buttons: {labels}")

    async def press_text_button(
        self, group_id: int, message: MessageRef | None, label: str
    ) -> Json:
        """Tap a text button: writes its label with its payload (a one_time keyboard then hides)."""
        action = self._button(group_id, message, "text", label)
        conv = self.conversation(group_id)
        standard = conv.keyboard
        if (
            standard
            and standard.get("one_time")
            and any(b["action"] == action for b in buttons(standard))
        ):
            conv.keyboard = None
        return await self.write(group_id, label, action.get("payload"))

    async def press_callback_button(
        self, group_id: int, message: MessageRef | None, label: str
    ) -> Json:
        """Press a callback button found by label: a message_event with its payload."""
        action = self._button(group_id, message, "callback", label)
        raw = action.get("payload")
        return await self.press(group_id, message, json.loads(raw) if raw else None)

    async def press(self, group_id: int, message: MessageRef | None, payload: Any) -> Json:
        """A message_event (callback press) with any payload object, e.g. a forged one."""
        group, conv = self._group(group_id)
        self._mark(group_id, conv)
        seq = group.next_seq()
        event: Json = {
            "user_id": self.id,
            "peer_id": conv.peer_id,
            "event_id": hashlib.md5(f"press:{group.id}:{seq}".encode()).hexdigest()[:12],
            "payload": copy.deepcopy(payload),
        }
        if message is not None:
            cmid = message if isinstance(message, int) else message["conversation_message_id"]
            event["conversation_message_id"] = cmid
        group.message_events[event["event_id"]] = MessageEventRecord(event, self.emu.env.clock())
        await self.emu.emit(group, "message_event", copy.deepcopy(event))
        return event

    # -- permissions ---------------------------------------------------------------------------

    async def deny_messages(self, group_id: int, *, notify: bool = True) -> None:
        """Forbid the community's messages: messages.send then answers 901."""
        group, conv = self._group(group_id)
        conv.allowed = False
        if notify:
            await self.emu.emit(group, "message_deny", {"user_id": self.id})

    async def allow_messages(self, group_id: int, *, notify: bool = True, key: str = "") -> None:
        """Allow the community's messages (as the "allow" button does) without writing."""
        group, conv = self._group(group_id)
        conv.allowed = True
        if notify:
            await self.emu.emit(group, "message_allow", {"user_id": self.id, "key": key})
