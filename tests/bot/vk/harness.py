"""The whole system around both emulators, as `mcu run` composes it: citizens in VK (Bots Long
Poll, or the API's Callback endpoint under uvicorn), staff in Telegram, timers and the sender
in process; helpers to wait for what people see."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from mcu.compose import Channels, attach_channels, channel_tasks
from models import Channel, ChannelCursor
from models.db import make_sessionmaker
from models.settings import Settings
from tests.bot.emulator import BotApiEmulator
from tests.bot.harness import SECRET as TG_SECRET
from tests.bot.harness import TOKEN as TG_TOKEN
from tests.bot.harness import System as TelegramSide
from tests.bot.harness import serve
from tests.bot.vk.emulator import VkApiEmulator
from tests.bot.vk.people import UserHandle
from tests.forbidden import secret
from workflows.core.clock import ShiftedClock
from workflows.jobs.loop import run_in_process
from workflows.jobs.runtime import Runtime
from workflows.outbox.ports import ConsolePort

GROUP = 229000001
VK_TOKEN = secret("vk1.a.community-token-for-tests", "ключ сообщества VK")
VK_SECRET = secret("callback-secret-for-tests", "секрет Callback API VK")
CONFIRMATION = "a1b2c3d4"


@dataclass
class VkSystem:
    tg: TelegramSide
    vk: VkApiEmulator
    rt: Runtime
    channels: Channels
    base_url: str | None = None  # the API, when it is served (Callback API)
    seen: dict[int, set[tuple[int, str]]] = field(default_factory=dict)

    @property
    def clock(self) -> ShiftedClock:
        return self.tg.clock

    def resident(self, uid: int, name: str = "Житель") -> UserHandle:
        return self.vk.user(uid, name)

    async def expect(
        self, user: UserHandle, needle: str, *, group: int = GROUP, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first community message (new, or edited since) containing `needle`."""
        seen = self.seen.setdefault(user.id, set())

        def found() -> dict[str, Any] | None:
            for m in user.messages(group):
                if needle in m["text"] and (m["id"], m["text"]) not in seen:
                    return m
            return None

        try:
            message = await self.vk.wait_until(found, timeout)
        except TimeoutError as e:
            last = [m["text"][:80] for m in user.messages(group)[-5:]]
            raise AssertionError(f"{user.id} не получил «{needle}»; последние: {last}") from e
        seen.update((m["id"], m["text"]) for m in user.messages(group))
        return message

    async def draft(
        self,
        resident: UserHandle,
        text: str,
        *,
        sector: str = "ЖКХ",
        place: str = "село Тестовое",
        group: int = GROUP,
    ) -> dict[str, Any]:
        """The report dialog up to its summary (not sent yet)."""
        await resident.press_text_button(group, None, "📝 Сообщить о проблеме")
        topics = await self.expect(resident, "О чём ваше сообщение", group=group)
        await resident.press_callback_button(group, topics, sector)
        await self.expect(resident, "Опишите проблему", group=group)
        await resident.write(group, text)
        done = await self.expect(resident, "Записал", group=group)
        await resident.press_callback_button(group, done, "Готово ➡️")
        places = await self.expect(resident, "Где это?", group=group)
        await resident.press_callback_button(group, places, place)
        return await self.expect(resident, "Проверьте", group=group)

    async def report(self, resident: UserHandle, text: str, **where: Any) -> str:
        """The whole report dialog; returns the number the resident was given."""
        group = where.get("group", GROUP)
        summary = await self.draft(resident, text, **where)
        await resident.press_callback_button(group, summary, "✅ Отправить")
        registered = await self.expect(resident, "зарегистрировано под номером", group=group)
        return str(registered["text"].split("номером ")[1].split(".")[0])

    async def consented(self, uid: int, *, group: int = GROUP) -> UserHandle:
        """A resident who pressed «Начать» and gave consent."""
        user = self.resident(uid)
        await user.write(group, "Начать", {"command": "start"})
        greeting = await self.expect(user, "Здравствуйте", group=group)
        await user.press_callback_button(group, greeting, "✅ Согласен(на)")
        await self.expect(user, "Согласие получено", group=group)
        return user


@contextlib.asynccontextmanager
async def running_vk(
    engine: AsyncEngine,
    *,
    callback: bool = False,
    telegram: bool = True,
    vk_env: bool = True,
    bots: tuple[str, ...] = (),
    groups: tuple[tuple[int, str], ...] = (),
    start: datetime | None = None,
    emulators: tuple[BotApiEmulator, VkApiEmulator] | None = None,
    **settings: Any,
) -> AsyncIterator[VkSystem]:
    """`telegram`/`vk_env`: the environment names a Telegram bot / a VK community; `bots` and
    `groups` are more bots and communities the emulators know (for setups to name).
    `emulators`: ones made by `vk_emulators` that outlive this system (a restart keeps the
    walls, chats and bots as they were); else they are made and stopped here."""
    own = emulators is None
    tg, vk = emulators or await vk_emulators(bots=bots, groups=groups)
    values: dict[str, Any] = {
        "MCU_ENV": "test",
        "MCU_POLL_SECONDS": 0.2,
        "MCU_TELEGRAM_CHAT_INTERVAL": 0.0,
        "MCU_WEEKLY_NOTE": False,
        "TELEGRAM_API_BASE": tg.base_url,
        "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
        "VK_API_BASE": vk.api_base,
    }
    if vk_env:
        values |= {"VK_TOKEN": VK_TOKEN, "VK_GROUP_ID": GROUP}
    if telegram:
        values["TELEGRAM_TOKEN"] = TG_TOKEN
    if callback:
        values |= {
            "VK_CALLBACK_URL": "http://set-below",
            "VK_CALLBACK_SECRET": VK_SECRET,
            "VK_CONFIRMATION": CONFIRMATION,
        }
    config = Settings.model_validate({**values, **settings})
    clock = ShiftedClock(start or datetime(2025, 12, 2, 7, 0, tzinfo=UTC))
    rt = Runtime(engine, make_sessionmaker(engine), clock, config, {Channel.console: ConsolePort()})
    channels = attach_channels(rt)
    stop, wake, vk_wake = asyncio.Event(), asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(run_in_process(rt, stop=stop))]
    async with contextlib.AsyncExitStack() as stack:
        base = None
        if callback:
            app = create_app(rt)
            app.state.inbox_wake, app.state.vk_wake = wake, vk_wake
            base = await stack.enter_async_context(serve(app))
            vk.set_callback(
                GROUP,
                f"{base}/vk/callback/{GROUP}",
                secret=VK_SECRET,
                confirmation_code=CONFIRMATION,
            )
        tasks += await channel_tasks(rt, channels, stop=stop, wake=wake, vk_wake=vk_wake)
        if not callback:
            for c in await channels.communities.all():
                await listening(rt, c.group_id)
        system = VkSystem(TelegramSide(tg, rt, clock), vk, rt, channels, base)
        try:
            yield system
        finally:
            stop.set()
            if own:
                await vk.stop()  # ends the long poll
                await tg.stop()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await channels.close()


async def vk_emulators(
    *,
    bots: tuple[str, ...] = (),
    groups: tuple[tuple[int, str], ...] = (),
    wall_clock: Callable[[], float] = time.time,
) -> tuple[BotApiEmulator, VkApiEmulator]:
    """Both emulators started, with the test bot and the administration's community;
    `wall_clock` dates what is posted on VK walls (the tests' clock, not the machine's)."""
    tg = BotApiEmulator(bot_per_second=None, private_chat_burst=None, group_per_minute=None)
    await tg.start()
    tg.add_bot(TG_TOKEN, username="mcu_test_bot")
    for token in bots:
        tg.add_bot(secret(token, "токен бота Telegram"), username=f"mcu_bot_{token.split(':')[0]}")
    vk = VkApiEmulator(wall_clock=wall_clock)
    await vk.start()
    vk.add_group(GROUP, VK_TOKEN, "Администрация Тестового округа")
    for group_id, token in groups:
        vk.add_group(group_id, secret(token, "ключ сообщества VK"), f"Сообщество {group_id}")
    return tg, vk


async def listening(rt: Runtime, group_id: int, timeout: float = 10.0) -> None:
    """Wait until the community's long poll holds its cursor (events from then on are read)."""
    for _ in range(int(timeout / 0.02)):
        async with rt.sm() as s:
            if await s.get(ChannelCursor, f"vk:longpoll:{group_id}") is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"long poll of {group_id} did not start")
