"""Running the Telegram bot: the dispatcher, polling or webhook intake into the inbox, the inbox
processor, and the outbox port. Updates are saved before they are acknowledged."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update

from bot.telegram import handlers
from bot.telegram.pacing import PacingMiddleware
from bot.telegram.port import TelegramPort
from models import Channel
from workflows.intake.inbox import (
    do_mark_processed,
    do_save_update,
    get_last_update_id,
    get_unprocessed,
)
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
ALLOWED_UPDATES = ["message", "callback_query"]


def make_bot(rt: Runtime) -> Bot:
    """A Bot for the configured server (the public Bot API, or a local one in tests)."""
    token = rt.settings.telegram_token
    if token is None:
        raise RuntimeError("TELEGRAM_TOKEN не задан")
    session = AiohttpSession(api=TelegramAPIServer.from_base(rt.settings.telegram_api_base))
    session.middleware(PacingMiddleware(rt))
    return Bot(
        token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode="HTML")
    )


def build_dispatcher(rt: Runtime) -> Dispatcher:
    """One router: every message and press goes to the conversation core (its state is ours,
    in the database, so aiogram's own FSM storage stays unused)."""
    dp = Dispatcher(rt=rt)
    dp.include_router(handlers.build())
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


def attach_port(rt: Runtime, bot: Bot) -> None:
    """Send the outbox's Telegram notices through this bot."""
    rt.ports[Channel.telegram] = TelegramPort(bot, rt)


async def process_inbox(rt: Runtime, bot: Bot, dp: Dispatcher, *, limit: int = 100) -> int:
    """Hand saved updates to the dispatcher in arrival order; a failing one is recorded and
    skipped so that it cannot block the chats behind it."""
    async with rt.sm() as s:
        rows = await get_unprocessed(s, channel=Channel.telegram, limit=limit)
    for row in rows:
        error = None
        try:
            update = Update.model_validate(row.payload, context={"bot": bot})
            await dp.feed_update(bot, update)
        except Exception as e:  # one bad update must not stop the rest
            log.exception("update %s failed", row.update_id)
            error = f"{type(e).__name__}: {e}"
        async with rt.sm() as s:
            await do_mark_processed(s, inbox_id=row.id or 0, now=rt.clock.now(), error=error)
            await s.commit()
    return len(rows)


async def save_update(rt: Runtime, payload: dict[str, Any]) -> bool:
    """Save one raw update; False if it was a redelivery."""
    return await do_save_update(
        rt.engine,
        channel=Channel.telegram,
        update_id=str(payload["update_id"]),
        payload=payload,
        now=rt.clock.now(),
    )


async def poll(rt: Runtime, bot: Bot, *, stop: asyncio.Event, wake: asyncio.Event) -> None:
    """Long polling: the offset moves past an update only after it is saved."""
    await bot.delete_webhook(drop_pending_updates=False)
    async with rt.sm() as s:
        last = await get_last_update_id(s, channel=Channel.telegram)
    offset = last + 1 if last is not None else None
    while not stop.is_set():
        try:
            updates = await _unless_stopped(
                bot.get_updates(offset=offset, timeout=20, allowed_updates=ALLOWED_UPDATES), stop
            )
            if updates is None:
                return  # asked to stop during the long poll: nothing was fetched
        except Exception:
            log.exception("getUpdates failed")
            await _sleep_or_stop(stop, 3)
            continue
        for u in updates:
            await save_update(rt, u.model_dump(mode="json", exclude_none=True, by_alias=True))
            offset = u.update_id + 1
        if updates:
            wake.set()
            await acknowledge(bot, updates)


async def dispatch_loop(
    rt: Runtime, bot: Bot, dp: Dispatcher, *, stop: asyncio.Event, wake: asyncio.Event
) -> None:
    """Process the inbox whenever something arrives (and every few seconds anyway)."""
    while not stop.is_set():
        wake.clear()
        try:
            while await process_inbox(rt, bot, dp):
                pass
        except Exception:
            log.exception("inbox processing failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=2.0)


async def _unless_stopped(call: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await `call`, or give it up when `stop` is set (a long poll must not delay shutdown)."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    return None


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
