"""The VK emulator's wall, read through the production transport (real vk_api over HTTP)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.vk.transport import VkClient
from integrations.vk_wall import Seen, WallReader
from tests.bot.vk.emulator import VkApiEmulator
from tests.forbidden import secret
from workflows.core.clock import FakeClock

GROUP = 218_000_120
TOKEN = secret("vk1.a.community-token-wall", "ключ сообщества VK")
SERVICE = secret("service-token-wall-kit-0123456789abcdef", "сервисный ключ VK")


async def no_turns(chat: str | None) -> None:
    """No shared budget in these tests: the transport's own spacing keeps under VK's limit."""


@dataclass
class Got:
    """What a reader handed to its callback."""

    batches: list[list[Seen]] = field(default_factory=list)

    async def __call__(self, seen: list[Seen]) -> None:
        self.batches.append(seen)

    @property
    def all(self) -> list[Seen]:
        return [s for batch in self.batches for s in batch]

    def keys(self) -> list[tuple[int, int, int | None]]:
        return [(s.owner_id, s.post_id, s.comment_id) for s in self.all]


@asynccontextmanager
async def wall_world(
    clock: FakeClock, *, service: bool = False
) -> AsyncIterator[tuple[VkApiEmulator, VkClient]]:
    """An emulator whose dates follow the test's clock, and a paced client for it: the
    community's (it writes comments), or with `service` the application's service token, the
    one VK lets read walls (paced under its 5 requests a second)."""
    async with VkApiEmulator(wall_clock=lambda: clock.now().timestamp()) as emu:
        emu.add_group(GROUP, TOKEN)
        emu.service_token(SERVICE)
        token, rate = (SERVICE, 4.5) if service else (TOKEN, 19.0)
        client = VkClient(token, api_base=emu.api_base, timeout=10, pace=no_turns, per_second=rate)
        try:
            yield emu, client
        finally:
            client.close()


def reader(
    sm: async_sessionmaker[AsyncSession],
    client: VkClient,
    clock: FakeClock,
    got: Got,
    **kw: int,
) -> WallReader:
    return WallReader(sm=sm, client=client, clock=clock, on_seen=got, **kw)
