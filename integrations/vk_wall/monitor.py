"""One monitoring poll of a municipality: its watched walls read on from their cursors, what is
new stored scored (the scheduler is to call this; it is not wired in yet)."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from integrations.vk_wall.reader import PollReport, WallReader
from integrations.vk_wall.sources import Read, Seen, WallClient, WallSource
from workflows.core.clock import Clock
from workflows.incidents.candidates import get_monitor, get_vocabulary
from workflows.incidents.incidents import check_store_and_accept


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
    threshold, accept_above = monitor.threshold, monitor.accept_above
    sources = [
        WallSource(int(d["owner_id"]), Read(d["read"]), str(d["name"])) for d in monitor.sources
    ]

    async def store(batch: list[Seen]) -> None:
        async with sm() as s:
            await check_store_and_accept(
                s,
                municipality_id=municipality_id,
                seen=batch,
                vocabulary=vocabulary,
                threshold=threshold,
                accept_above=accept_above,
                clock=clock,
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
    return await reader.poll(sources)


def monitor_scope(municipality_id: int) -> str:
    """A municipality's cursors: a regional wall two municipalities watch is read by each."""
    return f"m{municipality_id}/"
