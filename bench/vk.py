"""VK bench: notices against VK's 20 requests a second, and Callback intake against a bare
insert endpoint, side by side in one run (about a minute).

    python -m bench.vk [--only notices|callback] [--notices 400] [--vk-per-second X]
                       [--vk-latency S] [--emulator-in-process]
                       [--events 2000] [--rounds 3] [--connections 64]
                       [--telegram-too]

Figure 1 - notices: N citizens who wrote in VK, each with an item and its «taken» notice (one
message each) queued; `mcu run`'s in-process jobs deliver them through the real Sender, VkPort
and vk_api client (the community's pacing, MCU_VK_PER_SECOND, default 19/s) to the VK API
emulator, which refuses a 21st request in any sliding second of a token with error 6. The rate
is messages the emulator created per second in the steady window (from 1 s after the first
message to the last); ratio = that ÷ 20. Goal: ratio ≥ 0.9 with no error 6. The emulator runs
in its own process, as VK is another machine (with --emulator-in-process it shares our event
loop and GIL, and stamps a request late whenever they are busy); --vk-latency makes it answer
each call that much later (VK's own time and the way back).
Figure 2 - Callback intake: the product's API (`create_app`, the environment's community with
its secret and confirmation code) under uvicorn, POST /vk/callback/<group id> with resident's
message_new events, each with its own event_id; beside it bench.telegram's yardstick, a bare
FastAPI + asyncpg endpoint inserting one row per Telegram update. Each gets the same number of
requests from the same Python load generator (in this process) at the same concurrency, in
interleaved rounds (VK, bare, VK, …) against the two servers started once (uvicorn, 1 worker
each, on plain asyncio and h11); medians. Printed: requests/s and the ratio VK ÷ bare, p50/p99
latency, CPU per request of the server, of the Postgres backends and of the load generator
(which shares the 2 cores, so the requests/s ratio is pulled towards 1; the server CPU ratio is
not), and whether every event is in the inbox exactly once (counted afterwards). With --telegram-too the same API server's
Telegram webhook gets the same load too, as a column of its own (bench.telegram's goal for it:
≥ 0.5 of the bare endpoint).
"""

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from bench.loader import apply_test_setup
from bench.support import Progress, print_report, temp_database
from bench.vk_callback import LABELS, callback_bench
from bench.vk_notices import BUDGET, GOAL, notices_bench
from models.db import make_engine, make_sessionmaker
from workflows.core.clock import SystemClock


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report_notices(f: dict[str, Any]) -> list[str]:
    """Figure 1 as text."""
    return [
        f"Figure 1 - notices: {f['notices']} «taken» notices to {f['notices']} VK citizens"
        f" through Sender + VkPort + vk_api (pacing {f['pacing_per_s']:g}/s) to the emulator"
        f" in {f['emulator']} (limit {f['limit_per_s']}/s per token in any sliding second,"
        f" answer latency {f['latency_s']:g} s)",
        f"  delivered: {f['sends']}/{f['notices']} messages in {f['span_s']} s (first to last;"
        f" {f['all_per_s']}/s); steady window (1 s after the first message to the last,"
        f" {f['steady_s']} s): {f['steady_per_s']}/s",
        f"  ratio to the {BUDGET:g}/s budget: {f['ratio']}; error 6: {f['error_6']};"
        f" all errors: {f['errors'] or 'none'}; dedupes by random_id: {f['deduped']}",
        f"  most in any sliding second: {f['peak_sends_in_1s']} messages,"
        f" {f['peak_requests_in_1s']} requests; smallest gap between two messages"
        f" {f.get('min_gap_ms', '-')} ms; requests {f['requests']}; outbox after: {f['outbox']}",
        f"  {verdict(f['met'])}: goal ratio ≥ {GOAL} with zero error 6"
        + ("" if f["complete"] else " (NOT every notice was delivered)"),
    ]


def report_callback(f: dict[str, Any]) -> list[str]:
    """Figure 2 as text."""
    m = f["medians"]
    lines = [
        f"Figure 2 - Callback intake: {f['rounds']} interleaved rounds, {f['events']:,}"
        f" requests each, {f['connections']} connections, Python load generator; medians",
        f"  {'':32}" + "".join(f"{LABELS[k]:>16}" for k in m),
    ]
    rows: list[tuple[str, Any]] = [
        ("requests/s (median)", lambda k: f"{m[k]['rate']:.1f}"),
        ("runs", lambda k: "/".join(f"{r:.0f}" for r in m[k]["rates"])),
        ("latency p50 / p99 (ms)", lambda k: f"{m[k]['p50_ms']:.0f} / {m[k]['p99_ms']:.0f}"),
        ("server CPU (µs/request)", lambda k: str(m[k]["server_cpu_us"])),
        ("Postgres CPU (µs/request)", lambda k: str(m[k]["postgres_cpu_us"])),
        ("load generator CPU (µs/request)", lambda k: str(m[k]["load_cpu_us"])),
        ("machine busy (%)", lambda k: str(m[k]["machine_busy_pct"])),
        ("body (bytes)", lambda k: str(m[k]["body_bytes"])),
        ("every event saved once", lambda k: "yes" if m[k]["saved_once"] else "NO"),
        ("lost (sent − saved)", lambda k: str(m[k]["lost"])),
    ]
    for label, cell in rows:
        lines.append(f"  {label:32}" + "".join(f"{cell(k):>16}" for k in m))
    for k, ratio in f["ratio"].items():
        lines.append(
            f"  ratio {LABELS[k]} / bare = {ratio} in requests/s,"
            f" {f['server_cpu_ratio'][k]} in server CPU per request (bare ÷ {LABELS[k]})"
        )
    lines += [
        "  "
        + (
            "every event acknowledged was saved in the inbox exactly once"
            if f["all_saved_once"]
            else "EVENTS LOST OR SAVED TWICE: see the runs in the JSON"
        ),
    ]
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.vk",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--only", choices=("notices", "callback"), help="run one figure only")
    p.add_argument("--notices", type=int, default=400, help="figure 1: notices (and citizens)")
    p.add_argument("--vk-per-second", type=float, help="MCU_VK_PER_SECOND (default: as set)")
    p.add_argument("--vk-latency", type=float, default=0.0, help="emulator's answer delay, s")
    p.add_argument("--emulator-in-process", action="store_true", help="figure 1: emulator here")
    p.add_argument("--events", type=int, default=2000, help="figure 2: requests per run")
    p.add_argument("--rounds", type=int, default=3, help="figure 2: interleaved rounds")
    p.add_argument("--connections", type=int, default=64, help="figure 2: concurrent clients")
    p.add_argument(
        "--telegram-too", action="store_true", help="figure 2: the API's Telegram webhook too"
    )
    return p.parse_args(argv)


@contextlib.asynccontextmanager
async def fresh_database(progress: Progress) -> AsyncIterator[str]:
    """A database migrated to head by Alembic (bench.support), the test setup applied."""
    async with temp_database("mcu_bench_vk") as url:
        engine = make_engine(url)
        try:
            await apply_test_setup(make_sessionmaker(engine), SystemClock())
        finally:
            await engine.dispose()
        progress(f"database {url.rsplit('/', 1)[1]} migrated to head, test setup applied")
        yield url


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """A fresh database per figure."""
    progress = Progress()
    figures: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(),
        "args": vars(args),
        "load_average_at_start": os.getloadavg(),
    }
    if args.only in (None, "notices"):
        async with temp_database("mcu_bench_vk") as url:  # the figure applies the setup itself
            progress(f"database {url.rsplit('/', 1)[1]} migrated to head")
            figures["notices"] = await notices_bench(url, args, progress)
    if args.only in (None, "callback"):
        async with fresh_database(progress) as url:
            figures["callback"] = await callback_bench(url, args, progress)
    figures["seconds"] = round(progress.elapsed, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the report and write bench/out/vk.json."""
    args = parse_args(argv)
    figures = asyncio.run(run(args))
    print_report("vk", figures, [("notices", report_notices), ("callback", report_callback)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
