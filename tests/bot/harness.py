"""The whole system around the emulator: the real bot (polling or webhook), the in-process
timers and sender, the database; helpers to wait for what people see."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from api.app import create_app
from bot.telegram.runner import attach_port, build_dispatcher, dispatch_loop, make_bot, poll
from models import Channel, Staff
from models.db import make_sessionmaker
from models.settings import Settings
from tests.bot.emulator import BotApiEmulator
from tests.bot.people import UserHandle
from tests.forbidden import secret
from workflows.core.clock import ShiftedClock
from workflows.jobs.loop import run_in_process
from workflows.jobs.runtime import Runtime
from workflows.outbox.ports import ConsolePort
from workflows.staff.invites import check_create_invite

TOKEN = secret("123456:TEST-token-for-the-emulator", "токен бота Telegram")
SECRET = secret("webhook-secret-for-tests", "секрет вебхука Telegram")


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


@dataclass
class System:
    emu: BotApiEmulator
    rt: Runtime
    clock: ShiftedClock
    webhook_url: str | None = None
    marks: dict[int, int] = field(default_factory=dict)

    def user(self, uid: int, name: str = "Житель") -> UserHandle:
        return self.emu.user(uid, first_name=name)

    async def expect(self, user: UserHandle, needle: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first bot message after the last one expected that contains `needle`."""
        mark = self.marks.get(user.id, 0)

        def found() -> dict[str, Any] | None:
            return next(
                (m for m in user.bot_messages() if m["message_id"] > mark and needle in text_of(m)),
                None,
            )

        try:
            message = await self.emu.wait_until(found, timeout)
        except TimeoutError as e:
            seen = [text_of(m)[:80] for m in user.bot_messages()[-5:]]
            raise AssertionError(f"{user.id} не получил «{needle}»; последние: {seen}") from e
        self.marks[user.id] = message["message_id"]
        return message

    async def edited(
        self, user: UserHandle, message_id: int, needle: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Wait until a message already shown to the user reads `needle` (edited in place)."""
        return await self.emu.wait_until(
            lambda: (m := user.message(message_id)) and needle in text_of(m) and m, timeout
        )

    async def staff_user(self, code: str, uid: int) -> UserHandle:
        """A staff member who joined through their invite link."""
        async with self.rt.sm() as s:
            staff = (await s.exec(select(Staff).where(Staff.code == code))).one()
            invite = await check_create_invite(s, staff_id=staff.id or 0, now=self.clock.now())
        secret(invite, "приглашение сотрудника")
        user = self.user(uid, code)
        await user.start(payload=invite)
        await self.expect(user, "подключены")
        return user

    async def citizen(self, uid: int, user: UserHandle | None = None) -> UserHandle:
        """A citizen who started the bot and consented (`user`: one made with its own profile)."""
        user = user or self.user(uid)
        await user.start()
        greeting = await self.expect(user, "Здравствуйте")
        await user.press(greeting, "✅ Согласен(на)")
        await self.expect(user, "Согласие получено")
        return user

    async def begin_report(self, user: UserHandle, sector: str = "ЖКХ") -> None:
        """From the menu to «Опишите проблему» in a sector."""
        await user.tap("📝 Сообщить о проблеме")
        topics = await self.expect(user, "О чём ваше сообщение")
        await user.press(topics, sector)
        await self.expect(user, "Опишите проблему")


@contextlib.asynccontextmanager
async def running_system(
    engine: AsyncEngine,
    *,
    start: datetime | None = None,
    limits: bool = False,
    webhook: bool = False,
    **settings: Any,
) -> AsyncIterator[System]:
    """Emulator + bot + timers + sender, as `mcu run` composes them: polling, or the API's
    webhook (served by uvicorn on loopback) when `webhook` is set."""
    emu_kwargs: dict[str, Any] = (
        {}
        if limits
        else {"bot_per_second": None, "private_chat_burst": None, "group_per_minute": None}
    )
    emu = BotApiEmulator(**emu_kwargs)
    await emu.start()
    emu.add_bot(TOKEN, username="mcu_test_bot")
    config = Settings.model_validate(
        {
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": emu.base_url,
            "MCU_ENV": "test",
            "MCU_POLL_SECONDS": 0.2,
            "MCU_TELEGRAM_CHAT_INTERVAL": 1.0 if limits else 0.0,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "MCU_WEEKLY_NOTE": False,  # tests of the note turn it on
            **settings,
        }
    )
    clock = ShiftedClock(start or datetime(2025, 12, 2, 7, 0, tzinfo=UTC))
    rt = Runtime(engine, make_sessionmaker(engine), clock, config, {Channel.console: ConsolePort()})
    bot = make_bot(rt)
    attach_port(rt, bot)
    dp = build_dispatcher(rt)
    stop, wake = asyncio.Event(), asyncio.Event()
    tasks = [
        asyncio.create_task(run_in_process(rt, stop=stop)),
        asyncio.create_task(dispatch_loop(rt, bot, dp, stop=stop, wake=wake)),
    ]
    async with contextlib.AsyncExitStack() as stack:
        if webhook:
            app = create_app(rt)
            app.state.inbox_wake = wake
            base = await stack.enter_async_context(serve(app))
            await bot.set_webhook(f"{base}/telegram/webhook", secret_token=SECRET)
            system = System(emu, rt, clock, webhook_url=f"{base}/telegram/webhook")
        else:
            tasks.append(asyncio.create_task(poll(rt, bot, stop=stop, wake=wake)))
            system = System(emu, rt, clock)
        try:
            yield system
        finally:
            stop.set()
            await emu.stop()  # ends the long poll
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await bot.session.close()


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Run an ASGI app under uvicorn on a free loopback port; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
