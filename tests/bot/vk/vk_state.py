"""The emulator's world: communities, people, conversations, messages, files and event queues."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.bot.loopback import Signal
from tests.bot.vk.vk_media import mime_for
from tests.bot.vk.vk_rules import Limits, SlidingWindow, Stats, VkError
from tests.bot.vk.vk_wall import Walls

Json = dict[str, Any]
API_VERSION = "5.199"
CHAT_PEER_START = 2_000_000_000
INTERNAL_KEYS = ("edited", "edit_history")
CLIENT_INFO: Json = {
    "button_actions": [
        "text",
        "vkpay",
        "open_app",
        "location",
        "open_link",
        "callback",
        "intent_subscribe",
        "intent_unsubscribe",
    ],
    "keyboard": True,
    "inline_keyboard": True,
    "carousel": True,
    "lang_id": 0,
}


@dataclass
class StoredFile:
    """A file the emulator serves at /files/<name> (photos, documents, voice messages)."""

    name: str
    content: bytes
    mime_type: str
    url: str


@dataclass
class Env:
    """Settings, counters and registries shared by every community of an emulator."""

    limits: Limits
    clock: Callable[[], float]  # monotonic: rate limits, flood control, TTLs
    wall_clock: Callable[[], float]  # unix time: message dates, edit windows
    stats: Stats = field(default_factory=Stats)
    changed: Signal = field(default_factory=Signal)
    url: str = ""
    closing: bool = False
    files: dict[str, StoredFile] = field(default_factory=dict)
    media: dict[str, Json] = field(default_factory=dict)  # "photo-1_2" -> attachment entry
    people: dict[int, Person] = field(default_factory=dict)
    walls: Walls = field(default_factory=Walls)  # public walls, read with a service token
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def date(self) -> int:
        """Unix time for message dates."""
        return int(self.wall_clock())

    def next_id(self) -> int:
        """A fresh id for photos, documents, uploads."""
        return next(self._ids)

    def add_file(self, content: bytes, ext: str) -> StoredFile:
        """Store bytes and give them a download URL on the emulator."""
        name = f"{self.next_id()}.{ext}" if ext else str(self.next_id())
        stored = StoredFile(name, content, mime_for(ext), f"{self.url}/files/{name}")
        self.files[name] = stored
        return stored


@dataclass
class Person:
    """A simulated VK user."""

    id: int
    first_name: str
    last_name: str = ""
    client_info: Json = field(default_factory=lambda: copy.deepcopy(CLIENT_INFO))

    def as_user(self) -> Json:
        """The users.get object."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "can_access_closed": True,
            "is_closed": False,
        }


@dataclass
class Conversation:
    """A community's dialog with one user: the history, the keyboard shown, send bookkeeping."""

    peer_id: int
    person: Person
    messages: list[Json] = field(default_factory=list)
    allowed: bool = False  # the user wrote or allowed messages, and has not denied them since
    keyboard: Json | None = None  # the standard (non-inline) keyboard under the input field
    random_ids: dict[int, int] = field(default_factory=dict)  # random_id -> message id
    same_text: dict[str, SlidingWindow] = field(default_factory=dict)
    next_cmid: int = 1

    def find(self, *, cmid: int | None = None, message_id: int | None = None) -> Json | None:
        """A message by conversation_message_id or id."""
        for message in self.messages:
            if cmid is not None and message["conversation_message_id"] == cmid:
                return message
            if message_id is not None and message["id"] == message_id:
                return message
        return None


@dataclass
class MessageEventRecord:
    """A callback-button press and how (whether) the community answered it."""

    event: Json
    created: float
    answered: bool = False
    answer: Json | None = None


@dataclass
class Delivery:
    """One POST to a Callback API server and what came back."""

    event_id: str
    attempt: int  # 1 is the first try; attempt n > 1 carries X-Retry-Counter: n - 1
    at: float
    status: int | None = None
    body: str = ""
    error: str | None = None


@dataclass
class CallbackServer:
    """A Callback API server of a community; nothing is delivered until it is confirmed."""

    url: str
    secret: str | None
    confirmation_code: str
    confirmed: bool | None = None  # None: not tried yet
    failure: str | None = None  # why the confirmation failed
    confirmation: Delivery | None = None


def public(message: Json) -> Json:
    """A deep copy of a stored message as VK shows it (internal keys removed)."""
    return copy.deepcopy({k: v for k, v in message.items() if k not in INTERNAL_KEYS})


class GroupState:
    """Everything the emulator knows about one community and its token."""

    def __init__(self, env: Env, group_id: int, token: str, name: str) -> None:
        self.env = env
        self.id = group_id
        self.token = token
        self.name = name
        self.confirmation_code = hashlib.md5(f"confirm:{group_id}".encode()).hexdigest()[:8]
        self.versions_seen: Counter[str] = Counter()
        self.deduped = 0
        self.stats = Stats()
        self.window = SlidingWindow()
        self.conversations: dict[int, Conversation] = {}
        self.events: list[Json] = []  # every event the community produced, in order
        self.dropped: list[Json] = []  # events nobody could receive (no channel, unconfirmed)
        self.message_events: dict[str, MessageEventRecord] = {}
        self.uploads: dict[str, tuple[str, bytes, str]] = {}  # key -> (kind, content, name)
        self.long_poll_enabled = True
        self.events_version = API_VERSION
        self.lp_key = ""
        self.lp_events: list[tuple[int, Json]] = []
        self.next_ts = 1
        self.lp_signal = Signal()
        self.callback: CallbackServer | None = None
        self.pending: list[Json] = []
        self.delivery_lock = asyncio.Lock()
        self.deliveries: list[Delivery] = []
        self.gave_up: list[str] = []
        self._message_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self.new_long_poll_key()

    def next_seq(self) -> int:
        """A fresh number for event ids and upload keys."""
        return next(self._seq)

    def new_long_poll_key(self) -> str:
        """Issue a new Long Poll key (the old one then gets failed 2)."""
        self.lp_key = hashlib.sha1(f"lp:{self.id}:{self.next_seq()}".encode()).hexdigest()
        self.lp_signal.fire()
        return self.lp_key

    def conversation(self, person: Person) -> Conversation:
        """The dialog with a person, created on first use."""
        conv = self.conversations.get(person.id)
        if conv is None:
            conv = self.conversations[person.id] = Conversation(person.id, person)
        return conv

    def reachable(self, peer_id: int) -> Conversation:
        """A dialog the community may write to now, else VK's refusal."""
        if peer_id >= CHAT_PEER_START or peer_id < 0:
            raise VkError(917)
        conv = self.conversations.get(peer_id)
        if conv is None or not conv.allowed:
            raise VkError(901)
        return conv

    def store(self, conv: Conversation, *, out: bool, content: Json) -> Json:
        """Append a message (from the user, or the community when out) and return it."""
        message: Json = {
            "date": self.env.date(),
            "from_id": -self.id if out else conv.peer_id,
            "id": next(self._message_ids),
            "out": int(out),
            "version": 1,
            "attachments": [],
            "conversation_message_id": conv.next_cmid,
            "fwd_messages": [],
            "important": False,
            "is_hidden": False,
            "peer_id": conv.peer_id,
            "random_id": 0,
            "text": "",
            **content,
        }
        conv.next_cmid += 1
        conv.messages.append(message)
        self.env.changed.fire()
        return message

    def new_event(self, kind: str, obj: Json) -> Json:
        """An event envelope as Long Poll and Callback API carry it."""
        event_id = hashlib.sha1(f"event:{self.id}:{self.next_seq()}".encode()).hexdigest()
        event = {
            "group_id": self.id,
            "type": kind,
            "event_id": event_id,
            "v": self.events_version,
            "object": obj,
        }
        self.events.append(event)
        return event

    def push_long_poll(self, event: Json) -> None:
        """Queue an event for a_check, keeping limits.long_poll_history of them."""
        self.lp_events.append((self.next_ts, event))
        self.next_ts += 1
        del self.lp_events[: -self.env.limits.long_poll_history]
        self.lp_signal.fire()
        self.env.changed.fire()

    def long_poll_since(self, ts: int) -> list[Json]:
        """Copies of the queued events numbered ts and later."""
        return [copy.deepcopy(event) for number, event in self.lp_events if number >= ts]

    def oldest_ts(self) -> int:
        """The smallest ts a_check still answers without failed 1."""
        return self.lp_events[0][0] if self.lp_events else self.next_ts

    def note_send(self, now: float) -> None:
        """Count a created message in this community's and the emulator's stats."""
        self.stats.sent_at.append(now)
        self.env.stats.sent_at.append(now)
