"""The bots of one channel a process runs, from the deployment's list (the setups' and the
environment's), looked at again every 30 s: a bot keeps its client and pacing budget for good,
a new one is made, one no longer named is dropped. Each knows the municipalities it serves."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from models import Channel
from workflows.conversation.engine import Chat, get_served_municipalities
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import BotSpec, get_bot_specs

log = logging.getLogger(__name__)
REFRESH = 30.0  # seconds between looks at the bots' list (a setup may name a new bot)


@dataclass
class Served:
    """The municipalities a bot serves: by the setups' codes, or (none named) all of the
    deployment's. Looked up again every 30 s, so a setup applied after start-up is seen."""

    municipality_codes: tuple[str, ...] = ()
    served: tuple[int, ...] = field(default=())
    served_at: float = -REFRESH

    async def municipalities(self, rt: Runtime) -> tuple[int, ...]:
        if not self.served or time.monotonic() - self.served_at > REFRESH:
            async with rt.sm() as s:
                self.served = await get_served_municipalities(s, codes=self.municipality_codes)
            self.served_at = time.monotonic()
        return self.served

    def serve(self, codes: tuple[str, ...]) -> None:
        if codes != self.municipality_codes:
            self.municipality_codes, self.served = codes, ()

    def chat(self, channel: Channel, chat_id: str, user_id: str, served: tuple[int, ...]) -> Chat:
        """Where a turn happens with this bot: its one municipality, or the choice of several."""
        return Chat(
            channel,
            chat_id,
            user_id,
            served[0] if len(served) == 1 else None,
            bot=self.dialog,
            municipalities=served if len(served) > 1 else (),
        )

    @property
    def dialog(self) -> str:
        """The bot's part of a dialog's key ("" for the environment's Telegram bot)."""
        return ""


B = TypeVar("B", bound=Served)


class Registry(Generic[B]):
    """`make` builds a bot from its spec (None: not for this registry); `update` brings a
    kept one up to date with a changed spec."""

    def __init__(
        self,
        rt: Runtime,
        channel: Channel,
        make: Callable[[BotSpec], B | None],
        update: Callable[[B, BotSpec], None],
    ) -> None:
        self.rt, self.channel, self.make, self.update = rt, channel, make, update
        self._bots: dict[str, B] = {}
        self._at = -REFRESH
        self._refreshing = asyncio.Lock()  # many chat workers ask at once: one looks
        self._told: set[str] = set()  # problems already logged (not again every 30 s)

    async def all(self) -> list[B]:
        if time.monotonic() - self._at > REFRESH:
            async with self._refreshing:
                if time.monotonic() - self._at > REFRESH:
                    await self._refresh()
        return list(self._bots.values())

    async def _refresh(self) -> None:
        async with self.rt.sm() as s:
            specs, problems = await get_bot_specs(s, self.rt.settings)
        for line in set(problems) - self._told:
            log.error("бот не запущен: %s", line)
        self._told = set(problems)
        named: set[str] = set()
        for spec in specs:
            if spec.channel is not self.channel:
                continue
            kept = self._bots.get(spec.key)
            if kept is None:
                made = self.make(spec)
                if made is None:
                    continue
                kept = self._bots[spec.key] = made
            self.update(kept, spec)
            kept.serve(spec.municipality_codes)
            named.add(spec.key)
        for gone in set(self._bots) - named:
            del self._bots[gone]
        self._at = time.monotonic()

    async def of_municipality(self, municipality_id: int | None) -> B | None:
        """The bot that serves a municipality (the only one, if there is only one)."""
        bots = await self.all()
        for b in bots:
            if municipality_id in await b.municipalities(self.rt):
                return b
        return bots[0] if len(bots) == 1 else None
