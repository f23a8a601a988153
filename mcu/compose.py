"""The composition root: which channels a process runs, wired to the domain's runtime — the
environment's Telegram bot, the bots the setups name, and the VK communities."""

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot

from bot.telegram.fleet import Fleet
from bot.telegram.runner import attach_port, build_dispatcher, dispatch_loop, make_bot, poll
from bot.vk import runner as vk_runner
from bot.vk.community import Communities
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

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
        await self.fleet.close()
        self.communities.close()


CHANNELS: dict[int, Channels] = {}


def attach_channels(rt: Runtime) -> Channels:
    """Deliver the runtime's notices through its bots."""
    bot = make_bot(rt) if rt.settings.telegram_token is not None else None
    channels = Channels(bot, Fleet(rt), Communities(rt))
    attach_port(rt, bot, channels.fleet)
    vk_runner.attach_port(rt, channels.communities)
    return channels


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
) -> list[asyncio.Task[None]]:
    """Every bot's loops: intake (polling, Long Poll, or the API's webhooks) and the inbox
    processors. Empty when the deployment names no bot."""
    ch = channels or CHANNELS.get(id(rt))
    if ch is None:
        return []
    return await _telegram(rt, ch, stop=stop, wake=wake) + await _vk(
        rt, ch, stop=stop, wake=vk_wake
    )


async def _telegram(
    rt: Runtime, ch: Channels, *, stop: asyncio.Event, wake: asyncio.Event
) -> list[asyncio.Task[None]]:
    extra = await ch.fleet.all()
    if ch.bot is None and not extra:
        return []
    dp = build_dispatcher(rt)
    tasks = [
        asyncio.create_task(dispatch_loop(rt, ch.bot, dp, stop=stop, wake=wake, fleet=ch.fleet))
    ]
    url = rt.settings.telegram_webhook_url
    if ch.bot is not None:
        if not url:
            tasks.append(asyncio.create_task(poll(rt, ch.bot, stop=stop, wake=wake)))
            log.info("Telegram: опрос getUpdates (вебхук не задан)")
        else:
            secret = rt.settings.telegram_webhook_secret
            await ch.bot.set_webhook(
                url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("Telegram: вебхук %s", url)
    for tg in extra:
        if not url:
            tasks.append(
                asyncio.create_task(poll(rt, tg.bot, stop=stop, wake=wake, prefix=tg.prefix))
            )
            log.info("Telegram: бот %s, опрос getUpdates", tg.bot_id)
        elif tg.webhook_secret is None:
            log.error("Telegram: у бота %s нет webhook_secret, вебхук не включён", tg.bot_id)
        else:
            own = f"{url.rstrip('/')}/{tg.bot_id}"
            await tg.bot.set_webhook(
                own, secret_token=tg.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("Telegram: бот %s, вебхук %s", tg.bot_id, own)
    return tasks


async def _vk(
    rt: Runtime, ch: Channels, *, stop: asyncio.Event, wake: asyncio.Event
) -> list[asyncio.Task[None]]:
    found = await ch.communities.all()
    if not found:
        return []
    tasks = [asyncio.create_task(vk_runner.dispatch_loop(rt, ch.communities, stop=stop, wake=wake))]
    for c in found:
        if c.callback:
            log.info("VK: сообщество %s, Callback API: /vk/callback/%s", c.group_id, c.group_id)
        else:
            tasks.append(asyncio.create_task(vk_runner.long_poll(rt, c, stop=stop, wake=wake)))
            log.info("VK: сообщество %s, Bots Long Poll", c.group_id)
    return tasks


async def close_bots() -> None:
    for ch in CHANNELS.values():
        await ch.close()
    CHANNELS.clear()
