"""`bench.vk` figure 1: citizens' notices delivered by the real outbox Sender through the real
VkPort (vk_api, the community's pacing) to the VK API emulator enforcing 20 requests a second
per token, as `mcu run` delivers them (`run_in_process`)."""

import argparse
import asyncio
import contextlib
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.loader import Muni, apply_test_setup
from bench.support import Progress
from bench.vk_emulator import emulator
from mcu.compose import attach_channels
from models import Channel, Citizen, CitizenIdentity, Item, ItemKind, ItemStatus
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from workflows.core.clock import SystemClock
from workflows.jobs.loop import run_in_process
from workflows.jobs.runtime import Runtime
from workflows.notifications.notify import citizen_notice, enqueue
from workflows.outbox.ports import ConsolePort

GROUP = 229_000_777
TOKEN = "vk1.a.bench-community-token"
BUDGET = 20.0  # VK: requests a second per community token
GOAL = 0.9
USER0 = 610_000_000  # the citizens' VK ids (= their peer ids)
WARMUP_S = 1.0  # the steady window starts this long after the first message


async def seed(sm: async_sessionmaker[AsyncSession], m: Muni, n: int) -> None:
    """n citizens who wrote in VK, each with an item, each item's «taken» notice queued."""
    now = datetime.now(UTC)
    async with sm() as s:
        citizens = [Citizen(created_at=now) for _ in range(n)]
        s.add_all(citizens)
        await s.flush()
        s.add_all(
            CitizenIdentity(citizen_id=c.id or 0, channel=Channel.vk, external_id=str(USER0 + k))
            for k, c in enumerate(citizens)
        )
        items = [
            Item(
                municipality_id=m.municipality_id,
                number=f"ВК-{k + 1:05d}",
                kind=ItemKind.message,
                status=ItemStatus.in_progress,
                channel=Channel.vk,
                citizen_id=c.id,
                sector_id=m.sector_id,
                text="Нет воды во дворе (нагрузочный тест)",
                assignee_id=m.assignee_id,
                policy_id=m.policy_id,
                registered_at=now - timedelta(hours=1),
                due_at=now + timedelta(days=14),
                updated_at=now,
            )
            for k, c in enumerate(citizens)
        ]
        s.add_all(items)
        await s.flush()
        rows = []
        for item in items:
            row = await citizen_notice(
                s,
                item=item,
                kind="taken",
                payload={"number": item.number},
                dedup=f"bench-taken-{item.id}",
                now=now,
            )
            assert row is not None, "every citizen has a VK identity"
            rows.append(row)
        await enqueue(s, rows)
        await s.commit()


def settings_for(url: str, api_base: str, per_second: float | None) -> Settings:
    """The deployment's settings: the community from the environment, VK's API the emulator."""
    values: dict[str, Any] = {
        "DATABASE_URL": url,
        "MCU_ENV": "test",
        "MCU_WEEKLY_NOTE": False,
        "VK_TOKEN": TOKEN,
        "VK_GROUP_ID": GROUP,
        "VK_API_BASE": api_base,
    }
    if per_second is not None:
        values["MCU_VK_PER_SECOND"] = per_second
    return Settings.model_validate(values)


async def outbox_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Outbox rows by status."""
    rows = await conn.fetch("SELECT status, count(*) AS n FROM outbox GROUP BY status")
    return {str(r["status"]): int(r["n"]) for r in rows}


async def deliver_all(rt: Runtime, url: str, n: int, progress: Progress) -> float:
    """`mcu run`'s in-process jobs until no notice is pending (sent, or given up on), or a
    generous timeout; the seconds it took."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_in_process(rt, stop=stop))
    conn = await asyncpg.connect(url)
    t0 = last = time.monotonic()
    try:
        while time.monotonic() - t0 < n / BUDGET * 2 + 30:
            await asyncio.sleep(0.25)
            counts = await outbox_counts(conn)
            if not counts.get("pending"):
                break
            if time.monotonic() - last >= 5:
                last = time.monotonic()
                progress(f"  {counts.get('sent', 0):,}/{n:,} sent")
    finally:
        await conn.close()
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=15)
    return time.monotonic() - t0


def rates(sent_at: list[float]) -> dict[str, float]:
    """Messages a second: first to last, and in the steady window from WARMUP_S after the
    first message; the smallest gap between two messages."""
    times = sorted(sent_at)
    if len(times) < 2:
        return {"span_s": 0.0, "all_per_s": 0.0, "steady_s": 0.0, "steady_per_s": 0.0}
    first, last = times[0], times[-1]
    steady = [t for t in times if t >= first + WARMUP_S]
    steady_span = last - steady[0] if len(steady) > 1 else 0.0
    return {
        "span_s": round(last - first, 2),
        "all_per_s": round((len(times) - 1) / (last - first), 2),
        "steady_s": round(steady_span, 2),
        "steady_per_s": round((len(steady) - 1) / steady_span, 2) if steady_span else 0.0,
        "min_gap_ms": round(1000 * min(b - a for a, b in itertools.pairwise(times)), 1),
    }


async def notices_bench(url: str, args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Figure 1 on a migrated database: seed, deliver, count what the emulator saw."""
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    users = range(USER0, USER0 + args.notices)
    try:
        m = await apply_test_setup(sm, SystemClock())
        await seed(sm, m, args.notices)
        async with emulator(
            group=GROUP,
            token=TOKEN,
            users=users,
            latency=args.vk_latency,
            own_process=not args.emulator_in_process,
        ) as emu:
            settings = settings_for(url, emu.api_base, args.vk_per_second)
            rt = Runtime(engine, sm, SystemClock(), settings, {Channel.console: ConsolePort()})
            channels = attach_channels(rt)  # as `mcu run` composes it: the VK port, the community
            progress(
                f"figure 1: {args.notices} «taken» notices queued for {args.notices} VK citizens;"
                f" pacing MCU_VK_PER_SECOND={settings.vk_per_second:g}; emulator in {emu.where},"
                f" latency {args.vk_latency:g} s"
            )
            try:
                wall = await deliver_all(rt, url, args.notices, progress)
            finally:
                await channels.close()
        conn = await asyncpg.connect(url)
        try:
            outbox = await outbox_counts(conn)
        finally:
            await conn.close()
    finally:
        await engine.dispose()
    seen = emu.figures
    sent_at = seen.pop("sent_at")
    figures = {
        "notices": args.notices,
        "pacing_per_s": settings.vk_per_second,
        "emulator": emu.where,
        "latency_s": args.vk_latency,
        "wall_s": round(wall, 2),
        "sends": len(sent_at),
        "outbox": outbox,
        **seen,
        **rates(sent_at),
    }
    figures["error_6"] = seen["errors"].get("6", 0)
    figures["ratio"] = round(figures["steady_per_s"] / BUDGET, 3)
    figures["complete"] = outbox.get("sent", 0) == args.notices == len(sent_at)
    figures["met"] = figures["complete"] and figures["error_6"] == 0 and figures["ratio"] >= GOAL
    return figures
