"""The bots of one channel a process runs, from the deployment's list (the setups' and the
environment's), looked at again every 30 s: a bot keeps its client and pacing budget for good,
a new one is made, one no longer named is dropped. Each knows the municipalities it serves."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlmodel import select

from models import Channel, Municipality
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import BotSpec, get_bot_specs

log = logging.getLogger(__name__)
REFRESH = 30.0  # seconds between looks at the bots' list (a setup may name a new bot)


@dataclass
class Served:
    """The municipalities a bot serves: by the setups' codes, or (none named) the deployment's
    only one. Looked up until there are some, so a setup applied after start-up is seen."""

    municipality_codes: tuple[str, ...] = ()
    served: tuple[int, ...] = field(default=())

    async def municipalities(self, rt: Runtime) -> tuple[int, ...]:
        if not self.served:
            async with rt.sm() as s:
                rows = list(await s.exec(select(Municipality)))
            if self.municipality_codes:
                ids = [m.id for m in rows if m.code in self.municipality_codes]
            else:
                ids = [m.id for m in rows] if len(rows) == 1 else []
            self.served = tuple(i for i in ids if i is not None)
        return self.served

    def serve(self, codes: tuple[str, ...]) -> None:
        if codes != self.municipality_codes:
            self.municipality_codes, self.served = codes, ()


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

    async def all(self) -> list[B]:
        if time.monotonic() - self._at > REFRESH:
            async with self.rt.sm() as s:
                specs, problems = await get_bot_specs(s, self.rt.settings)
            for line in problems:
                log.error("бот не запущен: %s", line)
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
        return list(self._bots.values())

    async def of_municipality(self, municipality_id: int | None) -> B | None:
        """The bot that serves a municipality (the only one, if there is only one)."""
        bots = await self.all()
        for b in bots:
            if municipality_id in await b.municipalities(self.rt):
                return b
        return bots[0] if len(bots) == 1 else None
