"""The composition root: which channels a process runs, wired to the domain's runtime."""

import asyncio
import logging

from aiogram import Bot

from bot.telegram.fleet import Fleet
from bot.telegram.runner import attach_port, build_dispatcher, dispatch_loop, make_bot, poll
from bot.vk import runner as vk_runner
from bot.vk.community import Communities
from workflows.jobs.runtime import RUNTIME_HOOKS, Runtime

log = logging.getLogger(__name__)
BOTS: dict[int, Bot] = {}
COMMUNITIES: dict[int, Communities] = {}
FLEETS: dict[int, Fleet] = {}


def install_channels() -> None:
    """Every runtime made from now on delivers Telegram notices through the bot, if configured,
    and VK notices through the communities the setups and the environment name."""

    def hook(rt: Runtime) -> None:
        bot = make_bot(rt) if rt.settings.telegram_token is not None else None
        if bot is not None:
            BOTS[id(rt)] = bot
        fleet = FLEETS[id(rt)] = Fleet(rt)
        attach_port(rt, bot, fleet)
        communities = COMMUNITIES[id(rt)] = Communities(rt)
        vk_runner.attach_port(rt, communities)

    if hook not in RUNTIME_HOOKS:
        RUNTIME_HOOKS.append(hook)


async def telegram_tasks(
    rt: Runtime, *, stop: asyncio.Event, wake: asyncio.Event, polling: bool
) -> list[asyncio.Task[None]]:
    """The bots' loops: intake by polling (or the API's webhooks) for the environment's bot
    and every bot the setups name, and one inbox processor for all of them."""
    bot, fleet = BOTS.get(id(rt)), FLEETS.get(id(rt))
    extra = await fleet.all() if fleet is not None else []
    if bot is None and not extra:
        return []
    dp = build_dispatcher(rt)
    tasks = [asyncio.create_task(dispatch_loop(rt, bot, dp, stop=stop, wake=wake, fleet=fleet))]
    url = rt.settings.telegram_webhook_url
    allowed = ["message", "callback_query"]
    if bot is not None:
        if polling:
            tasks.append(asyncio.create_task(poll(rt, bot, stop=stop, wake=wake)))
            log.info("Telegram: опрос getUpdates (вебхук не задан)")
        else:
            secret = rt.settings.telegram_webhook_secret
            await bot.set_webhook(
                str(url),
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=allowed,
            )
            log.info("Telegram: вебхук %s", url)
    for tg in extra:
        if polling:
            tasks.append(
                asyncio.create_task(poll(rt, tg.bot, stop=stop, wake=wake, prefix=tg.prefix))
            )
            log.info("Telegram: бот %s, опрос getUpdates", tg.bot_id)
        elif tg.webhook_secret is None:
            log.error("Telegram: у бота %s нет webhook_secret, вебхук не включён", tg.bot_id)
        else:
            own = f"{str(url).rstrip('/')}/{tg.bot_id}"
            await tg.bot.set_webhook(own, secret_token=tg.webhook_secret, allowed_updates=allowed)
            log.info("Telegram: бот %s, вебхук %s", tg.bot_id, own)
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
    for fleet in FLEETS.values():
        await fleet.close()
    BOTS.clear()
    FLEETS.clear()
