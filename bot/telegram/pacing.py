"""Every request that posts to a chat waits for its turn in the process's shared limits, so the
outbox sender and the dialogs' direct replies together stay within Telegram's budget."""

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from models import Channel
from workflows.jobs.runtime import Runtime
from workflows.outbox.counters import count_throttled

log = logging.getLogger(__name__)
POSTING = ("Send", "Edit", "Copy", "Forward")


class PacingMiddleware(BaseRequestMiddleware):
    def __init__(self, rt: Runtime, budget: str = Channel.telegram) -> None:
        self.rt, self.budget = rt, budget  # one budget per bot

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat: Any = getattr(method, "chat_id", None)
        paced = chat is not None and type(method).__name__.startswith(POSTING)
        for attempt in range(3):
            if paced:
                await self._turn(str(chat))
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as e:
                count_throttled(Channel.telegram)
                if attempt == 2:
                    raise
                # Telegram throttled the bot: everyone waits; the retry queues for a turn again.
                log.warning("Telegram просит подождать %s с", e.retry_after)
                until = self.rt.clock.now() + timedelta(seconds=e.retry_after)
                self.rt.sender.limits.channel_next[self.budget] = until
                await asyncio.sleep(e.retry_after)
        raise AssertionError("unreachable")

    async def _turn(self, chat: str) -> None:
        port = self.rt.ports.get(Channel.telegram)
        if port is not None:
            await self.rt.sender.limits.acquire(
                self.budget,
                chat,
                per_second=port.per_second,
                chat_interval=port.chat_interval(chat),
                clock=self.rt.clock,
                sleep=asyncio.sleep,
            )
