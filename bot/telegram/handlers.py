"""The whole Telegram bot in two handlers: a message or a pressed button becomes an event for
the conversation core, and its outputs are rendered back. Button presses were acknowledged
when they arrived (see runner.acknowledge), so nothing here races Telegram's answer window."""

import time

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.telegram.deliver import Pressed, deliver
from bot.telegram.events import message_event, press_event
from bot.telegram.fleet import TgBot
from models import Channel
from workflows.conversation.engine import Chat, converse, get_served_municipality
from workflows.jobs.runtime import Runtime

SERVED_TTL = 30.0  # seconds a bot trusts its municipality lookup (a setup may be applied)


class Conversation:
    """One bot's handlers, with the municipality it serves looked up at most every 30 s (and on
    every update until there is one: a setup applied after start-up is seen at once)."""

    def __init__(self) -> None:
        self._served: tuple[float, int] | None = None

    async def chat_of(
        self, rt: Runtime, chat_id: int, user_id: int, tg_bot: TgBot | None = None
    ) -> Chat:
        if tg_bot is not None:  # a setup's bot: its municipalities, its own dialogs
            served = await tg_bot.municipalities(rt)
            return Chat(
                Channel.telegram,
                str(chat_id),
                str(user_id),
                served[0] if len(served) == 1 else None,
                bot=tg_bot.dialog,
                municipalities=served if len(served) > 1 else (),
            )
        kept = self._served
        if kept is None or time.monotonic() - kept[0] > SERVED_TTL:
            async with rt.sm() as s:
                muni = await get_served_municipality(s, code=rt.settings.telegram_municipality)
            kept = self._served = (time.monotonic(), muni.id) if muni and muni.id else None
        return Chat(Channel.telegram, str(chat_id), str(user_id), kept[1] if kept else None)

    async def on_message(self, message: Message, rt: Runtime, tg_bot: TgBot | None = None) -> None:
        if message.from_user is None or message.bot is None:
            return  # a channel post or a service message: nobody to answer
        chat = await self.chat_of(rt, message.chat.id, message.from_user.id, tg_bot)
        key = f"m{message.chat.id}:{message.message_id}"
        outputs = await converse(rt, chat=chat, event=message_event(message), key=key)
        await deliver(
            rt, message.bot, chat_id=message.chat.id, user_id=message.from_user.id, outputs=outputs
        )

    async def on_press(
        self, query: CallbackQuery, rt: Runtime, tg_bot: TgBot | None = None
    ) -> None:
        message = query.message
        if query.bot is None or message is None:
            return  # a press on a message too old for Telegram to show: nothing to edit
        chat = await self.chat_of(rt, message.chat.id, query.from_user.id, tg_bot)
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
    """A fresh router with its own handlers (a Router attaches to one Dispatcher only)."""
    router = Router(name="conversation")
    handlers = Conversation()
    router.message.register(handlers.on_message)
    router.callback_query.register(handlers.on_press)
    return router
