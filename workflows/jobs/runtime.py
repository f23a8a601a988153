"""What the jobs, the bots and the API run on: the database, the clock, the settings, the
channel ports and the one outbox sender of the process."""

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from workflows.core.clock import Clock, FileClock, SystemClock
from workflows.incidents.monitoring import WallPoller
from workflows.incidents.publishing import WallPort
from workflows.outbox.email_off import EmailOffPort
from workflows.outbox.ports import ChannelPort, ConsolePort
from workflows.outbox.sender import Sender
from workflows.privacy.names import preload

# The composition root (the CLI) registers channel set-ups here, e.g. the Telegram port, so that
# every runtime a process makes (arq builds its own) can deliver through them.
RUNTIME_HOOKS: list[Callable[["Runtime"], None]] = []
Fetch = Callable[[str], Awaitable[bytes]]


def clock_for(settings: Settings) -> Clock:
    """The wall clock, or a test's or demo's clock file."""
    return FileClock(settings.fake_clock_file) if settings.fake_clock_file else SystemClock()


@dataclass
class Runtime:
    """What the jobs need: the database, the clock, the settings and the channel ports."""

    engine: AsyncEngine
    sm: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    ports: dict[Channel, ChannelPort] = field(default_factory=dict)
    # How to get a file's content by its id in each channel (a citizen's photo from VK shown on
    # a Telegram card, a staff photo from Telegram sent to a VK citizen).
    fetchers: dict[Channel, Fetch] = field(default_factory=dict)
    # Reads a municipality's watched walls (social-network monitoring); set by the composition
    # root when VK_SERVICE_TOKEN is set, else None and the `monitor` job does nothing.
    wall_poller: WallPoller | None = None
    # Where incidents' answers are published as the community's comments (VK, when it runs).
    wall: WallPort | None = None
    _sender: Sender | None = None

    @classmethod
    def create(cls, settings: Settings, *, clock: Clock | None = None) -> "Runtime":
        engine = make_engine(settings.database_url)
        sm, clock = make_sessionmaker(engine), clock or clock_for(settings)
        # E-mail letters are refused (bounced, for the post) until a hook sets the SMTP port.
        ports: dict[Channel, ChannelPort] = {
            Channel.console: ConsolePort(),
            Channel.email: EmailOffPort(sm, clock),
        }
        rt = cls(engine, sm, clock, settings, ports)
        for hook in RUNTIME_HOOKS:
            hook(rt)
        # Every process that writes staff notices masks them: the NER model (about a second to
        # load) loads beside start-up rather than inside the first notice's transaction.
        threading.Thread(target=preload, name="pii-model", daemon=True).start()
        return rt

    async def fetch_file(self, channel: Channel, file_id: str) -> bytes:
        fetch = self.fetchers.get(channel)
        if fetch is None:
            raise LookupError(f"файл из канала {channel} получить нечем")
        return await fetch(file_id)

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = Sender(
                self.sm,
                clock=self.clock,
                ports=self.ports,
                max_attempts=self.settings.outbox_max_attempts,
            )
        return self._sender
