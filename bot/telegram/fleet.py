"""The Telegram bots the municipalities' setups name, besides the environment's TELEGRAM_TOKEN
bot: each with its own pacing budget (30 messages a second per bot), its updates kept in the
inbox as "<bot id>:<update id>", its dialogs apart from the other bots'."""

from dataclasses import dataclass

from aiogram import Bot

from bot.registry import Registry, Served
from models import Channel
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import BotSpec

ENV_KEY = "tg:env"


@dataclass
class TgBot(Served):
    key: str = ""
    handle: Bot | None = None
    webhook_secret: str | None = None

    @property
    def bot(self) -> Bot:
        assert self.handle is not None, "a fleet bot is made with its Bot"
        return self.handle

    @property
    def bot_id(self) -> int:
        return self.bot.id

    @property
    def prefix(self) -> str:
        """Its updates' ids in the inbox start so (Telegram's ids are per bot)."""
        return f"{self.bot_id}:"

    @property
    def dialog(self) -> str:
        return str(self.bot_id)

    @property
    def budget(self) -> str:
        return f"telegram:{self.bot_id}"


class Fleet(Registry[TgBot]):
    def __init__(self, rt: Runtime) -> None:
        from bot.telegram.runner import make_bot

        def make(spec: BotSpec) -> TgBot | None:
            if spec.key == ENV_KEY:
                return None  # the environment's bot runs as the default one
            head = spec.token.get_secret_value().partition(":")[0]
            if not head.isdigit():
                return None  # not a Telegram token: nothing to run
            bot = make_bot(rt, token=spec.token, budget=f"telegram:{head}")
            return TgBot(key=spec.key, handle=bot)

        def update(b: TgBot, spec: BotSpec) -> None:
            b.webhook_secret = spec.secret.get_secret_value() if spec.secret else None

        super().__init__(rt, Channel.telegram, make, update)

    async def by_id(self, bot_id: int) -> TgBot | None:
        return next((b for b in await self.all() if b.bot_id == bot_id), None)

    async def serving(self, municipality_id: int | None) -> TgBot | None:
        """The fleet's bot that serves this municipality (no fallback: the default bot is)."""
        for b in await self.all():
            if municipality_id in await b.municipalities(self.rt):
                return b
        return None

    async def close(self) -> None:
        """The clients made so far (not the list looked up again: at shutdown the database may
        be the reason we stop)."""
        for b in self._bots.values():
            await b.bot.session.close()
