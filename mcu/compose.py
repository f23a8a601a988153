"""The composition root: which channels a process runs, wired to the domain's runtime — the
environment's Telegram bot, the bots the setups name, the VK communities, and the reader of the
watched walls (the VK service token)."""

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiogram import Bot

from bot.loops import sleep_or_stop
from bot.registry import REFRESH
from bot.telegram.fleet import Fleet
from bot.telegram.runner import attach_port, build_dispatcher, dispatch_loop, make_bot, poll
from bot.vk import runner as vk_runner
from bot.vk.community import Communities, make_service_client
from bot.vk.transport import VkClient
from integrations.email.port import attach_email
from integrations.vk_wall import WallPoller
from integrations.vk_wall.publisher import VkWallPort
from integrations.vk_wall.sources import WallClient
from workflows.jobs.runtime import RUNTIME_HOOKS, Runtime

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]


@dataclass
class Channels:
    """A runtime's bots: the environment's Telegram bot, the setups' Telegram bots, the VK
    communities (the latter two looked up from the database when needed)."""

    bot: Bot | None
    fleet: Fleet
    communities: Communities
    service: VkClient | None = None  # reads the watched walls (VK_SERVICE_TOKEN)

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
        await self.fleet.close()
        self.communities.close()
        if self.service is not None:
            self.service.close()


CHANNELS: dict[int, Channels] = {}


def attach_channels(rt: Runtime) -> Channels:
    """Deliver the runtime's notices through its bots."""
    bot = make_bot(rt) if rt.settings.telegram_token is not None else None
    channels = Channels(bot, Fleet(rt), Communities(rt))
    attach_port(rt, bot, channels.fleet)
    vk_runner.attach_port(rt, channels.communities)
    channels.service = attach_monitoring(rt)
    attach_email(rt)
    rt.wall = VkWallPort(partial(community_of, rt, channels.communities))
    return channels


def attach_monitoring(rt: Runtime) -> VkClient | None:
    """The `monitor` job reads walls with the service token; without one it stays off (and
    `mcu health` says why)."""
    token = rt.settings.vk_service_token
    if token is None:
        return None
    client = make_service_client(rt, token.get_secret_value())
    rt.wall_poller = WallPoller(sm=rt.sm, client=client, clock=rt.clock)
    return client


async def community_of(
    rt: Runtime, communities: Communities, municipality_id: int
) -> tuple[WallClient, int] | None:
    """The community that serves the municipality (never another's: it would speak for it)."""
    for c in await communities.all():
        if municipality_id in await c.municipalities(rt):
            return c.api, c.group_id
    return None


def install_channels() -> None:
    """Every runtime made from now on delivers notices through the deployment's bots."""

    def hook(rt: Runtime) -> None:
        CHANNELS[id(rt)] = attach_channels(rt)

    if hook not in RUNTIME_HOOKS:
        RUNTIME_HOOKS.append(hook)


async def channel_tasks(
    rt: Runtime,
    channels: Channels | None = None,
    *,
    stop: asyncio.Event,
    wake: asyncio.Event,
    vk_wake: asyncio.Event,
    watch: bool = False,
) -> list[asyncio.Task[None]]:
    """Every bot's loops — intake (polling, Long Poll, or the API's webhooks) and the inbox
    processors — under one task that looks again every 30 s and starts the bots a setup
    named since. Empty when the deployment names no bot (unless `watch`: `mcu run` waits for
    a setup to name one)."""
    ch = channels or CHANNELS.get(id(rt))
    if ch is None:
        return []
    intake = Intake(rt, ch, stop=stop, wake=wake, vk_wake=vk_wake)
    await intake.look()
    if not intake.children and not watch:
        return []
    return [asyncio.create_task(intake.run())]


class Intake:
    """The loops of a process's bots, started as the bots appear; stopped together."""

    def __init__(
        self,
        rt: Runtime,
        ch: Channels,
        *,
        stop: asyncio.Event,
        wake: asyncio.Event,
        vk_wake: asyncio.Event,
    ) -> None:
        self.rt, self.ch, self.stop, self.wake, self.vk_wake = rt, ch, stop, wake, vk_wake
        self.children: list[asyncio.Task[None]] = []
        self.started: set[str] = set()

    def _start(self, key: str, loop: Coroutine[Any, Any, None]) -> None:
        self.started.add(key)
        self.children.append(asyncio.create_task(loop))

    async def run(self) -> None:
        try:
            while not self.stop.is_set():
                await sleep_or_stop(self.stop, REFRESH)
                if self.stop.is_set():
                    break
                try:
                    await self.look()
                except Exception as e:  # a bad setup must not stop the bots already running
                    log.error("боты не проверены: %s", type(e).__name__)
        finally:
            await asyncio.gather(*self.children, return_exceptions=True)

    async def look(self) -> None:
        await self._telegram()
        await self._vk()

    async def _telegram(self) -> None:
        rt, ch, stop, wake = self.rt, self.ch, self.stop, self.wake
        extra = [tg for tg in await ch.fleet.all() if tg.key not in self.started]
        if (ch.bot is None or "tg:env" in self.started) and not extra:
            return
        if "tg:dispatch" not in self.started:
            dp = build_dispatcher(rt)
            self._start(
                "tg:dispatch",
                dispatch_loop(rt, ch.bot, dp, stop=stop, wake=wake, fleet=ch.fleet),
            )
        url = rt.settings.telegram_webhook_url
        if ch.bot is not None and "tg:env" not in self.started:
            if not url:
                self._start("tg:env", poll(rt, ch.bot, stop=stop, wake=wake))
                log.info("Telegram: опрос getUpdates (вебхук не задан)")
            else:
                secret = rt.settings.telegram_webhook_secret
                await ch.bot.set_webhook(
                    url,
                    secret_token=secret.get_secret_value() if secret else None,
                    allowed_updates=ALLOWED_UPDATES,
                )
                self.started.add("tg:env")
                log.info("Telegram: вебхук %s", url)
        for tg in extra:
            if not url:
                self._start(tg.key, poll(rt, tg.bot, stop=stop, wake=wake, prefix=tg.prefix))
                log.info("Telegram: бот %s, опрос getUpdates", tg.bot_id)
            elif tg.webhook_secret is None:
                self.started.add(tg.key)  # said once
                log.error("Telegram: у бота %s нет webhook_secret, вебхук не включён", tg.bot_id)
            else:
                own = f"{url.rstrip('/')}/{tg.bot_id}"
                await tg.bot.set_webhook(
                    own, secret_token=tg.webhook_secret, allowed_updates=ALLOWED_UPDATES
                )
                self.started.add(tg.key)
                log.info("Telegram: бот %s, вебхук %s", tg.bot_id, own)

    async def _vk(self) -> None:
        rt, ch, stop, wake = self.rt, self.ch, self.stop, self.vk_wake
        found = [c for c in await ch.communities.all() if f"vk:{c.group_id}" not in self.started]
        if not found:
            return
        if "vk:dispatch" not in self.started:
            self._start(
                "vk:dispatch", vk_runner.dispatch_loop(rt, ch.communities, stop=stop, wake=wake)
            )
        for c in found:
            key = f"vk:{c.group_id}"
            if c.callback:
                self.started.add(key)
                log.info("VK: сообщество %s, Callback API: /vk/callback/%s", c.group_id, c.group_id)
            else:
                self._start(key, vk_runner.long_poll(rt, c, stop=stop, wake=wake))
                log.info("VK: сообщество %s, Bots Long Poll", c.group_id)


async def close_bots() -> None:
    for ch in CHANNELS.values():
        await ch.close()
    CHANNELS.clear()
