"""The composition root: which channels a process runs, wired to the domain's runtime."""

import asyncio
import logging

from aiogram import Bot

from bot.telegram.runner import attach_port, build_dispatcher, dispatch_loop, make_bot, poll
from bot.vk import runner as vk_runner
from bot.vk.community import Communities
from workflows.jobs.runtime import RUNTIME_HOOKS, Runtime

log = logging.getLogger(__name__)
BOTS: dict[int, Bot] = {}
COMMUNITIES: dict[int, Communities] = {}


def install_channels() -> None:
    """Every runtime made from now on delivers Telegram notices through the bot, if configured,
    and VK notices through the communities the setups and the environment name."""

    def hook(rt: Runtime) -> None:
        if rt.settings.telegram_token is not None:
            bot = make_bot(rt)
            BOTS[id(rt)] = bot
            attach_port(rt, bot)
        communities = COMMUNITIES[id(rt)] = Communities(rt)
        vk_runner.attach_port(rt, communities)

    if hook not in RUNTIME_HOOKS:
        RUNTIME_HOOKS.append(hook)


async def telegram_tasks(
    rt: Runtime, *, stop: asyncio.Event, wake: asyncio.Event, polling: bool
) -> list[asyncio.Task[None]]:
    """The bot's loops: intake by polling (or the API's webhook) and the inbox processor."""
    bot = BOTS.get(id(rt))
    if bot is None:
        return []
    dp = build_dispatcher(rt)
    tasks = [asyncio.create_task(dispatch_loop(rt, bot, dp, stop=stop, wake=wake))]
    if polling:
        tasks.append(asyncio.create_task(poll(rt, bot, stop=stop, wake=wake)))
        log.info("Telegram: опрос getUpdates (вебхук не задан)")
    else:
        secret = rt.settings.telegram_webhook_secret
        await bot.set_webhook(
            str(rt.settings.telegram_webhook_url),
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=["message", "callback_query"],
        )
        log.info("Telegram: вебхук %s", rt.settings.telegram_webhook_url)
    return tasks


async def vk_tasks(
    rt: Runtime, *, stop: asyncio.Event, wake: asyncio.Event
) -> list[asyncio.Task[None]]:
    """The VK loops: the inbox processor, and a long poll for each community that does not
    use the Callback API. None when no community is named."""
    communities = COMMUNITIES.get(id(rt))
    found = await communities.all() if communities is not None else []
    if communities is None or not found:
        return []
    tasks = [asyncio.create_task(vk_runner.dispatch_loop(rt, communities, stop=stop, wake=wake))]
    for c in found:
        if c.callback:
            log.info("VK: сообщество %s, Callback API: /vk/callback/%s", c.group_id, c.group_id)
        else:
            tasks.append(asyncio.create_task(vk_runner.long_poll(rt, c, stop=stop, wake=wake)))
            log.info("VK: сообщество %s, Bots Long Poll", c.group_id)
    return tasks


async def close_bots() -> None:
    for bot in BOTS.values():
        await bot.session.close()
    BOTS.clear()
