"""VK events (Callback API and Bots Long Poll share one shape) as conversation events."""

import json
from dataclasses import dataclass
from typing import Any

from workflows.conversation.parts import (
    Choice,
    Command,
    Event,
    File,
    Other,
    Place,
    Pressed,
    Text,
    typed,
)

PAYLOAD_LIMIT = 255  # VK's limit for a button's payload
URL_LIMIT = 2048  # a file is kept by its URL (attachment.file_id)


@dataclass(frozen=True)
class Incoming:
    """One event of a community: who, in which conversation, what they did, and its identity
    (redeliveries share it)."""

    group_id: int
    peer_id: int
    user_id: int
    event: Event
    key: str
    event_id: str | None = None  # a pressed callback button's, for sendMessageEventAnswer
    inline: bool = True  # the resident's app shows inline keyboards (old ones do not)


def read_event(raw: dict[str, Any]) -> Incoming | None:
    """A message or a pressed callback button; None for what needs no answer (a message the
    community sent, a typing notice, a join)."""
    kind, obj = raw.get("type"), raw.get("object")
    group_id = raw.get("group_id")
    if not isinstance(obj, dict) or not isinstance(group_id, int):
        return None
    if kind == "message_new" and isinstance(message := obj.get("message"), dict):
        peer, sender = message.get("peer_id"), message.get("from_id")
        if not isinstance(peer, int) or not isinstance(sender, int) or sender <= 0:
            return None  # from a community or a forged event: nobody to answer
        key = f"vm{group_id}:{peer}:{message.get('conversation_message_id') or message.get('id')}"
        info = obj.get("client_info")
        inline = not isinstance(info, dict) or info.get("inline_keyboard") is not False
        return Incoming(group_id, peer, sender, message_event(message), key, inline=inline)
    if kind == "message_event":
        peer, user, event_id = obj.get("peer_id"), obj.get("user_id"), obj.get("event_id")
        if not isinstance(peer, int) or not isinstance(user, int) or not isinstance(event_id, str):
            return None
        cmid = obj.get("conversation_message_id")
        pressed = Pressed(choice_of(obj.get("payload")), cmid if isinstance(cmid, int) else None)
        return Incoming(group_id, peer, user, pressed, f"ve{group_id}:{event_id}", event_id)
    return None


def message_event(message: dict[str, Any]) -> Event:
    text = typed(str(message.get("text") or "")).strip()
    payload = _payload(message.get("payload"))
    if payload.get("command") == "start":  # VK's «Начать» button
        return Command("start")
    if isinstance(payload.get("o"), list):  # an option sent as a text button (long lists)
        return Pressed(choice_of(payload), None)
    if text.startswith("/") and len(text) > 1 and text[1:2].isalpha():
        head, _, args = text[1:].partition(" ")
        return Command(head.lower()[:64], args.strip())
    for a in message.get("attachments") or ():
        file = _file(a)
        if file is not None and len(file[1]) <= URL_LIMIT:
            return File(file[0], file[1], text)
    if isinstance(geo := message.get("geo"), dict):
        c = geo.get("coordinates") or {}
        lat, lon = c.get("latitude"), c.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return Place(float(lat), float(lon))
    if text:
        return Text(text)
    kinds = [a.get("type") for a in message.get("attachments") or () if isinstance(a, dict)]
    return Other(str(kinds[0]) if kinds else "")


def _file(attachment: Any) -> tuple[str, str] | None:
    """A photo (its largest size), a voice message or a document, by a URL to fetch it."""
    if not isinstance(attachment, dict):
        return None
    kind = attachment.get("type")
    body = attachment.get(kind) if isinstance(kind, str) else None
    if not isinstance(body, dict):
        return None
    if kind == "photo":
        sizes = [s for s in body.get("sizes") or () if isinstance(s, dict) and s.get("url")]
        if not sizes:
            return None
        best = max(sizes, key=lambda s: int(s.get("width") or 0) * int(s.get("height") or 0))
        return "photo", str(best["url"])
    if kind == "audio_message":
        url = body.get("link_ogg") or body.get("link_mp3")
        return ("voice", str(url)) if url else None
    if kind == "doc" and body.get("url"):
        return "document", str(body["url"])
    return None


def choice_of(payload: Any) -> Choice:
    """Our own option payload `{"o": [act, a, b, c]}`; anything else (forged, oversize, old) is a
    stale choice, which the core answers as such."""
    data = _payload(payload)
    o = data.get("o")
    if not isinstance(o, list) or not 1 <= len(o) <= 4 or not isinstance(o[0], str):
        return Choice("?")
    numbers = o[1:]
    if len(o[0]) > 8 or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        return Choice("?")
    if any(abs(n) >= 2**63 for n in numbers):
        return Choice("?")
    return Choice(o[0], *numbers)


def _payload(value: Any) -> dict[str, Any]:
    """A button's payload: VK sends a message's as a JSON string, an event's as an object."""
    if isinstance(value, str):
        if len(value.encode()) > PAYLOAD_LIMIT:
            return {}
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    elif isinstance(value, dict) and len(json.dumps(value).encode()) > PAYLOAD_LIMIT:
        return {}
    return value if isinstance(value, dict) else {}
