"""Monitoring's poller against 200 watched walls, each with 50 new posts and comments an hour
(10,000 an hour), within the service token's budget: `python -m bench.incidents_poll`.

Time is emulated: one clock drives the poller, the job's turns and the VK emulator (its dates
and its rate limit), and it moves only when VK would make us wait — each method call leaves
1/MCU_VK_WALL_PER_SECOND after the one before, as the real pacing spaces them — or when the
poller idles until its next check. So an hour runs in about a minute, through the real stack
(the `monitor` job, WallReader, vk_api over HTTP to the emulator, Postgres); our own CPU time
per call is not in the emulated figures (it is printed apart, as real seconds). Posts and
comments appear in the emulator at their own moments, between calls, as VK would show them.

Two variants side by side on the same arrivals: the default poll every 300 s and a naive poll
every 60 s (which spends the budget re-reading walls that have nothing new). Printed: requests
a second used against the budget, the lag from a post's time to its being stored and scored
(median, p99), how long each poll cycle took against its interval, and the backlog at the end."""

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bench.support import percentile, print_report, temp_database
from bot.vk.transport import VkClient
from integrations.vk_wall import WallPoller
from models import SocialPost
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from tests.bot.vk.emulator import VkApiEmulator
from workflows.jobs.runtime import Runtime
from workflows.jobs.tasks import poll_monitoring
from workflows.setup.apply import check_apply_setup

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Moscow
TOKEN = "bench0service0token0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # the emulator's, not VK's
CHECK_SECONDS = 15.0  # how often the job looks for due municipalities (as the worker does)
OLD_POSTS = 5  # posts each wall has from before the run (comments may land under them)


@dataclass
class Sim:
    """The emulated clock: seconds since START."""

    t: float = 0.0

    def now(self) -> datetime:
        return START + timedelta(seconds=self.t)

    def unix(self) -> float:
        return self.now().timestamp()


@dataclass
class Arrival:
    at: float  # seconds since START
    owner_id: int
    kind: str  # "post" or "comment"
    text: str
    key: tuple[int, int, int] | None = None  # (owner, post, comment or 0), once it exists


@dataclass
class World:
    """The arrivals of one run, replayed into an emulator as the clock passes them."""

    emu: VkApiEmulator
    sim: Sim
    pending: list[Arrival]
    posts: dict[int, list[int]] = field(default_factory=dict)  # each wall's post ids
    shown: list[Arrival] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def catch_up(self) -> None:
        """Put on the walls whatever was written up to now."""
        while self.pending and self.pending[0].at <= self.sim.t:
            a = self.pending.pop(0)
            date = int((START + timedelta(seconds=a.at)).timestamp())
            walls = self.posts.setdefault(a.owner_id, [])
            if a.kind == "post" or not walls:
                post = self.emu.post(a.owner_id, a.text, date=date)
                walls.append(post.id)
                a.key = (a.owner_id, post.id, 0)
            else:
                target = self.rng.choice(walls[-8:])  # residents answer the recent posts
                comment = self.emu.comment(a.owner_id, target, a.text, date=date)
                a.key = (a.owner_id, target, comment.id)
            self.shown.append(a)


def texts() -> list[str]:
    """Realistic posts and comments (the labelled set's), problems and not."""
    out = []
    for line in (ROOT / "bench" / "incidents" / "dev.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        if "text" in row:
            out.append(row["text"])
    return out


def arrivals(owners: list[int], per_hour: int, minutes: float, seed: int) -> list[Arrival]:
    """Each wall's posts and comments at random moments: a fifth posts, the rest comments."""
    rng, pool = random.Random(seed), texts()
    span = minutes * 60
    found = [
        Arrival(rng.uniform(0, span), owner, "post" if rng.random() < 0.2 else "comment", text)
        for owner in owners
        for text in rng.choices(pool, k=round(per_hour * minutes / 60))
    ]
    return sorted(found, key=lambda a: a.at)


def setup_yaml(code: int, owners: list[int]) -> str:
    """The example setup as another municipality, watching these walls."""
    base = (ROOT / "setup" / "bezhta.yaml").read_text(encoding="utf-8")
    base = base.replace("code: bezhta\n", f"code: bench{code}\n", 1)
    base = base.replace("number_prefix: БЖТ", f"number_prefix: Б{code:02d}")
    sources = "\n".join(f'    - {{vk: {o}, name: "Стена {o}", read: both}}' for o in owners)
    return f"{base}\nmonitoring:\n  sources:\n{sources}\n  threshold: 0.5\n  backfill_days: 1\n"


async def run_variant(args: argparse.Namespace, interval: float, minutes: float) -> dict[str, Any]:
    """`minutes` of arrivals polled every `interval` seconds."""
    sim = Sim()
    owners = [-300_000_000 - n for n in range(args.sources)]
    groups = [
        owners[i : i + args.per_municipality] for i in range(0, len(owners), args.per_municipality)
    ]
    async with temp_database("mcu_bench_poll") as url:
        engine = make_engine(url, pool_size=5)
        sm = make_sessionmaker(engine)
        settings = Settings.model_validate(
            {
                "MCU_ENV": "test",
                "DATABASE_URL": url,
                "VK_SERVICE_TOKEN": TOKEN,
                "MCU_VK_WALL_PER_SECOND": args.budget,
                "MCU_MONITOR_SECONDS": interval,
            }
        )
        rt = Runtime(engine, sm, sim, settings)
        for n, owners_of in enumerate(groups):
            async with sm() as s:
                await check_apply_setup(s, text=setup_yaml(n, owners_of), clock=sim)
        emu = VkApiEmulator(clock=lambda: sim.t, wall_clock=sim.unix)
        await emu.start()
        emu.limits.service_per_second = args.vk_limit
        emu.service_token(TOKEN)
        world = World(emu, sim, arrivals(owners, args.per_hour, minutes, args.seed))
        for owner in owners:  # each wall has a past: its first read backfills it
            for k in range(OLD_POSTS):
                date = int((START - timedelta(hours=OLD_POSTS - k)).timestamp())
                world.posts.setdefault(owner, []).append(
                    emu.post(owner, "Старая запись", date=date).id
                )
        gap, last = 1.0 / args.budget, [-1e9]

        async def pace(chat: str | None) -> None:
            sim.t = max(sim.t, last[0] + gap)  # the call waits its turn in the budget
            last[0] = sim.t
            world.catch_up()

        client = VkClient(TOKEN, api_base=emu.api_base, timeout=30, pace=pace)
        rt.wall_poller = WallPoller(sm=sm, client=client, clock=sim)
        cycles: list[tuple[float, float]] = []  # (began, took) of each check that polled
        t0, end = time.monotonic(), minutes * 60
        try:
            while sim.t < end:
                began = sim.t
                world.catch_up()
                requests_before = sum(emu.stats.requests.values())
                await poll_monitoring(rt)
                if sum(emu.stats.requests.values()) > requests_before:
                    cycles.append((began, sim.t - began))
                sim.t = max(sim.t, began + CHECK_SECONDS)
            world.catch_up()  # what was written by the end and not read is the backlog
            real = time.monotonic() - t0
            async with sm() as s:
                rows = (await s.exec(select(SocialPost))).all()
        finally:
            client.close()
            await emu.stop()
            await engine.dispose()
    return summarize(interval, minutes, world, rows, cycles, real, args)


def summarize(
    interval: float,
    minutes: float,
    world: World,
    rows: list[SocialPost],
    cycles: list[tuple[float, float]],
    real: float,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The figures of one variant."""
    end = minutes * 60
    stored = {(r.owner_id, r.post_id, r.comment_id): r for r in rows}
    lags, unread, stale = [], 0, 0
    for a in world.shown:
        row = stored.get(a.key) if a.key else None
        if row is None:
            unread += 1
            stale += a.at < end - 2 * interval  # older than two turns: not keeping up
            continue
        lags.append((row.created_at - row.posted_at).total_seconds())
    st = world.emu.stats
    calls = sum(st.requests.values())
    emulated = max(world.sim.t, end)
    took = [c[1] for c in cycles[1:]] or [0.0]  # the first one backfills every wall
    return {
        "interval_s": interval,
        "minutes": minutes,
        "written": len(world.shown),
        "stored": len(lags),
        "candidates": sum(r.status == "candidate" for r in rows),
        "requests": dict(st.requests),
        "requests_per_s": round(calls / emulated, 2),
        "peak_requests_in_1s": st.peak_per_second(),
        "budget_per_s": args.budget,
        "vk_limit_per_s": args.vk_limit,
        "errors": {str(k): v for k, v in st.errors.items()},
        "lag_median_s": round(percentile(lags, 50), 1) if lags else None,
        "lag_p99_s": round(percentile(lags, 99), 1) if lags else None,
        "cycles": len(cycles),
        "cycle_median_s": round(percentile(took, 50), 1),
        "cycle_max_s": round(max(took), 1),
        "backlog_at_end": unread,
        "backlog_older_than_two_intervals": stale,
        "keeps_up": stale == 0 and max(took) <= interval,
        "real_seconds": round(real, 1),
        "real_ms_per_request": round(1000 * real / max(calls, 1), 2),
    }


def report(figures: dict[str, Any]) -> list[str]:
    lines = [
        f"{figures['sources']} walls × {figures['per_hour']} posts and comments an hour, "
        "one poller; budget "
        f"{figures['budget']} requests/s (VK: {figures['vk_limit']} for a service key)",
        f"{'':28}"
        + "".join(
            f"{'every ' + str(int(v['interval_s'])) + ' s':>16}" for v in figures["variants"]
        ),
    ]
    rows = [
        ("emulated minutes", "minutes"),
        ("written", "written"),
        ("stored (read and scored)", "stored"),
        ("of them candidates", "candidates"),
        ("requests/s used", "requests_per_s"),
        ("peak requests in 1 s", "peak_requests_in_1s"),
        ("lag median, s", "lag_median_s"),
        ("lag p99, s", "lag_p99_s"),
        ("poll cycle median, s", "cycle_median_s"),
        ("poll cycle max, s", "cycle_max_s"),
        ("backlog at end", "backlog_at_end"),
        ("  older than 2 intervals", "backlog_older_than_two_intervals"),
        ("keeps up", "keeps_up"),
        ("VK errors", "errors"),
        ("real s (our CPU, HTTP)", "real_seconds"),
    ]
    for label, key in rows:
        lines.append(f"{label:28}" + "".join(f"{v[key]!s:>16}" for v in figures["variants"]))
    ours, naive = figures["variants"]
    if ours["requests_per_s"]:
        lines.append(
            f"the naive poll spends {naive['requests_per_s'] / ours['requests_per_s']:.1f}× the "
            f"requests for a median lag {ours['lag_median_s'] / max(naive['lag_median_s'] or 1, 1):.1f}× shorter"
        )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sources", type=int, default=200)
    p.add_argument("--per-municipality", type=int, default=20, help="walls per setup")
    p.add_argument("--per-hour", type=int, default=50, help="posts and comments a wall an hour")
    p.add_argument("--minutes", type=float, default=60.0, help="emulated minutes, first variant")
    p.add_argument(
        "--naive-minutes",
        type=float,
        default=20.0,
        help="emulated minutes of the naive variant (it spends its whole budget: shorter keeps "
        "the bench under three minutes; its figures are rates and lags, not totals)",
    )
    p.add_argument("--budget", type=float, default=4.5, help="MCU_VK_WALL_PER_SECOND")
    p.add_argument("--vk-limit", type=int, default=5, help="the emulator's limit per second")
    p.add_argument("--intervals", type=float, nargs=2, default=[300.0, 60.0])
    p.add_argument("--seed", type=int, default=12)
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.monotonic()
    variants = []
    for interval, minutes in zip(args.intervals, (args.minutes, args.naive_minutes), strict=True):
        print(f"poll every {interval:g} s, {minutes:g} emulated minutes …", flush=True)
        variants.append(await run_variant(args, interval, minutes))
    return {
        "sources": args.sources,
        "per_hour": args.per_hour,
        "budget": args.budget,
        "vk_limit": args.vk_limit,
        "variants": variants,
        "seconds": round(time.monotonic() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run both variants, print them side by side, write bench/out/incidents_poll.json."""
    figures = asyncio.run(run(parse_args(argv)))
    print_report(
        "incidents_poll", {"poll": figures, "seconds": figures["seconds"]}, [("poll", report)]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
