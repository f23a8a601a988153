"""The whole Telegram bot in two handlers: a message or a pressed button becomes an event for
the conversation core, and its outputs are rendered back. Button presses were acknowledged
when they arrived (see runner.acknowledge), so nothing here races Telegram's answer window."""

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.registry import Served
from bot.telegram.deliver import Pressed, deliver
from bot.telegram.events import message_event, press_event
from bot.telegram.fleet import TgBot
from models import Channel
from workflows.conversation.engine import Chat, converse
from workflows.jobs.runtime import Runtime


class Conversation:
    """One dispatcher's handlers: the environment's bot (serving TELEGRAM_MUNICIPALITY, or every
    municipality, asking the citizen which when there are several) and the setups' bots."""

    def __init__(self, rt: Runtime) -> None:
        code = rt.settings.telegram_municipality
        self.env = Served((code,) if code else ())

    async def chat_of(
        self, rt: Runtime, chat_id: int, user_id: int, tg_bot: TgBot | None = None
    ) -> Chat:
        bot: Served = tg_bot if tg_bot is not None else self.env
        served = await bot.municipalities(rt)
        return bot.chat(Channel.telegram, str(chat_id), str(user_id), served)

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


def build(rt: Runtime) -> Router:
    """A fresh router with its own handlers (a Router attaches to one Dispatcher only)."""
    router = Router(name="conversation")
    handlers = Conversation(rt)
    router.message.register(handlers.on_message)
    router.callback_query.register(handlers.on_press)
    return router
