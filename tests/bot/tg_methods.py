"""Bot API method handlers: each takes the bot's state and the request parameters."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tests.bot.loopback import wait_event
from tests.bot.tg_rules import ApiError, Params, bad_request, check_reply_markup, format_text
from tests.bot.tg_state import BotState, Chat, Json, WebhookConfig, public

Handler = Callable[[BotState, Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}
H = TypeVar("H", bound=Handler)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
MAX_FILE_DOWNLOAD = 20 * 1024 * 1024
MAX_CALLBACK_ANSWER = 200
MEDIA_TYPES = ("photo", "video", "document", "audio")


@dataclass(frozen=True)
class Described:
    """A result that Telegram accompanies with a "description" (webhook methods)."""

    result: Any
    description: str


def api_method(name: str) -> Callable[[H], H]:
    """Register a handler under its Bot API name (looked up case-insensitively)."""

    def register(handler: H) -> H:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def _chat_id(p: Params) -> int:
    """The chat_id parameter; a non-numeric one (an @username) names no chat we know."""
    raw = p.text("chat_id", required=True) or ""
    try:
        return int(raw)
    except ValueError:
        raise bad_request("chat not found") from None


def _markup_fields(markup: Json | None) -> Json:
    """Inline keyboards are part of the Message; reply keyboards are kept aside for tests."""
    if markup is None:
        return {}
    if "inline_keyboard" in markup:
        return {"reply_markup": markup}
    return {"reply_keyboard": markup}


def _reply_to(chat: Chat, p: Params) -> Json:
    """The reply_to_message field for reply_to_message_id / reply_parameters."""
    message_id = p.integer("reply_to_message_id")
    allow = p.flag("allow_sending_without_reply")
    params = p.json("reply_parameters", "reply parameters")
    if isinstance(params, dict) and "message_id" in params:
        message_id = int(params["message_id"])
        allow = allow or bool(params.get("allow_sending_without_reply"))
    if message_id is None:
        return {}
    target = chat.find(message_id)
    if target is None:
        if not allow:
            raise bad_request("message to be replied not found")
        return {}
    return {"reply_to_message": public(target)}


def _caption(p: Params) -> Json:
    """caption and caption_entities of a media send."""
    text, entities = format_text(
        p.text("caption"),
        p.text("parse_mode"),
        p.json("caption_entities", "caption entities"),
        caption=True,
    )
    fields: Json = {"caption": text} if text else {}
    if entities:
        fields["caption_entities"] = entities
    return fields


def _send(bot: BotState, p: Params, build: Callable[[], Json]) -> Json:
    """The common path of send*: chat checks, markup, content, flood limits, store."""
    chat = bot.reachable(_chat_id(p))
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup"))
    content = {**build(), **_reply_to(chat, p), **_markup_fields(markup)}
    bot.check_rate(chat, edit=False)
    message = bot.store(chat, bot.sender(), content)
    bot.note_send()
    return public(message)


@api_method("getMe")
async def get_me(bot: BotState, p: Params) -> Json:
    """The bot's own User object."""
    return dict(bot.user)


@api_method("sendMessage")
async def send_message(bot: BotState, p: Params) -> Json:
    """A text message."""

    def build() -> Json:
        text, entities = format_text(
            p.text("text"), p.text("parse_mode"), p.json("entities", "entities")
        )
        return {"text": text, **({"entities": entities} if entities else {})}

    return _send(bot, p, build)


def _media_sender(kind: str) -> Handler:
    """A handler for sendPhoto/sendDocument/sendVoice."""

    async def handler(bot: BotState, p: Params) -> Json:
        def build() -> Json:
            stored = bot.resolve_file(kind, p.file(kind))
            extra = {"duration": p.integer("duration") or 1}
            return {kind: stored.payload(**extra), **_caption(p)}

        return _send(bot, p, build)

    handler.__doc__ = f"A {kind} message (upload, file_id or URL)."
    return handler


api_method("sendPhoto")(_media_sender("photo"))
api_method("sendDocument")(_media_sender("document"))
api_method("sendVoice")(_media_sender("voice"))


@api_method("sendLocation")
async def send_location(bot: BotState, p: Params) -> Json:
    """A location pin."""

    def build() -> Json:
        latitude = p.number("latitude", required=True)
        longitude = p.number("longitude", required=True)
        return {"location": {"latitude": latitude, "longitude": longitude}}

    return _send(bot, p, build)


@api_method("sendMediaGroup")
async def send_media_group(bot: BotState, p: Params) -> list[Json]:
    """An album of 2-10 photos/videos/documents/audios; one flood-limit hit per album."""
    chat = bot.reachable(_chat_id(p))
    media = p.json("media", "media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media group must contain 2-10 items")
    contents: list[Json] = []
    for item in media:
        if not isinstance(item, dict) or item.get("type") not in MEDIA_TYPES:
            raise bad_request("can't parse InputMedia JSON object")
        kind = item["type"]
        value = item.get("media")
        stored = bot.resolve_file(kind, p.attachment(value) if isinstance(value, str) else None)
        text, entities = format_text(
            item.get("caption"), item.get("parse_mode"), item.get("caption_entities"), caption=True
        )
        content: Json = {kind: stored.payload()}
        if text:
            content["caption"] = text
        if entities:
            content["caption_entities"] = entities
        contents.append(content)
    reply = _reply_to(chat, p)
    bot.check_rate(chat, edit=False)
    group_id = str(10**12 + bot.next_seq())
    sent = [
        bot.store(chat, bot.sender(), {"media_group_id": group_id, **c, **reply}) for c in contents
    ]
    bot.note_send()
    return [public(m) for m in sent]


@api_method("sendChatAction")
async def send_chat_action(bot: BotState, p: Params) -> bool:
    """typing... and friends; recorded in chat.actions (not flood-limited)."""
    chat = bot.reachable(_chat_id(p))
    action = p.text("action", required=True)
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    bot.env.changed.fire()
    return True


def _editable(bot: BotState, p: Params) -> tuple[Chat, Json]:
    """The chat and the bot's own message an edit* call targets."""
    if p.has("inline_message_id"):
        raise bad_request("inline_message_id is not supported by the emulator")
    chat = bot.reachable(_chat_id(p))
    message = chat.find(p.integer("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to edit not found")
    if message["from"]["id"] != bot.id:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(bot: BotState, chat: Chat, message: Json, changes: Json) -> Json:
    """Change fields (None removes one), keeping the previous version in edit_history."""
    if all(message.get(key) == value for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    bot.check_rate(chat, edit=True)
    keys = ("text", "entities", "caption", "caption_entities", "reply_markup", "edit_date")
    snapshot = {k: copy.deepcopy(message[k]) for k in keys if k in message}
    message.setdefault("edit_history", []).append(snapshot)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message["edit_date"] = bot.env.date()
    bot.env.changed.fire()
    return public(message)


def _inline_markup(p: Params) -> Json | None:
    """reply_markup of an edit: inline keyboards only."""
    return check_reply_markup(p.json("reply_markup", "reply keyboard markup"), inline_only=True)


@api_method("editMessageText")
async def edit_message_text(bot: BotState, p: Params) -> Json:
    """Replace a text message's text (and keyboard: omitted means removed)."""
    chat, message = _editable(bot, p)
    text, entities = format_text(
        p.text("text"), p.text("parse_mode"), p.json("entities", "entities")
    )
    markup = _inline_markup(p)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    changes = {"text": text, "entities": entities or None, "reply_markup": markup}
    return _apply_edit(bot, chat, message, changes)


@api_method("editMessageCaption")
async def edit_message_caption(bot: BotState, p: Params) -> Json:
    """Replace a media message's caption."""
    chat, message = _editable(bot, p)
    fields = _caption(p)
    markup = _inline_markup(p)
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    changes = {
        "caption": fields.get("caption"),
        "caption_entities": fields.get("caption_entities"),
        "reply_markup": markup,
    }
    return _apply_edit(bot, chat, message, changes)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(bot: BotState, p: Params) -> Json:
    """Replace (or remove) a message's inline keyboard."""
    chat, message = _editable(bot, p)
    return _apply_edit(bot, chat, message, {"reply_markup": _inline_markup(p)})


@api_method("deleteMessage")
async def delete_message(bot: BotState, p: Params) -> bool:
    """Remove a message from the chat (kept in chat.deleted)."""
    chat = bot.chat(_chat_id(p))
    message = chat.find(p.integer("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to delete not found")
    chat.messages.remove(message)
    chat.deleted.append(message)
    bot.env.changed.fire()
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(bot: BotState, p: Params) -> bool:
    """Answer a callback query once; unknown, answered or expired ids are refused."""
    record = bot.callbacks.get(p.text("callback_query_id", required=True) or "")
    ttl = bot.env.callback_ttl
    expired = record is not None and ttl is not None and bot.env.clock() - record.created > ttl
    if record is None or record.answered or expired:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.text("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    answer: Json = {"show_alert": p.flag("show_alert")}
    if text is not None:
        answer["text"] = text
    for key in ("url", "cache_time"):
        if p.has(key):
            answer[key] = p.values[key]
    record.answered, record.answer = True, answer
    bot.env.changed.fire()
    return True


@api_method("getFile")
async def get_file(bot: BotState, p: Params) -> Json:
    """A File with the file_path for /file/bot<token>/<path>."""
    stored = bot.files.get(p.text("file_id", required=True) or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.content) > MAX_FILE_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }


def _conflict_webhook() -> ApiError:
    """getUpdates while a webhook is set."""
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


@api_method("getUpdates")
async def get_updates(bot: BotState, p: Params) -> list[Json]:
    """Long polling: confirm by offset, wait up to timeout, filter by allowed_updates."""
    if bot.webhook is not None:
        raise _conflict_webhook()
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = max(p.integer("timeout") or 0, 0)
    allowed = p.json("allowed_updates", "allowed updates")
    if allowed is not None:
        bot.allowed_updates = list(allowed) or None
    bot.confirm(p.integer("offset"))
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.updates_signal.fire()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        waiter = bot.updates_signal.waiter()
        if bot.poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        if bot.webhook is not None:
            raise _conflict_webhook()
        batch = bot.select_updates(limit)
        remaining = deadline - loop.time()
        if batch or remaining <= 0 or bot.env.closing:
            return batch
        await wait_event(waiter, remaining)


@api_method("setWebhook")
async def set_webhook(bot: BotState, p: Params) -> Described:
    """Switch to webhook delivery (an empty url deletes the webhook)."""
    url = p.text("url") or ""
    if not url:
        return await delete_webhook(bot, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: invalid webhook URL specified")
    secret = p.text("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    allowed = p.json("allowed_updates", "allowed updates")
    config = WebhookConfig(
        url=url,
        secret_token=secret,
        allowed_updates=list(allowed) if allowed else None,
        max_connections=p.integer("max_connections") or 40,
    )
    if p.flag("drop_pending_updates"):
        bot.pending.clear()
    already = bot.webhook == config
    bot.webhook = config
    bot.updates_signal.fire()
    return Described(True, "Webhook is already set" if already else "Webhook was set")


@api_method("deleteWebhook")
async def delete_webhook(bot: BotState, p: Params) -> Described:
    """Back to getUpdates."""
    if p.flag("drop_pending_updates"):
        bot.pending.clear()
    existed = bot.webhook is not None
    bot.webhook = None
    return Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")


@api_method("getWebhookInfo")
async def get_webhook_info(bot: BotState, p: Params) -> Json:
    """WebhookInfo."""
    hook = bot.webhook
    info: Json = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.pending),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
        if bot.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = bot.webhook_error
    return info


def _commands_key(p: Params) -> tuple[str, str]:
    """Commands are stored per scope and language."""
    scope = p.json("scope", "bot command scope") or {"type": "default"}
    return scope.get("type", "default"), p.text("language_code") or ""


@api_method("setMyCommands")
async def set_my_commands(bot: BotState, p: Params) -> bool:
    """The command menu; commands 1-32 of [a-z0-9_], descriptions 1-256 characters."""
    commands = p.json("commands", "bot commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse bot commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    bot.commands[_commands_key(p)] = [dict(c) for c in commands]
    return True


@api_method("getMyCommands")
async def get_my_commands(bot: BotState, p: Params) -> list[Json]:
    """The command menu for a scope and language."""
    return list(bot.commands.get(_commands_key(p), []))


@api_method("deleteMyCommands")
async def delete_my_commands(bot: BotState, p: Params) -> bool:
    """Remove a command menu."""
    bot.commands.pop(_commands_key(p), None)
    return True
