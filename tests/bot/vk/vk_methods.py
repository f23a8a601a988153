"""VK API methods for a community token: each takes the community's state and the call's fields."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, TypeVar

from tests.bot.vk.vk_keyboard import check_event_data, check_keyboard
from tests.bot.vk.vk_rules import Params, SlidingWindow, VkError, check_random_id, invalid
from tests.bot.vk.vk_state import Conversation, GroupState, Json
from tests.bot.vk.vk_wall import wall_create_comment

Handler = Callable[[GroupState, Params], Any]
METHODS: dict[str, Handler] = {}
H = TypeVar("H", bound=Handler)
ATTACHMENT = re.compile(r"(photo|doc|video|audio|wall|market)(-?\d+)_(\d+)(?:_([0-9a-zA-Z]+))?")


def api_method(name: str) -> Callable[[H], H]:
    """Register a handler under its VK method name."""

    def register(handler: H) -> H:
        METHODS[name] = handler
        return handler

    return register


def _attachments(group: GroupState, raw: str | None) -> list[Json]:
    """Resolve `attachment` ("photo-1_2,doc-1_3"): each must be media the emulator knows."""
    found: list[Json] = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        match = ATTACHMENT.fullmatch(part)
        ref = f"{match[1]}{match[2]}_{match[3]}" if match else part
        known = group.env.media.get(ref)
        if known is None:
            raise invalid(f"attachment {part!r} not found")
        found.append(copy.deepcopy(known))
    return found


def _content(group: GroupState, p: Params) -> Json:
    """The text, attachments, geo and keyboard of a send or an edit, validated."""
    text = p.text("message") or ""
    content: Json = {"text": text, "attachments": _attachments(group, p.text("attachment"))}
    lat, long = p.number("lat"), p.number("long")
    if lat is not None and long is not None:
        content["geo"] = {"type": "point", "coordinates": {"latitude": lat, "longitude": long}}
    if not text and not content["attachments"] and "geo" not in content:
        raise invalid("message is empty or invalid")
    if len(text) > group.env.limits.max_text:
        raise VkError(914)
    if p.has("keyboard"):
        keyboard = check_keyboard(p.text("keyboard") or "")
        content["keyboard"] = {**keyboard, "author_id": -group.id}
    return content


def _show_keyboard(conv: Conversation, content: Json) -> None:
    """A standard keyboard replaces the one under the input field ([] buttons hide it)."""
    keyboard = content.get("keyboard")
    if keyboard is None or keyboard.get("inline"):
        return
    conv.keyboard = copy.deepcopy(keyboard) if keyboard["buttons"] else None
    if not keyboard["buttons"]:
        content.pop("keyboard")


def _send_one(group: GroupState, conv: Conversation, content: Json, random_id: int) -> Json:
    """Create one message (or find the one this random_id already made)."""
    if random_id and random_id in conv.random_ids:
        group.deduped += 1
        first = conv.find(message_id=conv.random_ids[random_id])
        assert first is not None
        return first
    env, now = group.env, group.env.clock()
    if content["text"]:
        window = conv.same_text.setdefault(content["text"], SlidingWindow())
        if not window.admits(now, env.limits.same_text_per_minute, 60.0):
            raise VkError(9)
        window.add(now)
    content = copy.deepcopy(content)
    _show_keyboard(conv, content)
    message = group.store(conv, out=True, content={**content, "random_id": random_id})
    if random_id:
        conv.random_ids[random_id] = message["id"]
    group.note_send(now)
    return message


@api_method("messages.send")
def messages_send(group: GroupState, p: Params) -> Any:
    """A message to peer_id (or user_id): its id; to peer_ids: one result per peer."""
    random_id = check_random_id(p.integer("random_id"))
    content = _content(group, p)
    if p.has("peer_ids"):
        results: list[Json] = []
        for peer in p.integers("peer_ids"):
            try:
                sent = _send_one(group, group.reachable(peer), content, random_id)
            except VkError as exc:
                error = {"code": exc.code, "description": exc.message}
                results.append(
                    {"peer_id": peer, "message_id": 0, "conversation_message_id": 0, "error": error}
                )
                continue
            cmid = sent["conversation_message_id"]
            results.append(
                {"peer_id": peer, "message_id": sent["id"], "conversation_message_id": cmid}
            )
        return results
    peer_id = p.integer("peer_id") if p.has("peer_id") else p.integer("user_id")
    if peer_id is None:
        raise invalid("you should specify peer_id, user_id, domain, chat_id or user_ids param")
    return _send_one(group, group.reachable(peer_id), content, random_id)["id"]


@api_method("messages.edit")
def messages_edit(group: GroupState, p: Params) -> int:
    """Replace a community message's text, attachments and keyboard (omitted ones are removed)."""
    conv = group.reachable(p.integer("peer_id", required=True) or 0)
    cmid = p.integer("conversation_message_id")
    cmid = cmid if cmid is not None else p.integer("cmid")
    message_id = p.integer("message_id")
    if cmid is None and message_id is None:
        raise invalid("message_id or conversation_message_id is undefined")
    message = conv.find(cmid=cmid, message_id=message_id)
    if message is None:
        raise invalid("message not found")
    if not message["out"]:
        raise VkError(920)
    if group.env.date() - message["date"] > group.env.limits.edit_window:
        raise VkError(909)
    content = _content(group, p)
    keys = ("text", "attachments", "keyboard", "geo")
    message.setdefault("edit_history", []).append(
        {k: copy.deepcopy(message[k]) for k in keys if k in message}
    )
    for key in keys:
        message.pop(key, None)
    _show_keyboard(conv, content)
    message.update(content, edited=True, update_time=group.env.date())
    group.env.changed.fire()
    return 1


@api_method("messages.sendMessageEventAnswer")
def send_message_event_answer(group: GroupState, p: Params) -> int:
    """Answer a callback-button press once, within limits.event_ttl."""
    event_id = p.text("event_id", required=True) or ""
    user_id = p.integer("user_id", required=True)
    peer_id = p.integer("peer_id", required=True)
    record = group.message_events.get(event_id)
    ttl = group.env.limits.event_ttl
    if record is None or record.answered or group.env.clock() - record.created > ttl:
        raise invalid("event_id is invalid or expired")
    if (record.event["user_id"], record.event["peer_id"]) != (user_id, peer_id):
        raise invalid("user_id and peer_id must be those of the event")
    record.answer = check_event_data(p.text("event_data"))
    record.answered = True
    group.env.changed.fire()
    return 1


@api_method("groups.getById")
def groups_get_by_id(group: GroupState, p: Params) -> Json:
    """The token's community (5.199 shape: {"groups": [...], "profiles": []})."""
    wanted = p.integers("group_ids") or p.integers("group_id") or [group.id]
    if any(abs(g) != group.id for g in wanted):
        raise invalid("group_ids is invalid")
    info = {
        "id": group.id,
        "name": group.name,
        "screen_name": f"club{group.id}",
        "is_closed": 0,
        "type": "group",
    }
    return {"groups": [info], "profiles": []}


def _own_group(group: GroupState, p: Params) -> None:
    """group_id must be the token's own community."""
    if p.integer("group_id", required=True) != group.id:
        raise VkError(15, "the token belongs to another community")


@api_method("groups.getLongPollServer")
def groups_get_long_poll_server(group: GroupState, p: Params) -> Json:
    """Bots Long Poll session data: key, server, ts."""
    _own_group(group, p)
    if not group.long_poll_enabled:
        raise invalid("Bots Long Poll API is disabled in the community settings")
    server = f"{group.env.url}/lp/{group.id}"
    return {"key": group.lp_key, "server": server, "ts": str(group.next_ts)}


@api_method("groups.getCallbackConfirmationCode")
def groups_get_callback_confirmation_code(group: GroupState, p: Params) -> Json:
    """The string a Callback API server must answer the confirmation request with."""
    _own_group(group, p)
    return {"code": group.confirmation_code}


@api_method("users.get")
def users_get(group: GroupState, p: Params) -> list[Json]:
    """first_name/last_name of known people; unknown ids come back as deleted profiles."""
    found: list[Json] = []
    for user_id in p.integers("user_ids"):
        person = group.env.people.get(user_id)
        if person is not None:
            found.append(person.as_user())
        else:
            found.append(
                {"id": user_id, "first_name": "DELETED", "last_name": "", "deactivated": "deleted"}
            )
    return found


@api_method("wall.createComment")
def wall_create_comment_method(group: GroupState, p: Params) -> Json:
    """A comment under a post, from the token's community."""
    result = wall_create_comment(group.env.walls, p, group_id=group.id, date=group.env.date())
    group.env.changed.fire()
    return result
