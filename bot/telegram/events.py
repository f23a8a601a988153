"""Telegram updates as conversation events: what a person did, in no channel's terms."""

from aiogram.types import CallbackQuery, Message

from bot.telegram.render import Opt
from workflows.conversation.parts import (
    Choice,
    Command,
    Contact,
    Event,
    File,
    Other,
    Place,
    Pressed,
    Text,
    typed,
)


def message_event(message: Message) -> Event:
    caption = typed(message.caption or "").strip()
    if message.text is not None:
        text = typed(message.text)
        is_command = any(
            e.type == "bot_command" and e.offset == 0 for e in message.entities or ()
        ) or (text.startswith("/") and len(text) > 1 and text[1:2].isalpha())
        if is_command:
            head, _, args = text[1:].partition(" ")
            return Command(head.split("@", 1)[0].lower()[:64], args.strip())
        return Text(text)
    if message.photo:
        return File("photo", message.photo[-1].file_id, caption)
    if message.voice:
        return File("voice", message.voice.file_id, caption)
    if message.audio:
        return File("voice", message.audio.file_id, caption)
    if message.document:
        return File("document", message.document.file_id, caption)
    if message.location:
        return Place(message.location.latitude, message.location.longitude)
    if message.contact:
        return Contact()
    return Other(message.content_type)


def press_event(query: CallbackQuery) -> Pressed:
    """A pressed inline button; a payload we did not make (or an old one) is a stale choice."""
    message_id = query.message.message_id if query.message else None
    try:
        choice = Opt.unpack(query.data or "").choice()
    except (ValueError, TypeError):
        choice = Choice("?")
    return Pressed(choice, message_id)
