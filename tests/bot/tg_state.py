"""The emulator's world: people, chats, messages, files and update queues of each bot."""

from __future__ import annotations

import asyncio
import copy
import itertools
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.bot.loopback import Signal
from tests.bot.tg_rules import ApiError, Limits, SlidingWindow, Stats, Upload, bad_request

Json = dict[str, Any]
INTERNAL_KEYS = ("edit_history", "reply_keyboard")
DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
FILE_FOLDERS = {
    "photo": ("photos", ".jpg", "image/jpeg"),
    "document": ("documents", "", "application/octet-stream"),
    "voice": ("voice", ".oga", "audio/ogg"),
    "audio": ("music", ".mp3", "audio/mpeg"),
    "video": ("videos", ".mp4", "video/mp4"),
    "sticker": ("stickers", ".webp", "image/webp"),
}


@dataclass
class Env:
    """Settings and counters shared by every bot of an emulator."""

    limits: Limits
    clock: Callable[[], float]
    wall_clock: Callable[[], float]
    callback_ttl: float | None
    stats: Stats = field(default_factory=Stats)
    changed: Signal = field(default_factory=Signal)
    closing: bool = False

    def date(self) -> int:
        """Unix time for message dates."""
        return int(self.wall_clock())


@dataclass
class Person:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ru"

    def as_user(self) -> Json:
        """The Bot API User object."""
        user: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass
class Chat:
    """A chat between a bot and a person (private) or a group, with its full history."""

    id: int
    info: Json
    started: bool = True
    blocked: bool = False
    deactivated: bool = False
    messages: list[Json] = field(default_factory=list)
    deleted: list[Json] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    window: SlidingWindow = field(default_factory=SlidingWindow)
    next_message_id: int = 1

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat."""
        return bool(self.info["type"] == "private")

    def find(self, message_id: int) -> Json | None:
        """A live (not deleted) message by id."""
        return next((m for m in self.messages if m["message_id"] == message_id), None)

    def last_id(self) -> int:
        """The id of the newest message so far (0 if none)."""
        return self.next_message_id - 1


@dataclass
class StoredFile:
    """A file the bot or a user uploaded; file ids are per bot as in Telegram."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_path: str
    file_name: str | None
    mime_type: str
    url: str | None = None

    def payload(self, **extra: Any) -> Any:
        """The Bot API object for this file inside a message (PhotoSize list for photos)."""
        base: Json = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.content:
            base["file_size"] = len(self.content)
        if self.kind == "photo":
            return [{**base, "width": 1280, "height": 960}]
        if self.kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": extra.get("emoji", "👍"),
            }
        if self.kind in ("voice", "audio", "video"):
            base["duration"] = extra.get("duration", 1)
        if self.kind == "video":
            base.update(width=1280, height=720)
        if self.file_name and self.kind in ("document", "audio", "video"):
            base["file_name"] = self.file_name
        return {**base, "mime_type": self.mime_type}


@dataclass
class WebhookConfig:
    """What setWebhook was given."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int


@dataclass
class WebhookDelivery:
    """One POST of an update to the webhook and what came back."""

    update_id: int
    update: Json
    at: float
    status: int | None = None
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    reply: tuple[int, Json] | None = None


@dataclass
class CallbackRecord:
    """A callback query a user made and the bot's answer."""

    query: Json
    created: float
    answered: bool = False
    answer: Json | None = None


def public(message: Json) -> Json:
    """A deep copy of a stored message as the Bot API shows it (internal keys removed)."""
    return copy.deepcopy({k: v for k, v in message.items() if k not in INTERNAL_KEYS})


def update_type(update: Json) -> str:
    """The kind of an update ("message", "callback_query", ...)."""
    return next((k for k in update if k != "update_id"), "")


def update_allowed(update: Json, allowed: list[str] | None) -> bool:
    """Whether an allowed_updates setting lets this update through."""
    kinds = set(allowed) if allowed else DEFAULT_UPDATES
    return update_type(update) in kinds


class BotState:
    """Everything the emulator knows about one bot token."""

    def __init__(self, env: Env, token: str, user: Json) -> None:
        self.env = env
        self.token = token
        self.user = user
        self.id = int(user["id"])
        self.chats: dict[int, Chat] = {}
        self.pending: list[Json] = []
        self.updates_signal = Signal()
        self.allowed_updates: list[str] | None = None
        self.poll_generation = 0
        self.webhook: WebhookConfig | None = None
        self.webhook_lock = asyncio.Lock()
        self.webhook_error: tuple[int, str] | None = None
        self.deliveries: list[WebhookDelivery] = []
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.stats = Stats()
        self.window = SlidingWindow()
        self._last_update_id = 0
        self._seq = itertools.count(1)

    def sender(self) -> Json:
        """The bot as the "from" of its messages."""
        return {k: self.user[k] for k in ("id", "is_bot", "first_name", "username")}

    def next_seq(self) -> int:
        """A fresh number for ids of files, queries and media groups."""
        return next(self._seq)

    def chat(self, chat_id: int) -> Chat:
        """A chat the bot knows, or 400 chat not found."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def reachable(self, chat_id: int) -> Chat:
        """A chat the bot may write to: refusals as Telegram's 400/403."""
        chat = self.chat(chat_id)
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if not chat.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def private_chat(self, person: Person, started: bool = False) -> Chat:
        """The private chat with a person, created on first use."""
        chat = self.chats.get(person.id)
        if chat is None:
            info = {"id": person.id, "type": "private", "first_name": person.first_name}
            if person.username:
                info["username"] = person.username
            chat = self.chats[person.id] = Chat(person.id, info, started=started)
        chat.started = chat.started or started
        return chat

    def group_chat(self, chat_id: int, title: str) -> Chat:
        """A group chat the bot is a member of."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(chat_id, {"id": chat_id, "type": kind, "title": title})
        return self.chats[chat_id]

    def store(self, chat: Chat, sender: Json, content: Json) -> Json:
        """Append a new message to a chat and return the stored (live) dict."""
        message: Json = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": dict(chat.info),
            "date": self.env.date(),
            **content,
        }
        chat.next_message_id += 1
        chat.messages.append(message)
        self.env.changed.fire()
        return message

    def check_rate(self, chat: Chat, *, edit: bool) -> None:
        """Raise 429 if one more message would break a flood limit, else count it."""
        now, limits = self.env.clock(), self.env.limits
        waits = [self.window.retry_after(now, limits.bot_per_second, 1.0)]
        per_chat = not edit or limits.chat_limit_counts_edits
        if per_chat and chat.is_private:
            waits.append(
                chat.window.retry_after(now, limits.private_chat_burst, limits.private_chat_window)
            )
        elif per_chat:
            waits.append(chat.window.retry_after(now, limits.group_per_minute, 60.0))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self.window.add(now)
        if per_chat:
            chat.window.add(now)

    def note_send(self) -> None:
        """Count a successful send in this bot's and the emulator's stats."""
        now = self.env.clock()
        self.stats.record_send(now)
        self.env.stats.record_send(now)

    def add_file(
        self,
        kind: str,
        content: bytes,
        file_name: str | None,
        mime: str | None,
        url: str | None = None,
    ) -> StoredFile:
        """Register a new file and give it a file_id and a download path."""
        folder, ext, default_mime = FILE_FOLDERS.get(kind, FILE_FOLDERS["document"])
        n = self.next_seq()
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        guessed = mimetypes.guess_type(file_name)[0] if file_name else None
        if not mime or mime == "application/octet-stream":
            mime = guessed or default_mime
        stored = StoredFile(
            file_id=f"EMU{kind[:2].upper()}{self.id}x{n:06d}",
            file_unique_id=f"U{n:06d}",
            kind=kind,
            content=content,
            file_path=f"{folder}/file_{n}{ext}",
            file_name=file_name,
            mime_type=mime,
            url=url,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def resolve_file(self, kind: str, value: Upload | str | None) -> StoredFile:
        """An uploaded part, an http(s) URL or a known file_id: the file a send refers to."""
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, Upload):
            return self.add_file(kind, value.content, value.filename, value.content_type)
        if value.startswith(("http://", "https://")):
            return self.add_file(kind, b"", value.rsplit("/", 1)[-1] or None, None, url=value)
        stored = self.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def new_update_id(self) -> int:
        """The next update_id."""
        self._last_update_id += 1
        return self._last_update_id

    def enqueue(self, update: Json) -> Json:
        """Give an update an id (unless it has one) and queue it."""
        if "update_id" not in update:
            update = {"update_id": self.new_update_id(), **update}
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        self.pending.append(update)
        self.updates_signal.fire()
        self.env.changed.fire()
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget updates as getUpdates' offset does (negative: keep only the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        else:
            self.pending = self.pending[offset:]

    def select_updates(self, limit: int) -> list[Json]:
        """Up to limit pending updates of allowed types (others are dropped)."""
        self.pending = [u for u in self.pending if update_allowed(u, self.allowed_updates)]
        return copy.deepcopy(self.pending[:limit])
