"""Saved updates are handled by chat: two dispatchers on one database (as two processes, and as
two real OS processes) handle every update once, each chat's in order; handlers get the
update's `inbox_key`; a busy chat does not hold up another under Telegram's pacing; an update
whose process was killed mid-way is taken up again when its lease runs out."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.types import Message
from sqlmodel import col, select

from bot.telegram.runner import attach_port, dispatch_loop, make_bot, poll
from models import Channel, Inbox
from models.db import make_sessionmaker
from models.settings import Settings
from tests.bot.emulator import BotApiEmulator
from tests.bot.harness import TOKEN, running_system, text_of
from tests.bot.people import UserHandle
from tests.logscan import watch
from workflows.core.clock import ShiftedClock
from workflows.jobs.runtime import Runtime
from workflows.outbox.ports import ConsolePort

ROOT = Path(__file__).resolve().parents[2]


def replies(user: UserHandle) -> list[str]:
    return [text_of(m) for m in user.bot_messages()]


async def send_all(users: list[UserHandle], per_chat: int) -> None:
    """Each user sends «<uid>:<i>» for i in 0..per_chat-1, interleaved across users."""
    for i in range(per_chat):
        await asyncio.gather(*(u.send_text(f"{u.id}:{i}") for u in users))


def assert_once_in_order(users: list[UserHandle], per_chat: int) -> list[str]:
    """Every chat got one reply per message, in the order sent; returns the replies."""
    every = []
    for u in users:
        texts = replies(u)
        assert [t.split(" | ")[0] for t in texts] == [f"{u.id}:{i}" for i in range(per_chat)], u.id
        every += texts
    return every


def echo_dispatcher(name: str, handled: list[tuple[str, str, str]]) -> Dispatcher:
    """A dispatcher whose one handler records (who, text, inbox_key) and echoes the text."""
    router = Router(name=f"echo-{name}")

    @router.message(F.text)
    async def echo(message: Message, inbox_key: str) -> None:
        await asyncio.sleep(0.05)  # a handler's own work: the queue lasts long enough to share
        handled.append((name, message.text or "", inbox_key))
        await message.answer(f"{message.text} | {inbox_key} | {name}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@contextlib.asynccontextmanager
async def two_dispatchers(
    engine: Any, emu: BotApiEmulator, handled: list[tuple[str, str, str]]
) -> AsyncIterator[None]:
    """Two runtimes, bots and dispatchers on one database, each with its own wake-up, as two
    processes would be; the first also polls."""
    config = Settings.model_validate(
        {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_BASE": emu.base_url, "MCU_ENV": "test"}
    )
    stop = asyncio.Event()
    tasks, bots = [], []
    for name in ("one", "two"):
        clock = ShiftedClock(datetime.now(UTC))
        ports: dict[Channel, Any] = {Channel.console: ConsolePort()}
        rt = Runtime(engine, make_sessionmaker(engine), clock, config, ports)
        bot = make_bot(rt)
        attach_port(rt, bot)
        bots.append(bot)
        wake = asyncio.Event()
        dp = echo_dispatcher(name, handled)
        tasks.append(asyncio.create_task(dispatch_loop(rt, bot, dp, stop=stop, wake=wake)))
        if name == "one":
            tasks.append(asyncio.create_task(poll(rt, bot, stop=stop, wake=wake)))
    try:
        yield
    finally:
        stop.set()
        await emu.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for bot in bots:
            await bot.session.close()


async def test_two_dispatchers_handle_each_update_once_in_chat_order(engine, sm):
    chats, per_chat = 30, 6
    handled: list[tuple[str, str, str]] = []
    emu = BotApiEmulator(bot_per_second=None, private_chat_burst=None, group_per_minute=None)
    await emu.start()
    emu.add_bot(TOKEN, username="mcu_test_bot")
    users = [emu.user(6000 + i, first_name="Житель", started=True) for i in range(chats)]
    async with two_dispatchers(engine, emu, handled):
        await send_all(users, per_chat)
        await emu.wait_until(lambda: len(handled) >= chats * per_chat, 60)
        await emu.wait_until(lambda: all(len(u.bot_messages()) >= per_chat for u in users), 10)
        await asyncio.sleep(0.5)  # a second handling would show up by now
    assert_once_in_order(users, per_chat)
    assert len(handled) == chats * per_chat
    by = Counter(who for who, _, _ in handled)
    assert by["one"] and by["two"], by  # both "processes" took part
    async with sm() as s:
        rows = {r.update_id: r for r in await s.exec(select(Inbox))}
    # The handler saw the saved update's identity.
    assert sorted(key for _, _, key in handled) == sorted(f"telegram:{u}" for u in rows)
    assert all(r.processed_at and r.error is None and r.claims == 1 for r in rows.values())


async def test_a_busy_chat_does_not_delay_another(engine, sm, muni):
    # Telegram's limits on, paced as deployed (1.05 s a chat: arrivals jitter).
    async with running_system(engine, limits=True, MCU_TELEGRAM_CHAT_INTERVAL=1.05) as sys_:
        busy, other = sys_.user(5101), sys_.user(5102)
        for _ in range(10):
            await busy.send_text("/help")  # ten replies to one chat: ≥ 9 s at 1 s a message
        await asyncio.sleep(0.3)  # all ten saved before the other chat writes
        await other.send_text("/help")
        await sys_.expect(other, "Что умеет бот", timeout=5)
        assert len(busy.bot_messages()) < 5  # the other chat did not queue behind the busy one
        await sys_.emu.wait_until(lambda: len(busy.bot_messages()) == 10, 20)
        assert sys_.emu.stats.too_many_requests == 0  # and Telegram's pacing was kept


# --- two real processes ---------------------------------------------------------------------


def start_proc(
    db_url: str, emu: BotApiEmulator, log: Path, *, poll_: bool, **env: str
) -> "subprocess.Popen[bytes]":
    """`python -m tests.bot.inbox_proc` against the database and the emulator."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MCU_", "TELEGRAM_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    environ.update(
        DATABASE_URL=db_url,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE=emu.base_url,
        MCU_ENV="test",
        MCU_TELEGRAM_CHAT_INTERVAL="0",
        MCU_WEEKLY_NOTE="false",
        INBOX_PROC_POLL="1" if poll_ else "0",
        **env,
    )
    out = watch(log).open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bot.inbox_proc"],
        cwd=ROOT,
        env=environ,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    return proc


async def wait_log(log: Path, needle: str, timeout: float = 30.0) -> None:
    for _ in range(int(timeout * 10)):
        if log.exists() and needle in log.read_text(errors="replace"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no «{needle}» in {log}: {log.read_text(errors='replace')[-2000:]}")


async def wait_processed(sm: Any, position: int, timeout: float = 10.0) -> None:
    """Wait until the update saved `position`-th (from 0) is handled (a handled row keeps no
    payload to find it by)."""
    for _ in range(int(timeout * 20)):
        async with sm() as s:
            rows = list(await s.exec(select(Inbox).order_by(col(Inbox.id))))
        if len(rows) > position and rows[position].processed_at is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {position} not processed")


def end(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.asynccontextmanager
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(bot_per_second=None, private_chat_burst=None, group_per_minute=None)
    await emu.start()
    emu.add_bot(TOKEN, username="mcu_test_bot")
    try:
        yield emu
    finally:
        await emu.stop()


async def test_two_os_processes_handle_each_update_once_in_chat_order(pg_database, sm, tmp_path):
    chats, per_chat = 20, 5
    async with emulator() as emu:
        users = [emu.user(6100 + i, first_name="Житель", started=True) for i in range(chats)]
        logs = [tmp_path / "one.log", tmp_path / "two.log"]
        procs = [
            start_proc(pg_database, emu, logs[0], poll_=True),
            start_proc(pg_database, emu, logs[1], poll_=False),
        ]
        try:
            for log in logs:
                await wait_log(log, "ready")
            await send_all(users, per_chat)
            await emu.wait_until(lambda: all(len(u.bot_messages()) >= per_chat for u in users), 60)
            await asyncio.sleep(1.0)  # a second handling would show up by now
        finally:
            for proc in procs:
                end(proc)
    every = assert_once_in_order(users, per_chat)
    pids = Counter(t.rsplit(" | ", 1)[1] for t in every)
    assert set(pids) == {str(p.pid) for p in procs}, pids  # both processes took part
    async with sm() as s:
        rows = list(await s.exec(select(Inbox)))
    assert len(rows) == chats * per_chat
    assert all(r.processed_at and r.error is None and r.claims == 1 for r in rows)


async def test_an_update_of_a_killed_process_is_taken_up_again(pg_database, sm, tmp_path):
    lease = {"MCU_INBOX_LEASE_SECONDS": "2"}
    async with emulator() as emu:
        citizen, other = emu.user(6201, started=True), emu.user(6202, started=True)
        log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
        doomed = start_proc(pg_database, emu, log_a, poll_=True, INBOX_PROC_HANG="hang", **lease)
        try:
            await wait_log(log_a, "ready")
            await citizen.send_text("hang")
            await citizen.send_text("after")  # waits behind "hang": same chat
            await other.send_text("free")  # another chat goes on meanwhile
            await wait_log(log_a, "hanging on telegram:")
            await emu.wait_until(lambda: other.bot_messages(), 10)
            # Killed after "free" was recorded: one killed between its reply and the record
            # would have it handled again (at least once; `inbox_key` is for that).
            await wait_processed(sm, 2)  # "free", saved third
            assert citizen.bot_messages() == []
            doomed.send_signal(signal.SIGKILL)  # kill -9 mid-update: nothing is given back
            doomed.wait(10)
        finally:
            end(doomed)
        heir = start_proc(pg_database, emu, log_b, poll_=True, **lease)
        try:
            await wait_log(log_b, "ready")
            await emu.wait_until(lambda: len(citizen.bot_messages()) >= 2, 20)
        finally:
            end(heir)
    assert [t.split(" | ")[0] for t in replies(citizen)] == ["hang", "after"]
    assert replies(citizen)[0].endswith(f" | {heir.pid}")
    async with sm() as s:
        saved = list(await s.exec(select(Inbox).order_by(col(Inbox.id))))
    rows = dict(zip(("hang", "after", "free"), saved, strict=True))
    assert all(r.payload == {} and r.chat_key is None for r in saved)  # handled: nothing kept
    assert rows["hang"].claims == 2 and rows["hang"].error is None
    assert rows["after"].claims == 1 and rows["free"].claims == 1
