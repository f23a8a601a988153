"""`bench.vk` figure 2: VK Callback API intake, the product's `/vk/callback/<group id>` under
uvicorn, beside bench.telegram's bare FastAPI + asyncpg insert endpoint, both fed the same
number of requests by the same load generator at the same concurrency, in interleaved rounds."""

import argparse
import contextlib
import json
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench import telegram_serve
from bench.intake import cpu_by_part
from bench.support import Progress
from bench.telegram import (
    BARE,
    REAL,
    Contender,
    Server,
    count_saved,
    machine_ticks,
    saved_once,
    served,
)
from bench.telegram import SECRET as TG_SECRET
from bench.telegram_load import FIRST_NAMES, SECRET_HEADER, TEXTS, LoadResult, post_load
from bench.telegram_load import update_body as telegram_body
from tests.bot.vk.vk_state import CLIENT_INFO

GROUP = 229_000_555
SECRET = "bench-callback-secret-5d2e"
DATE = 1_764_662_400  # 2 Dec 2025, a working morning
RUN_SPAN = 10_000_000  # run k's event numbers: [(k + 1) * RUN_SPAN, …); warm-up at +WARMUP_AT
WARMUP_AT, WARMUP_N = 5_000_000, 300
VK_ENV = {
    "VK_TOKEN": "vk1.a.bench-callback-community",
    "VK_GROUP_ID": str(GROUP),
    "VK_CALLBACK_URL": "https://mcu.example/vk/callback",
    "VK_CALLBACK_SECRET": SECRET,
    "VK_CONFIRMATION": "b3nch0k1",
}
LABELS = {"vk": "VK Callback", "telegram": "TG webhook", "bare": "bare asyncpg"}


def vk_event(n: int) -> dict[str, Any]:
    """A resident's text message as VK's Callback API posts it (API 5.199, the emulator's
    message and client_info shapes), with its own event_id."""
    uid = 610_000_000 + n % 5_000
    message = {
        "date": DATE,
        "from_id": uid,
        "id": n % 1_000_000 + 1,
        "out": 0,
        "version": 1,
        "attachments": [],
        "conversation_message_id": n % 100_000 + 1,
        "fwd_messages": [],
        "important": False,
        "is_hidden": False,
        "peer_id": uid,
        "random_id": 0,
        "text": f"{FIRST_NAMES[n % len(FIRST_NAMES)]}: {TEXTS[n % len(TEXTS)]}",
    }
    return {
        "group_id": GROUP,
        "type": "message_new",
        "event_id": f"{n:040x}",  # VK's are 40 hex digits too
        "v": "5.199",
        "object": {"message": message, "client_info": CLIENT_INFO},
        "secret": SECRET,
    }


def vk_body(n: int) -> bytes:
    return json.dumps(vk_event(n), ensure_ascii=False).encode()


async def count_vk_saved(db_url: str, lo: int, hi: int) -> int:
    """Inbox rows of this community's events numbered [lo, hi) (their ids sort as numbers)."""
    conn = await asyncpg.connect(db_url)
    try:
        n: int = await conn.fetchval(
            "SELECT count(*) FROM inbox WHERE channel = 'vk' AND update_id >= $1"
            " AND update_id < $2",
            f"{GROUP}:{lo:040x}",
            f"{GROUP}:{hi:040x}",
        )
        return n
    finally:
        await conn.close()


@dataclass(frozen=True)
class Load:
    """What one column of the figure is: the server (bench.telegram_serve's app), the path
    posted to, the body of request n, the headers."""

    who: Contender
    path: str
    body: Callable[[int], bytes]
    headers: dict[str, str]


JSON = {"Content-Type": "application/json"}
LOADS = {
    "vk": Load(REAL, f"/vk/callback/{GROUP}", vk_body, JSON),
    # --telegram-too: the same product server's Telegram webhook, as bench.telegram loads it
    "telegram": Load(REAL, "/telegram/webhook", telegram_body, JSON | {SECRET_HEADER: TG_SECRET}),
    # the yardstick exactly as bench.telegram posts to it: its path, a Telegram update a body
    "bare": Load(BARE, "/telegram/webhook", telegram_body, JSON),
}


async def one_run(
    key: str, server: Server, run: int, db_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Warm the contender's server up, post args.events requests, count its rows."""
    load_of = LOADS[key]
    lo, hi = (run + 1) * RUN_SPAN, (run + 1) * RUN_SPAN + args.events
    url = server.base + load_of.path
    common: dict[str, Any] = {
        "body": load_of.body,
        "headers": load_of.headers,
        "connections": args.connections,
    }
    warm = await post_load(url, first_id=lo + WARMUP_AT, total=WARMUP_N, **common)
    if warm.ok != WARMUP_N:
        raise RuntimeError(f"{key}: warm-up refused ({warm}); see {server.log}")
    database = db_url.rsplit("/", 1)[1]
    cpu0, (busy0, idle0) = cpu_by_part([server.proc], database), machine_ticks()
    load: LoadResult = await post_load(url, first_id=lo, total=args.events, **common)
    cpu1, (busy1, idle1) = cpu_by_part([server.proc], database), machine_ticks()
    us = {k: round(1e6 * (cpu1[k] - cpu0[k]) / max(load.ok, 1)) for k in cpu1}
    busy, idle = busy1 - busy0, idle1 - idle0
    if key == "vk":
        saved = await count_vk_saved(db_url, lo, hi)
    else:
        saved = await count_saved(db_url, load_of.who, lo, hi)
    return {
        "contender": key,
        "run": run,
        "rate": round(load.rate, 1),
        "sent": load.generated,
        "ok": load.ok,
        "failed": load.failed,
        "seconds": round(load.seconds, 3),
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "saved": saved,
        "saved_once": saved_once(load, saved) and saved == args.events,
        "server_cpu_us": us["bot"],
        "postgres_cpu_us": us["postgres"],
        "load_cpu_us": us["bench"],
        "machine_busy_pct": round(100 * busy / max(busy + idle, 1)),
        "body_bytes": len(load_of.body(lo)),
    }


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each column's median over its runs."""
    out = {}
    for key in LABELS:
        mine = [r for r in runs if r["contender"] == key]
        if not mine:
            continue
        out[key] = {
            "rate": round(statistics.median(r["rate"] for r in mine), 1),
            "rates": [r["rate"] for r in mine],
            "p50_ms": round(statistics.median(r["p50_ms"] or 0 for r in mine), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] or 0 for r in mine), 1),
            "server_cpu_us": round(statistics.median(r["server_cpu_us"] for r in mine)),
            "postgres_cpu_us": round(statistics.median(r["postgres_cpu_us"] for r in mine)),
            "load_cpu_us": round(statistics.median(r["load_cpu_us"] for r in mine)),
            "machine_busy_pct": round(statistics.median(r["machine_busy_pct"] for r in mine)),
            "saved_once": all(r["saved_once"] for r in mine),
            "lost": sum(r["sent"] - r["saved"] for r in mine),
            "body_bytes": mine[0]["body_bytes"],
        }
    return out


async def callback_bench(url: str, args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Figure 2: interleaved rounds (VK, [Telegram,] bare, VK, …), medians and the ratios."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(telegram_serve.BARE_DDL)
    finally:
        await conn.close()
    keys = [k for k in LABELS if k != "telegram" or args.telegram_too]
    progress(
        f"figure 2: {args.rounds} rounds × {len(keys)} loads × {args.events:,} requests,"
        f" {args.connections} connections, Python load generator;"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcu_bench_vk_") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            started: dict[Contender, Server] = {}
            for who in dict.fromkeys(LOADS[k].who for k in keys):
                started[who] = await stack.enter_async_context(
                    served(who, url, Path(tmp), env=VK_ENV)
                )
            servers = {k: started[LOADS[k].who] for k in keys}
            progress("  servers up (uvicorn, 1 worker each), taking turns under the load")
            for r in range(args.rounds):
                for key, server in servers.items():
                    run = await one_run(key, server, len(runs), url, args)
                    runs.append(run)
                    progress(
                        f"  round {r + 1}/{args.rounds} {LABELS[key]:>12}: {run['rate']:7.1f}"
                        f" req/s, p50 {run['p50_ms']:.0f} ms, p99 {run['p99_ms']:.0f} ms, CPU"
                        f" µs/request: server {run['server_cpu_us']}, Postgres"
                        f" {run['postgres_cpu_us']}, load generator {run['load_cpu_us']};"
                        f" machine {run['machine_busy_pct']}% busy;"
                        f" {run['ok']:,} acknowledged, {run['saved']:,} saved"
                        f" {'✓' if run['saved_once'] else '✗ NOT ONCE'}"
                    )
    m = medians(runs)
    bare = m["bare"]
    return {
        "events": args.events,
        "connections": args.connections,
        "rounds": args.rounds,
        "runs": runs,
        "medians": m,
        # requests/s ÷ the bare endpoint's; its server CPU per request ÷ theirs
        "ratio": {k: round(v["rate"] / bare["rate"], 3) for k, v in m.items() if k != "bare"},
        "server_cpu_ratio": {
            k: round(bare["server_cpu_us"] / max(v["server_cpu_us"], 1), 3)
            for k, v in m.items()
            if k != "bare"
        },
        "all_saved_once": all(v["saved_once"] for v in m.values()),
    }
