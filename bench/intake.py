"""Intake bench: saved updates claimed by chat, against the Bot API emulator, on a fresh
Postgres database migrated by Alembic; the bot runs as separate OS processes
(bench/intake_bot.py), as `mcu bot` would.

    python -m bench.intake [--burst 20] [--burst-seconds 7] [--others 50]
                           [--think 1.5] [--chats 300] [--per-chat 4] [--rounds 3]
                           [--concurrency 16] [--serial-too] [--only latency|throughput]

Figure 1 - latency under Telegram's real limits (the emulator: 30 msg/s per bot, 1 msg/s per
private chat; the bot paced as deployed): one citizen bursts `--burst` full report dialogs
(«📝 Сообщить о проблеме», sector, text, «Готово ➡️», village, «✅ Отправить»: 6 updates each,
sent over `--burst-seconds` without waiting for replies) while `--others` citizens each run a
short dialog (/start → consent → «ℹ️ Помощь»), waiting for each reply and reading it for
`--think` seconds (under a second, Telegram's one message a second per chat is what they
wait for). Printed: p50/p99 time from an other citizen's update to the bot's reply; goal
p99 ≤ 2 s. One bot process, polling. `--serial-too` runs the same with one chat worker (the
old serial loop's behaviour) after it.
Figure 2 - updates processed per second with pacing off, many chats: batches of `--chats` ×
`--per-chat` message updates saved into the inbox at once, handled by one bot process, then by
two (the second one paused with SIGSTOP while the first runs alone), alternating for
`--rounds`; with the real bot (its routers; «ℹ️ Помощь» replied to the emulator) and with one
trivial handler (the database path alone). Baseline, same run, same updates: aiogram's own
`Update.model_validate` + `dp.feed_update` with a trivial handler, in this process, no
database. Goal: two processes ≥ 1.6× one. Each run also tells where the CPU went (the bot
processes, the Postgres backends of the bench database, this process with the emulator), and
so how far two processes can go on this machine at all.
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.intake_bot import trivial_dispatcher
from bench.loader import apply_test_setup
from bench.support import Progress, percentile, temp_database, write_json
from bench.telegram import machine_ticks, process_cpu_s
from models import Channel
from models.db import make_engine, make_sessionmaker
from tests.bot.emulator import BotApiEmulator, UserHandle
from workflows.core.clock import SystemClock
from workflows.intake.inbox import get_chat_key

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-intake-token"
BURST_USER, OTHER0, LOAD0 = 7_000_000, 7_100_000, 7_200_000
LATENCY_GOAL_S, SCALE_GOAL = 2.0, 1.6
HELP = "ℹ️ Помощь"
# Twenty different problems: the bot asks before registering one much like an open one.
PROBLEMS = (
    "Не горит фонарь на улице Ленина",
    "Яма на дороге у школы",
    "Прорвало трубу в подвале",
    "Нет отопления в квартирах",
    "Мусор не вывозят неделю",
    "Сломана скамейка в парке",
    "Упало дерево на провода",
    "Затопило подъезд",
    "Бродячие собаки возле садика",
    "Светофор на перекрёстке выключен",
    "Открытый люк посреди тротуара",
    "Сосульки свисают с крыши магазина",
    "Разбита остановка автобуса",
    "Нет электричества вторые сутки",
    "Снег не убирают с площади",
    "Течёт колонка на углу",
    "Обрушился забор стадиона",
    "Горит свалка за рекой",
    "Маршрутка утром не ходит",
    "Разрушен мост через овраг",
)


# --- bot processes -----------------------------------------------------------------------------


def bot_env(db_url: str, emu: BotApiEmulator, **extra: str) -> dict[str, str]:
    """A bot process's environment: ours, less any MCU/Telegram/Redis setting, plus these."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MCU_", "TELEGRAM_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DATABASE_URL=db_url,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE=emu.base_url,
        MCU_ENV="test",
        MCU_WEEKLY_NOTE="false",
        **extra,
    )
    return env


@contextlib.asynccontextmanager
async def bot_processes(
    n: int, env: dict[str, str], logdir: Path, *, handler: str, poll: bool
) -> AsyncIterator[list["subprocess.Popen[bytes]"]]:
    """Start `n` bot processes (the first one polls if asked); wait until each is ready."""
    procs, logs = [], []
    for i in range(n):
        log = logdir / f"bot-{handler}-{i}-{time.monotonic_ns()}.log"
        cmd = [sys.executable, "-m", "bench.intake_bot", "--handler", handler]
        cmd += ["--poll"] if poll and i == 0 else []
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
        logs.append(log)
    try:
        deadline = time.monotonic() + 120
        while not all("ready" in log.read_text(errors="replace") for log in logs):
            for proc, log in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"bot exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("bot processes did not start")
            await asyncio.sleep(0.2)
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
        for proc in procs:
            try:
                await asyncio.to_thread(proc.wait, 20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.asynccontextmanager
async def emulator(*, limits: bool) -> AsyncIterator[BotApiEmulator]:
    """The Bot API emulator, with Telegram's limits or without any."""
    kw: dict[str, Any] = (
        {} if limits else {"bot_per_second": None, "private_chat_burst": None}
    ) | {"group_per_minute": None}
    emu = BotApiEmulator(**kw)
    await emu.start()
    emu.add_bot(TOKEN, username="mcu_bench_bot")
    try:
        yield emu
    finally:
        await emu.stop()


# --- figure 1: latency ---------------------------------------------------------------------------


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def reply(emu: BotApiEmulator, user: UserHandle, needle: str, after: int) -> dict[str, Any]:
    """The first bot message in the chat after message `after` that contains `needle`."""

    def found() -> dict[str, Any] | None:
        return next(
            (m for m in user.bot_messages() if m["message_id"] > after and needle in text_of(m)),
            None,
        )

    return await emu.wait_until(found, 300)


async def timed_step(
    emu: BotApiEmulator, user: UserHandle, send: Any, needle: str
) -> tuple[dict[str, Any], float]:
    """Send (a coroutine factory), then wait for the reply; (reply, seconds it took)."""
    after = user.chat.last_id()
    t0 = time.monotonic()
    await send()
    message = await reply(emu, user, needle, after)
    return message, time.monotonic() - t0


async def learn_report(emu: BotApiEmulator, user: UserHandle) -> dict[str, dict[str, Any]]:
    """Consent and one report by waiting for each step: the messages whose buttons the burst
    then presses blindly."""
    seen: dict[str, dict[str, Any]] = {}
    greeting, _ = await timed_step(emu, user, user.start, "Здравствуйте")
    await timed_step(emu, user, lambda: user.press(greeting, "✅ Согласен(на)"), "Согласие")
    seen["sector"], _ = await timed_step(
        emu, user, lambda: user.tap("📝 Сообщить о проблеме"), "О чём ваше сообщение"
    )
    await timed_step(emu, user, lambda: user.press(seen["sector"], "ЖКХ"), "Опишите проблему")
    seen["done"], _ = await timed_step(
        emu, user, lambda: user.send_text("Нет воды во дворе"), "Записал"
    )
    seen["place"], _ = await timed_step(
        emu, user, lambda: user.press(seen["done"], "Готово ➡️"), "Где это?"
    )
    seen["send"], _ = await timed_step(
        emu, user, lambda: user.press(seen["place"], "село Тестовое"), "Проверьте"
    )
    await timed_step(
        emu, user, lambda: user.press(seen["send"], "✅ Отправить"), "зарегистрировано"
    )
    return seen


async def burst(user: UserHandle, seen: dict[str, dict[str, Any]], n: int, seconds: float) -> int:
    """`n` full report dialogs without waiting for a reply, spread over `seconds`."""
    steps: list[Any] = []
    for k in range(n):
        steps += [  # the menu button's text (the emulator's keyboard lags behind a blind burst)
            lambda: user.send_text("📝 Сообщить о проблеме"),
            lambda: user.press(seen["sector"], "ЖКХ"),
            lambda k=k: user.send_text(PROBLEMS[k % len(PROBLEMS)]),
            lambda: user.press(seen["done"], "Готово ➡️"),
            lambda: user.press(seen["place"], "село Тестовое"),
            lambda: user.press(seen["send"], "✅ Отправить"),
        ]
    gap = seconds / len(steps)
    t0 = time.monotonic()
    for i, step in enumerate(steps):
        await step()
        await asyncio.sleep(max(0.0, t0 + (i + 1) * gap - time.monotonic()))
    return len(steps)


STEPS = ("/start", "consent", "«Помощь»")


async def short_dialog(
    emu: BotApiEmulator, user: UserHandle, delay: float, think: float
) -> list[float]:
    """/start → consent → «Помощь», each step after its reply and `think` seconds (a person
    reading; under 1 s Telegram's own limit of a message a second per chat adds the rest)."""
    await asyncio.sleep(delay)
    greeting, a = await timed_step(emu, user, user.start, "Здравствуйте")
    await asyncio.sleep(think)
    _, b = await timed_step(emu, user, lambda: user.press(greeting, "✅ Согласен(на)"), "Согласие")
    await asyncio.sleep(think)
    _, c = await timed_step(emu, user, lambda: user.tap(HELP), "Что умеет бот")
    return [a, b, c]


async def inbox_times(url: str, chats: list[str]) -> dict[str, float]:
    """For these chats' updates, from the inbox's own stamps: saved → handled (the reply
    sent), p50 and p99 in seconds."""
    sql = (
        "SELECT extract(epoch FROM processed_at - received_at) AS handled FROM inbox"
        " WHERE chat_key = ANY($1::text[])"
    )
    conn = await asyncpg.connect(url)
    try:
        for _ in range(100):  # the last replies are out; their outcomes are being recorded
            rows = await conn.fetch(sql, chats)
            if all(r["handled"] is not None for r in rows):
                break
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    handled = [float(r["handled"]) for r in rows if r["handled"] is not None]
    return {
        "saved_to_handled_p50_s": round(percentile(handled, 50), 3),
        "saved_to_handled_p99_s": round(percentile(handled, 99), 3),
    }


async def latency_run(
    url: str, args: argparse.Namespace, logdir: Path, progress: Progress, *, workers: int
) -> dict[str, Any]:
    """Figure 1 with `workers` chat workers in the one bot process."""
    async with emulator(limits=True) as emu:
        env = bot_env(
            url,
            emu,
            MCU_INBOX_CONCURRENCY=str(workers),
            MCU_MAX_REPORTS_PER_HOUR="1000",  # every burst report is registered, not refused
        )
        async with bot_processes(1, env, logdir, handler="bot", poll=True):
            citizen = emu.user(BURST_USER + workers, first_name="Житель")
            seen = await learn_report(emu, citizen)
            progress(f"  {workers} worker(s): the burst citizen consented and filed one report")
            before = len(citizen.bot_messages())
            others = [emu.user(OTHER0 + 1000 * workers + i) for i in range(args.others)]
            t0 = time.monotonic()
            sending = asyncio.create_task(burst(citizen, seen, args.burst, args.burst_seconds))
            spread = args.burst_seconds / max(args.others, 1)
            dialogs = await asyncio.gather(
                *(short_dialog(emu, u, i * spread, args.think) for i, u in enumerate(others))
            )
            sent = await sending
            span = time.monotonic() - t0
            inbox = await inbox_times(url, [str(u.id) for u in others])
            burst_replies = len(citizen.bot_messages()) - before
            registered = sum("зарегистрировано" in text_of(m) for m in citizen.bot_messages()) - 1
            stats = emu.stats
    lat = sorted(x for d in dialogs for x in d)
    per_step = {
        step: {
            "p50_s": round(percentile([d[i] for d in dialogs], 50), 3),
            "p99_s": round(percentile([d[i] for d in dialogs], 99), 3),
        }
        for i, step in enumerate(STEPS)
    }
    figures = {
        "workers": workers,
        "others": args.others,
        "samples": len(lat),
        "p50_s": round(percentile(lat, 50), 3),
        "p99_s": round(percentile(lat, 99), 3),
        "max_s": round(lat[-1], 3),
        "mean_s": round(statistics.fmean(lat), 3),
        "span_s": round(span, 1),
        "burst_updates_sent": sent,
        "burst_replies_meanwhile": burst_replies,
        "burst_registered_meanwhile": registered,
        "too_many_requests": stats.too_many_requests,
        "per_step": per_step,
        "inbox": inbox,
        "think_s": args.think,
        "met": percentile(lat, 99) <= LATENCY_GOAL_S,
    }
    progress(
        f"  {workers} worker(s): others p50 {figures['p50_s']} s, p99 {figures['p99_s']} s,"
        f" max {figures['max_s']} s over {len(lat)} replies in {figures['span_s']} s; the burst"
        f" chat got {burst_replies} replies meanwhile ({registered} reports registered)"
    )
    return figures


# --- figure 2: throughput ------------------------------------------------------------------------


def message_update(update_id: int, uid: int, text: str) -> dict[str, Any]:
    """A private-chat text message update as Telegram sends it."""
    user = {"id": uid, "is_bot": False, "first_name": "Житель", "language_code": "ru"}
    chat = {"id": uid, "type": "private", "first_name": "Житель"}
    message = {"message_id": update_id, "from": user, "chat": chat, "date": int(time.time())}
    return {"update_id": update_id, "message": message | {"text": text}}


def batch(first_id: int, chats: int, per_chat: int) -> list[dict[str, Any]]:
    """`per_chat` «Помощь» messages from each of `chats` citizens, interleaved by chat."""
    return [
        message_update(first_id + i * chats + c, LOAD0 + c, HELP)
        for i in range(per_chat)
        for c in range(chats)
    ]


async def save_batch(url: str, updates: list[dict[str, Any]]) -> float:
    """Save a batch into the inbox in one COPY (as intake would have, row by row); the wall
    time of its commit."""
    now = datetime.now(UTC)
    rows = [
        (
            "telegram",
            str(u["update_id"]),
            get_chat_key(channel=Channel.telegram, payload=u),
            json.dumps(u, ensure_ascii=False),
            now,
            0,
        )
        for u in updates
    ]
    conn = await asyncpg.connect(url)
    try:
        columns = ["channel", "update_id", "chat_key", "payload", "received_at", "claims"]
        await conn.copy_records_to_table("inbox", records=rows, columns=columns)
        return time.time()
    finally:
        await conn.close()


async def drained(url: str, lo: int, hi: int, timeout: float = 300) -> tuple[float, int]:
    """Wait until the inbox is empty (a look at the unprocessed rows' index only); then the
    wall time of the last update of [lo, hi] processed, and how many of them failed."""
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout
        while await conn.fetchval("SELECT 1 FROM inbox WHERE processed_at IS NULL LIMIT 1"):
            if time.monotonic() > deadline:
                raise RuntimeError("updates left unprocessed")
            await asyncio.sleep(0.05)
        last, failed = await conn.fetchrow(
            "SELECT max(processed_at), count(*) FILTER (WHERE error IS NOT NULL)"
            " FROM inbox WHERE update_id::bigint BETWEEN $1 AND $2",
            lo,
            hi,
        )
        return last.timestamp(), failed
    finally:
        await conn.close()


async def baseline_rate(updates: list[dict[str, Any]]) -> float:
    """aiogram alone: validate and feed each update to a trivial handler, no database."""
    from aiogram import Bot
    from aiogram.types import Update

    bot = Bot(TOKEN)
    dp = trivial_dispatcher()
    t0 = time.perf_counter()
    for u in updates:
        await dp.feed_update(bot, Update.model_validate(u, context={"bot": bot}))
    rate = len(updates) / (time.perf_counter() - t0)
    await bot.session.close()
    return rate


async def throughput_kind(
    url: str, args: argparse.Namespace, logdir: Path, progress: Progress, handler: str
) -> dict[str, Any]:
    """Alternate one and two processes over fresh batches; medians of updates/s."""
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    async with emulator(limits=False) as emu:
        for c in range(args.chats):
            emu.user(LOAD0 + c, first_name="Житель", started=True)
        env = bot_env(
            url,
            emu,
            MCU_TELEGRAM_CHAT_INTERVAL="0",
            MCU_TELEGRAM_PER_SECOND="1000",
            MCU_INBOX_CONCURRENCY=str(args.concurrency),
        )
        async with bot_processes(2, env, logdir, handler=handler, poll=False) as procs:
            await save_and_drain(url, procs, batch(next_ids(), 50, 2))  # warm-up, both
            for r in range(args.rounds):
                for n in (1, 2):
                    if n == 1:
                        procs[1].send_signal(signal.SIGSTOP)  # idle: it holds no claim
                    run = await save_and_drain(
                        url, procs[:n], batch(next_ids(), args.chats, args.per_chat)
                    )
                    if n == 1:
                        procs[1].send_signal(signal.SIGCONT)
                    runs[n].append(run)
                    progress(
                        f"  {handler}: round {r + 1}/{args.rounds}, {n} process(es):"
                        f" {run['rate']:.0f} updates/s ({run['updates']} in {run['seconds']} s,"
                        f" {run['failed']} failed); CPU µs/update: bot {run['bot_cpu_us']},"
                        f" Postgres {run['postgres_cpu_us']}, bench+emulator {run['bench_cpu_us']};"
                        f" machine {run['machine_busy_pct']}% busy"
                    )
            replies = emu.stats.sends
    med = {n: statistics.median(r["rate"] for r in rs) for n, rs in runs.items()}
    # What one process's run keeps busy (bot, Postgres, emulator): the machine has room for
    # cpu_count / that, if nothing else ran on it.
    used = statistics.median(
        r["rate"] * (r["bot_cpu_us"] + r["postgres_cpu_us"] + r["bench_cpu_us"]) / 1e6
        for r in runs[1]
    )
    cores = os.cpu_count() or 1
    return {
        "cores_used_by_one": round(used, 2),
        "scale_ceiling": round(min(2.0, cores / used), 2),
        "cpu_us_per_update": {
            n: {
                k: round(statistics.median(r[f"{k}_cpu_us"] for r in rs))
                for k in ("bot", "postgres", "bench")
            }
            for n, rs in runs.items()
        },
        "handler": handler,
        "runs": runs,
        "rate_1": round(med[1], 1),
        "rate_2": round(med[2], 1),
        "scale": round(med[2] / med[1], 2),
        "replies_sent": replies,
        "met": med[2] / med[1] >= SCALE_GOAL,
    }


_NEXT_ID = [10_000_000]


def next_ids() -> int:
    """A fresh range of update ids for the next batch."""
    _NEXT_ID[0] += 1_000_000
    return _NEXT_ID[0]


async def save_and_drain(
    url: str, procs: list["subprocess.Popen[bytes]"], updates: list[dict[str, Any]]
) -> dict[str, Any]:
    """Save a batch, wake the processes, wait until it is processed; the run's figures."""
    lo, hi = updates[0]["update_id"], updates[-1]["update_id"]
    database = url.rsplit("/", 1)[1]
    cpu0, (busy0, idle0) = cpu_by_part(procs, database), machine_ticks()
    committed = await save_batch(url, updates)
    for p in procs:
        p.send_signal(signal.SIGUSR1)
    last, failed = await drained(url, lo, hi)
    cpu1, (busy1, idle1) = cpu_by_part(procs, database), machine_ticks()
    seconds = last - committed
    us = {k: round(1e6 * (cpu1[k] - cpu0.get(k, 0.0)) / len(updates)) for k in cpu1}
    return {
        "updates": len(updates),
        "seconds": round(seconds, 2),
        "rate": len(updates) / seconds,
        "failed": failed,
        "bot_cpu_us": us["bot"],
        "postgres_cpu_us": us["postgres"],
        "bench_cpu_us": us["bench"],
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(busy1 - busy0 + idle1 - idle0, 1)),
    }


def cpu_by_part(procs: list["subprocess.Popen[bytes]"], database: str) -> dict[str, float]:
    """CPU seconds so far of the bot processes, of the Postgres backends serving this
    database, and of this process (the emulator and the load): where the machine's time goes."""
    backends = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            if database in (proc / "cmdline").read_bytes().decode(errors="replace"):
                backends += process_cpu_s(int(proc.name))
    return {
        "bot": sum(process_cpu_s(p.pid) for p in procs),
        "postgres": backends,
        "bench": process_cpu_s(os.getpid()),
    }


async def throughput_bench(
    url: str, args: argparse.Namespace, logdir: Path, progress: Progress
) -> dict[str, Any]:
    """Figure 2: the baseline, then the trivial handler and the real bot, 1 vs 2 processes."""
    sample = batch(1, args.chats, args.per_chat)
    base = statistics.median([await baseline_rate(sample) for _ in range(3)])
    progress(f"  baseline: aiogram feed_update, trivial handler: {base:.0f} updates/s")
    kinds = {h: await throughput_kind(url, args, logdir, progress, h) for h in ("trivial", "bot")}
    return {"baseline": round(base, 1), "chats": args.chats, "per_chat": args.per_chat} | kinds


# --- report --------------------------------------------------------------------------------------


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(f: dict[str, Any]) -> list[str]:
    """The figures as text."""
    lines = ["", "=== intake bench ==="]
    for lat in f.get("latency", []):
        lines += [
            f"Figure 1 - latency, Telegram's limits on (30/s per bot, 1/s per chat), one bot"
            f" process with {lat['workers']} chat worker(s): one citizen bursts"
            f" {f['args']['burst']} reports ({lat['burst_updates_sent']} updates in"
            f" {f['args']['burst_seconds']:g} s, not waiting) while {lat['others']} others run"
            f" /start → consent → «Помощь», reading {lat['think_s']:g} s before each step",
            f"  others' update → reply: p50 {lat['p50_s']} s, p99 {lat['p99_s']} s, max"
            f" {lat['max_s']} s, mean {lat['mean_s']} s ({lat['samples']} replies):"
            f" goal p99 ≤ {LATENCY_GOAL_S:g} s {met(lat['met'])}",
            "  by step (p50 / p99 s): "
            + ", ".join(f"{k} {v['p50_s']} / {v['p99_s']}" for k, v in lat["per_step"].items())
            + f"; in the bot, saved → handled (reply sent): p50"
            f" {lat['inbox']['saved_to_handled_p50_s']} s, p99"
            f" {lat['inbox']['saved_to_handled_p99_s']} s",
            f"  meanwhile ({lat['span_s']} s) the burst chat got {lat['burst_replies_meanwhile']}"
            f" replies (≤ 1/s: Telegram's limit per chat), {lat['burst_registered_meanwhile']}"
            f" reports registered; 429s: {lat['too_many_requests']}",
        ]
    t = f.get("throughput")
    if t:
        base = t["baseline"]
        lines += [
            f"Figure 2 - updates processed per second, pacing off, batches of {t['chats']} chats"
            f" × {t['per_chat']} updates saved at once (medians of {f['args']['rounds']}"
            " alternating rounds)",
            f"  {'':52}{'updates/s':>10}{'× baseline':>12}",
            f"  {'aiogram Update.model_validate + feed_update, trivial':52}{base:>10.0f}"
            f"{1.0:>12.2f}",
        ]
        labels = {"trivial": "trivial handler", "bot": "real bot («Помощь» replied)"}
        for h in ("trivial", "bot"):
            k = t[h]
            for n in (1, 2):
                rate = k[f"rate_{n}"]
                label = f"inbox → {labels[h]}, {n} process{'es' if n == 2 else ''}"
                lines.append(f"  {label:52}{rate:>10.0f}{rate / base:>12.2f}")
            cpu = k["cpu_us_per_update"][1]
            lines.append(
                f"    two processes / one = {k['scale']}×: goal ≥ {SCALE_GOAL} {met(k['met'])};"
                f" one process's run kept {k['cores_used_by_one']} of {os.cpu_count()} cores"
                f" busy (CPU µs/update: bot {cpu['bot']}, Postgres {cpu['postgres']},"
                f" emulator {cpu['bench']}), so this machine allows at most"
                f" {k['scale_ceiling']}× even when nothing else runs on it"
            )
    lines.append(f"total {f['seconds']} s; figures in {f['path']}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.intake",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--only", choices=("latency", "throughput"), help="run one figure only")
    p.add_argument("--burst", type=int, default=20, help="reports in the burst")
    p.add_argument("--burst-seconds", type=float, default=7.0, help="the burst's length")
    p.add_argument("--others", type=int, default=50, help="citizens with a short dialog")
    p.add_argument("--think", type=float, default=1.5, help="others' pause before each step")
    p.add_argument("--serial-too", action="store_true", help="figure 1 with one worker too")
    p.add_argument("--chats", type=int, default=300, help="figure 2: chats per batch")
    p.add_argument("--per-chat", type=int, default=4, help="figure 2: updates per chat")
    p.add_argument("--rounds", type=int, default=3, help="figure 2: alternating rounds")
    p.add_argument("--concurrency", type=int, default=16, help="chat workers per process")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """A fresh database per figure (migrated by Alembic, the test setup applied)."""
    progress = Progress()
    figures: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(),
        "args": vars(args),
        "load_average_at_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="mcu_bench_intake_") as tmp:
        logdir = Path(tmp)
        if args.only in (None, "latency"):
            figures["latency"] = []
            for workers in (args.concurrency, 1) if args.serial_too else (args.concurrency,):
                async with fresh_database(progress) as url:
                    figures["latency"].append(
                        await latency_run(url, args, logdir, progress, workers=workers)
                    )
        if args.only in (None, "throughput"):
            async with fresh_database(progress) as url:
                figures["throughput"] = await throughput_bench(url, args, logdir, progress)
    figures["seconds"] = round(progress.elapsed, 1)
    return figures


@contextlib.asynccontextmanager
async def fresh_database(progress: Progress) -> AsyncIterator[str]:
    async with temp_database("mcu_bench_intake") as url:
        engine = make_engine(url)
        try:
            await apply_test_setup(make_sessionmaker(engine), SystemClock())
        finally:
            await engine.dispose()
        progress(f"database {url.rsplit('/', 1)[1]} migrated to head, test setup applied")
        yield url


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the report and write bench/out/intake.json."""
    args = parse_args(argv)
    figures = asyncio.run(run(args))
    figures["path"] = str(write_json("intake", figures))
    print("\n".join(line.rstrip() for line in report(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
