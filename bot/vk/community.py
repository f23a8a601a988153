"""A VK community the deployment answers in: its id, its token's client (paced at VK's 20
requests a second, shared by replies and notices), the municipalities it serves, and what the
Callback API needs (secret, confirmation code)."""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlmodel import select

from bot.vk.transport import VkClient
from models import Channel, Municipality
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import get_bot_specs

log = logging.getLogger(__name__)
REFRESH = 30.0  # seconds between looks at the bots' list (a setup may name a new community)


@dataclass
class Community:
    group_id: int
    client: VkClient
    municipality_codes: tuple[str, ...] = ()  # empty: the deployment's only municipality
    secret: str | None = None
    confirmation: str | None = None
    callback: bool = False  # events by Callback API (else this process long-polls)
    served: tuple[int, ...] = field(default=())  # municipality ids, once looked up

    @property
    def budget(self) -> str:
        return f"vk:{self.group_id}"

    @property
    def bot(self) -> str:
        """The community's part of a dialog's key (a person talks to each community apart)."""
        return str(self.group_id)

    async def municipalities(self, rt: Runtime) -> tuple[int, ...]:
        """The municipalities it serves (looked up until there are some: a setup applied after
        start-up is seen at once)."""
        if not self.served:
            async with rt.sm() as s:
                rows = list(await s.exec(select(Municipality)))
            if self.municipality_codes:
                ids = [m.id for m in rows if m.code in self.municipality_codes]
            else:
                ids = [m.id for m in rows] if len(rows) == 1 else []
            self.served = tuple(i for i in ids if i is not None)
        return self.served


def make_client(rt: Runtime, token: str, group_id: int) -> VkClient:
    """A client whose every call waits for its turn in the community's budget."""
    budget = f"vk:{group_id}"

    async def pace(chat: str | None) -> None:
        await rt.sender.limits.acquire(
            budget,
            chat or "",
            per_second=rt.settings.vk_per_second,
            chat_interval=0.0,
            clock=rt.clock,
            sleep=asyncio.sleep,
        )

    return VkClient(
        token, api_base=rt.settings.vk_api_base, timeout=rt.settings.vk_timeout, pace=pace
    )


class Communities:
    """The deployment's VK communities, looked up from the bots' list (the setups' and the
    environment's) and refreshed every 30 s; each keeps its client (and budget) for good."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._by_id: dict[int, Community] = {}
        self._at = -REFRESH

    async def all(self) -> list[Community]:
        if time.monotonic() - self._at > REFRESH:
            async with self.rt.sm() as s:
                specs, problems = await get_bot_specs(s, self.rt.settings)
            for line in problems:
                log.error("бот не запущен: %s", line)
            seen = set()
            for spec in specs:
                if spec.channel is not Channel.vk or spec.group_id is None:
                    continue
                seen.add(spec.group_id)
                known = self._by_id.get(spec.group_id)
                if known is None:
                    client = make_client(self.rt, spec.token.get_secret_value(), spec.group_id)
                    known = self._by_id[spec.group_id] = Community(spec.group_id, client)
                known.municipality_codes = spec.municipality_codes
                known.secret = spec.secret.get_secret_value() if spec.secret else None
                known.confirmation = spec.confirmation
                known.callback = spec.callback
                known.served = ()  # looked up again
            for gone in set(self._by_id) - seen:
                del self._by_id[gone]
            self._at = time.monotonic()
        return list(self._by_id.values())

    async def get(self, group_id: int) -> Community | None:
        await self.all()
        return self._by_id.get(group_id)

    async def of_municipality(self, municipality_id: int | None) -> Community | None:
        """The community that serves a municipality (the only one, if there is only one)."""
        communities = await self.all()
        for c in communities:
            if municipality_id in await c.municipalities(self.rt):
                return c
        return communities[0] if len(communities) == 1 else None
