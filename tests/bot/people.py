"""Test-side handles: a simulated user in a private chat and a minimal group chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from tests.bot.tg_html import utf16_len
from tests.bot.tg_state import BotState, CallbackRecord, Chat, Json, Person, public

if TYPE_CHECKING:
    from tests.bot.emulator import BotApiEmulator

FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\xff\xd9"
FAKE_OGG = b"OggS\x00\x02" + bytes(58)
FAKE_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(14)


class HasMessageId(Protocol):
    """Anything with a message_id, e.g. aiogram's Message."""

    @property
    def message_id(self) -> int: ...


MessageRef = int | Json | HasMessageId


def message_id_of(ref: MessageRef) -> int:
    """The message id of an int, a message dict or an aiogram Message."""
    if isinstance(ref, int):
        return ref
    if isinstance(ref, dict):
        return int(ref["message_id"])
    return int(ref.message_id)


def inline_rows(message: Json) -> list[list[Json]]:
    """The inline keyboard rows of a message ([] if none)."""
    rows: list[list[Json]] = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return rows


def find_button(message: Json, text: str) -> Json:
    """The inline button with this exact text, or LookupError listing what there is."""
    for row in inline_rows(message):
        for button in row:
            if button.get("text") == text:
                return button
    texts = [b.get("text") for row in inline_rows(message) for b in row]
    raise LookupError(f"no button {text!r} in message {message['message_id']}; buttons: {texts}")


def command_entities(text: str) -> list[Json]:
    """The bot_command entity Telegram adds to a message starting with /command."""
    if not text.startswith("/") or len(text) < 2:
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


class ChatView:
    """Reading a chat's history and pressing inline buttons, shared by users and groups."""

    def __init__(self, emu: BotApiEmulator, bot: BotState, chat: Chat) -> None:
        self.emu = emu
        self.bot = bot
        self.chat = chat
        self._mark = chat.last_id()

    @property
    def chat_id(self) -> int:
        """The chat's id."""
        return self.chat.id

    def messages(self) -> list[Json]:
        """The chat's history (live dicts; deleted messages are in chat.deleted)."""
        return list(self.chat.messages)

    def bot_messages(self) -> list[Json]:
        """Only the bot's messages."""
        return [m for m in self.chat.messages if m["from"]["id"] == self.bot.id]

    def last(self) -> Json | None:
        """The newest message, whoever sent it."""
        return self.chat.messages[-1] if self.chat.messages else None

    def last_from_bot(self) -> Json | None:
        """The bot's newest message."""
        sent = self.bot_messages()
        return sent[-1] if sent else None

    def message(self, ref: MessageRef) -> Json:
        """A live message by id, message dict or aiogram Message; LookupError if gone."""
        message_id = message_id_of(ref)
        found = self.chat.find(message_id)
        if found is None:
            raise LookupError(f"no message {message_id} in chat {self.chat.id}")
        return found

    def buttons(self, ref: MessageRef | None = None) -> list[list[Json]]:
        """Inline keyboard rows of a message (default: the bot's last message)."""
        message = self.last_from_bot() if ref is None else self.message(ref)
        return inline_rows(message) if message else []

    def button_texts(self, ref: MessageRef | None = None) -> list[str]:
        """Texts of all inline buttons of a message, row by row."""
        return [str(b["text"]) for row in self.buttons(ref) for b in row]

    def callback_answer(self, query: Json) -> Json | None:
        """The bot's answerCallbackQuery for a query (None while unanswered)."""
        record = self.bot.callbacks.get(query["id"])
        return record.answer if record else None

    async def wait_answer(self, query: Json, timeout: float = 5.0) -> Json:
        """Wait for the bot to answer a callback query."""
        return await self.emu.wait_until(lambda: self.callback_answer(query), timeout)

    async def wait_bot_message(self, timeout: float = 5.0) -> Json:
        """The next bot message after the last user action (or the last one waited for)."""

        def newer() -> Json | None:
            return next((m for m in self.bot_messages() if m["message_id"] > self._mark), None)

        message = await self.emu.wait_until(newer, timeout)
        self._mark = message["message_id"]
        return message

    async def _post(self, person: Person, content: Json) -> Json:
        """A message from a person into this chat, delivered to the bot as an update."""
        self._mark = self.chat.last_id()
        message = self.bot.store(self.chat, person.as_user(), content)
        await self.emu.emit(self.bot, {"message": public(message)})
        return message

    async def _callback(self, person: Person, ref: MessageRef, data: str) -> Json:
        """A callback_query on a message (an inaccessible one if it does not exist)."""
        self._mark = self.chat.last_id()
        message_id = message_id_of(ref)
        found = self.chat.find(message_id)
        shown = (
            public(found)
            if found
            else {"chat": dict(self.chat.info), "message_id": message_id, "date": 0}
        )
        query: Json = {
            "id": f"{self.bot.id}{self.bot.next_seq():08d}",
            "from": person.as_user(),
            "message": shown,
            "chat_instance": str(-abs(self.chat.id * 7919 + self.bot.id)),
            "data": data,
        }
        self.bot.callbacks[query["id"]] = CallbackRecord(query, self.emu.env.clock())
        await self.emu.emit(self.bot, {"callback_query": query})
        return query

    async def _press(self, person: Person, ref: MessageRef, button_text: str) -> Json:
        """Press an inline button found by its text."""
        button = find_button(self.message(ref), button_text)
        if "callback_data" not in button:
            raise ValueError(f"button {button_text!r} has no callback_data: {button}")
        return await self._callback(person, ref, str(button["callback_data"]))


class UserHandle(ChatView):
    """A simulated person in a private chat with the bot."""

    def __init__(self, emu: BotApiEmulator, bot: BotState, person: Person, chat: Chat) -> None:
        super().__init__(emu, bot, chat)
        self.person = person

    @property
    def id(self) -> int:
        """The user's id (= the private chat's id)."""
        return self.person.id

    @property
    def user(self) -> Json:
        """The Bot API User object."""
        return self.person.as_user()

    async def send_text(self, text: str) -> Json:
        """Send a text message (a leading /command gets its bot_command entity)."""
        self.chat.started = True
        entities = command_entities(text)
        return await self._post(
            self.person, {"text": text, **({"entities": entities} if entities else {})}
        )

    async def start(self, payload: str | None = None) -> Json:
        """Press Start: /start [payload]."""
        return await self.send_text("/start" + (f" {payload}" if payload else ""))

    async def _send_file(
        self,
        kind: str,
        content: bytes,
        file_name: str,
        mime: str | None,
        caption: str | None,
        **extra: Any,
    ) -> Json:
        """A media message whose file the bot can getFile and download."""
        stored = self.bot.add_file(kind, content, file_name, mime)
        fields: Json = {kind: stored.payload(**extra)}
        if caption:
            fields["caption"] = caption
        return await self._post(self.person, fields)

    async def send_photo(
        self, content: bytes = FAKE_JPEG, caption: str | None = None, file_name: str = "photo.jpg"
    ) -> Json:
        """Send a photo."""
        return await self._send_file("photo", content, file_name, "image/jpeg", caption)

    async def send_document(
        self,
        content: bytes,
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> Json:
        """Send a document."""
        return await self._send_file("document", content, file_name, mime_type, caption)

    async def send_voice(self, content: bytes = FAKE_OGG, duration: int = 2) -> Json:
        """Send a voice note."""
        return await self._send_file(
            "voice", content, "voice.oga", "audio/ogg", None, duration=duration
        )

    async def send_sticker(self, emoji: str = "👍") -> Json:
        """Send a sticker."""
        return await self._send_file(
            "sticker", FAKE_WEBP, "sticker.webp", "image/webp", None, emoji=emoji
        )

    async def send_location(self, latitude: float, longitude: float) -> Json:
        """Share a location."""
        return await self._post(
            self.person, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    async def send_contact(
        self,
        phone_number: str = "+79990000000",
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        own: bool = True,
    ) -> Json:
        """Share a contact (own=True: the user's own, with user_id, as a request_contact button does)."""
        contact: Json = {
            "phone_number": phone_number,
            "first_name": first_name or self.person.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if own:
            contact["user_id"] = self.person.id
        return await self._post(self.person, {"contact": contact})

    async def press(self, message: MessageRef, button_text: str) -> Json:
        """Press an inline button by its text; returns the callback_query sent to the bot."""
        return await self._press(self.person, message, button_text)

    async def press_data(self, message: MessageRef, data: str) -> Json:
        """A forged callback_query with arbitrary data (no button needed)."""
        return await self._callback(self.person, message, data)

    def reply_keyboard(self) -> list[list[Json]] | None:
        """The reply keyboard the bot shows now (buttons as dicts), None if none/removed."""
        for message in reversed(self.bot_messages()):
            markup = message.get("reply_keyboard")
            if markup is None:
                continue
            if "keyboard" not in markup:
                return None
            return [
                [{"text": b} if isinstance(b, str) else b for b in row]
                for row in markup["keyboard"]
            ]
        return None

    async def tap(self, button_text: str, *, location: tuple[float, float] | None = None) -> Json:
        """Tap a reply-keyboard button: sends its text, own contact, or the given location."""
        for row in self.reply_keyboard() or []:
            for button in row:
                if button["text"] != button_text:
                    continue
                if button.get("request_contact"):
                    return await self.send_contact()
                if button.get("request_location"):
                    if location is None:
                        raise ValueError("this button shares a location: pass location=(lat, lon)")
                    return await self.send_location(*location)
                return await self.send_text(button_text)
        raise LookupError(f"no reply keyboard button {button_text!r}")

    async def _member_update(self, old: str, new: str) -> None:
        """A my_chat_member update, as Telegram sends on block/unblock."""
        bot_user = self.bot.sender()
        change: Json = {
            "chat": dict(self.chat.info),
            "from": self.person.as_user(),
            "date": self.emu.env.date(),
            "old_chat_member": {"user": bot_user, "status": old},
            "new_chat_member": {"user": bot_user, "status": new},
        }
        for member in (change["old_chat_member"], change["new_chat_member"]):
            if member["status"] == "kicked":
                member["until_date"] = 0
        await self.emu.emit(self.bot, {"my_chat_member": change})

    async def block(self, notify: bool = True) -> None:
        """Block the bot: its sends now fail with 403 (notify: my_chat_member update)."""
        self.chat.blocked = True
        if notify:
            await self._member_update("member", "kicked")

    async def unblock(self, notify: bool = True) -> None:
        """Unblock the bot."""
        self.chat.blocked = False
        if notify:
            await self._member_update("kicked", "member")


class GroupHandle(ChatView):
    """A group chat (negative id); people post into it with a UserHandle."""

    async def send_text(self, user: UserHandle, text: str) -> Json:
        """A member posts a text message."""
        entities = command_entities(text)
        return await self._post(
            user.person, {"text": text, **({"entities": entities} if entities else {})}
        )

    async def press(self, user: UserHandle, message: MessageRef, button_text: str) -> Json:
        """A member presses an inline button under a bot message."""
        return await self._press(user.person, message, button_text)
