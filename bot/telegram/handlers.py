"""The whole Telegram bot in two handlers: a message or a pressed button becomes an event for
the conversation core, and its outputs are rendered back. Button presses were acknowledged
when they arrived (see runner.acknowledge), so nothing here races Telegram's answer window."""

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.telegram.deliver import Pressed, deliver
from bot.telegram.events import message_event, press_event
from models import Channel
from workflows.conversation.engine import Chat, converse, get_served_municipality
from workflows.jobs.runtime import Runtime


async def chat_of(rt: Runtime, chat_id: int, user_id: int) -> Chat:
    async with rt.sm() as s:
        muni = await get_served_municipality(s, code=rt.settings.telegram_municipality)
    return Chat(Channel.telegram, str(chat_id), str(user_id), muni.id if muni else None)


async def on_message(message: Message, rt: Runtime) -> None:
    if message.from_user is None or message.bot is None:
        return  # a channel post or a service message: nobody to answer
    chat = await chat_of(rt, message.chat.id, message.from_user.id)
    key = f"m{message.chat.id}:{message.message_id}"
    outputs = await converse(rt, chat=chat, event=message_event(message), key=key)
    await deliver(
        rt, message.bot, chat_id=message.chat.id, user_id=message.from_user.id, outputs=outputs
    )


async def on_press(query: CallbackQuery, rt: Runtime) -> None:
    message = query.message
    if query.bot is None or message is None:
        return  # a press on a message too old for Telegram to show: nothing to edit or answer
    chat = await chat_of(rt, message.chat.id, query.from_user.id)
    outputs = await converse(rt, chat=chat, event=press_event(query), key=f"q{query.id}")
    has_photo = isinstance(message, Message) and bool(message.photo)
    await deliver(
        rt,
        query.bot,
        chat_id=message.chat.id,
        user_id=query.from_user.id,
        outputs=outputs,
        pressed=Pressed(message.message_id, has_photo),
    )


def build() -> Router:
    """A fresh router (a Router attaches to one Dispatcher only)."""
    router = Router(name="conversation")
    router.message.register(on_message)
    router.callback_query.register(on_press)
    return router
