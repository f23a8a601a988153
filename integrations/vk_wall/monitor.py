"""One monitoring poll of a municipality: its watched walls read on from their cursors, what is
new stored scored a batch at a time, each source's state kept for the operators (the `monitor`
job calls it through `WallPoller`, workflows/jobs/monitor.py)."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from integrations.vk_wall.reader import PollReport, WallReader
from integrations.vk_wall.sources import Read, Seen, WallClient, WallSource
from workflows.core.clock import Clock
from workflows.incidents.candidates import get_monitor, get_vocabulary
from workflows.incidents.incidents import check_store_and_accept
from workflows.incidents.learning import get_learned
from workflows.incidents.monitoring import check_record_poll

# Records stored a transaction: a flood of 1,000 comments under one post is five short
# transactions, not one long one (a crash in between re-reads the rest: stored ones dedupe;
# each batch is stored and auto-accepted together, as check_store_and_accept does).
STORE_BATCH = 200


async def do_poll_municipality(
    *,
    sm: async_sessionmaker[AsyncSession],
    client: WallClient,
    clock: Clock,
    municipality_id: int,
    follow_days: int = 7,
) -> list[PollReport]:
    """Read every source the municipality watches once; nothing when monitoring is off."""
    async with sm() as s:
        monitor = await get_monitor(s, municipality_id=municipality_id)
        if monitor is None:
            return []
        vocabulary = await get_vocabulary(
            s, municipality_id=municipality_id, keywords=monitor.keywords
        )
        learned = await get_learned(s, municipality_id=municipality_id)
    threshold, accept_above = monitor.threshold, monitor.accept_above
    sources = [
        WallSource(int(d["owner_id"]), Read(d["read"]), str(d["name"])) for d in monitor.sources
    ]

    async def store(batch: list[Seen]) -> None:
        for start in range(0, len(batch), STORE_BATCH):
            async with sm() as s:
                await check_store_and_accept(
                    s,
                    municipality_id=municipality_id,
                    seen=batch[start : start + STORE_BATCH],
                    vocabulary=vocabulary,
                    threshold=threshold,
                    accept_above=accept_above,
                    clock=clock,
                    learned=learned,
                )

    reader = WallReader(
        sm=sm,
        client=client,
        clock=clock,
        on_seen=store,
        backfill_days=monitor.backfill_days,
        follow_days=follow_days,
        scope=monitor_scope(municipality_id),
    )
    reports = await reader.poll(sources)
    async with sm() as s:
        await check_record_poll(
            s, municipality_id=municipality_id, reports=reports, now=clock.now()
        )
    return reports


def monitor_scope(municipality_id: int) -> str:
    """A municipality's cursors: a regional wall two municipalities watch is read by each."""
    return f"m{municipality_id}/"


class WallPoller:
    """The runtime's poller (workflows.incidents.monitoring.WallPoller): one client made with
    the service token, shared by every municipality's poll."""

    def __init__(
        self, *, sm: async_sessionmaker[AsyncSession], client: WallClient, clock: Clock
    ) -> None:
        self.sm, self.client, self.clock = sm, client, clock

    async def __call__(self, *, municipality_id: int) -> list[PollReport]:
        return await do_poll_municipality(
            sm=self.sm, client=self.client, clock=self.clock, municipality_id=municipality_id
        )
