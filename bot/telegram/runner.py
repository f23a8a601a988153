"""Running the Telegram bot: the dispatcher, polling or webhook intake into the inbox, the inbox
processor, and the outbox port. Updates are saved before they are acknowledged.

Saved updates are handled by chat workers (workflows/intake/workers.py): a chat's updates one at a
time in arrival order, different chats' in parallel, `MCU_INBOX_CONCURRENCY` workers per process
and any number of processes on one database, each update once. Every handler may take
`inbox_key: str` — `"telegram:<update_id>"`, the saved update's identity — to make its effect
idempotent per update: an update is handled again only if its worker died before recording the
outcome (the lease ran out), and then with the same key."""

import asyncio
import logging
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update
from pydantic import SecretStr

from bot.loops import run_chats, sleep_or_stop, unless_stopped
from bot.telegram import handlers
from bot.telegram.fleet import Fleet, TgBot
from bot.telegram.pacing import PacingMiddleware
from bot.telegram.port import TelegramPort
from models import Channel
from workflows.intake.claims import ClaimedUpdate
from workflows.intake.inbox import do_save_update, get_last_update_id
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
ALLOWED_UPDATES = ["message", "callback_query"]


def make_bot(rt: Runtime, *, token: SecretStr | None = None, budget: str = Channel.telegram) -> Bot:
    """A Bot for the configured server (the public Bot API, or a local one in tests): the
    environment's TELEGRAM_TOKEN bot, or a setup's bot with its own pacing budget."""
    token = token or rt.settings.telegram_token
    if token is None:
        raise RuntimeError("TELEGRAM_TOKEN не задан")
    session = AiohttpSession(api=TelegramAPIServer.from_base(rt.settings.telegram_api_base))
    session.middleware(PacingMiddleware(rt, budget))
    return Bot(
        token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode="HTML")
    )


def build_dispatcher(rt: Runtime) -> Dispatcher:
    """One router: every message and press goes to the conversation core (its state is ours,
    in the database, so aiogram's own FSM storage stays unused)."""
    dp = Dispatcher(rt=rt)
    dp.include_router(handlers.build(rt))
    return dp


async def acknowledge(bot: Bot, updates: list[Update]) -> None:
    """Answer button presses as soon as they are saved: Telegram's answer window is seconds,
    and the press may wait behind its chat's earlier updates. What the press leads to (or why
    it is refused) comes after, as messages."""
    ids = [u.callback_query.id for u in updates if u.callback_query is not None]
    results = await asyncio.gather(
        *(bot.answer_callback_query(i) for i in ids), return_exceptions=True
    )
    for r in results:
        if isinstance(r, Exception):
            log.warning("нажатие не подтверждено: %s", type(r).__name__)


def attach_port(rt: Runtime, bot: Bot | None, fleet: "Fleet | None" = None) -> None:
    """Send the outbox's Telegram notices through this bot (and the setups' bots, each for its
    municipalities), and fetch Telegram files with it (a staff photo another channel sends on)."""
    rt.ports[Channel.telegram] = TelegramPort(bot, rt, fleet)
    if bot is None:
        return

    async def fetch(file_id: str) -> bytes:
        content = await bot.download(file_id)
        if content is None:
            raise LookupError("Telegram не отдал файл")
        return bytes(content.read())

    rt.fetchers[Channel.telegram] = fetch


def inbox_key(update_id: str) -> str:
    """The identity handlers get for an update (`inbox_key` in their data)."""
    return f"telegram:{update_id}"


async def feed_saved(
    bot: Bot, dp: Dispatcher, claimed: ClaimedUpdate, tg_bot: "TgBot | None" = None
) -> None:
    """Hand one saved update to aiogram, with its identity (and its bot, when a setup's) for
    the handlers."""
    update = Update.model_validate(claimed.payload, context={"bot": bot})
    await dp.feed_update(bot, update, inbox_key=inbox_key(claimed.update_id), tg_bot=tg_bot)


async def save_update(rt: Runtime, payload: dict[str, Any], prefix: str = "") -> bool:
    """Save one raw update; False if it was a redelivery. A setup's bot prefixes its ids."""
    return await do_save_update(
        rt.engine,
        channel=Channel.telegram,
        update_id=f"{prefix}{payload['update_id']}",
        payload=payload,
        now=rt.clock.now(),
    )


async def poll(
    rt: Runtime, bot: Bot, *, stop: asyncio.Event, wake: asyncio.Event, prefix: str = ""
) -> None:
    """Long polling: the offset moves past an update only after it is saved."""
    await bot.delete_webhook(drop_pending_updates=False)
    async with rt.sm() as s:
        last = await get_last_update_id(s, channel=Channel.telegram, prefix=prefix)
    offset = last + 1 if last is not None else None
    while not stop.is_set():
        try:
            updates = await unless_stopped(
                bot.get_updates(offset=offset, timeout=20, allowed_updates=ALLOWED_UPDATES), stop
            )
            if updates is None:
                return  # asked to stop during the long poll: nothing was fetched
        except Exception:
            log.exception("getUpdates failed")
            await sleep_or_stop(stop, 3)
            continue
        for u in updates:
            payload = u.model_dump(mode="json", exclude_none=True, by_alias=True)
            await save_update(rt, payload, prefix)
            offset = u.update_id + 1
        if updates:
            wake.set()
            await acknowledge(bot, updates)


async def dispatch_loop(
    rt: Runtime,
    bot: Bot | None,
    dp: Dispatcher,
    *,
    stop: asyncio.Event,
    wake: asyncio.Event,
    concurrency: int | None = None,
    fleet: "Fleet | None" = None,
) -> None:
    """Process the inbox by chat until `stop`: woken by intake, and looking every second for
    what other processes saved. A failing update is recorded with its error and skipped.
    An update saved as "<bot id>:<update id>" is a setup's bot's, handled with that bot."""

    async def handle(claimed: ClaimedUpdate) -> None:
        head, sep, _ = claimed.update_id.partition(":")
        if sep:
            tg = await fleet.by_id(int(head)) if fleet is not None and head.isdigit() else None
            if tg is None:
                raise LookupError(f"бот {head} больше не обслуживается этим процессом")
            await feed_saved(tg.bot, dp, claimed, tg)
        elif bot is not None:
            await feed_saved(bot, dp, claimed)
        else:
            raise LookupError(
                "TELEGRAM_TOKEN не задан: обновление бота из окружения некому обработать"
            )

    await run_chats(rt, Channel.telegram, handle, stop=stop, wake=wake, concurrency=concurrency)
