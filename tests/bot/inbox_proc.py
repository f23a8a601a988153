"""A bot process for the inbox tests: the real runner (polling intake when INBOX_PROC_POLL=1,
chat workers) with an echo handler that answers «<text> | <inbox_key> | <pid>», and hangs on
the text INBOX_PROC_HANG (to be killed mid-update). Configured by the usual environment
(DATABASE_URL, TELEGRAM_TOKEN, TELEGRAM_API_BASE, MCU_INBOX_*); SIGTERM stops it.

    python -m tests.bot.inbox_proc
"""

import asyncio
import os
import signal

from aiogram import Dispatcher, F, Router
from aiogram.types import Message

from bot.telegram.runner import attach_port, dispatch_loop, make_bot, poll
from mcu.logs import setup_logging
from models.settings import Settings
from workflows.jobs.runtime import Runtime


def echo_router() -> Router:
    router = Router(name="echo")
    hang = os.environ.get("INBOX_PROC_HANG")

    @router.message(F.text)
    async def echo(message: Message, inbox_key: str) -> None:
        if hang and message.text == hang:
            print(f"hanging on {inbox_key}", flush=True)
            await asyncio.Event().wait()
        await message.answer(f"{message.text} | {inbox_key} | {os.getpid()}")

    return router


async def main() -> None:
    setup_logging("text")  # as `mcu bot` writes its lines
    rt = Runtime.create(Settings())
    bot = make_bot(rt)
    attach_port(rt, bot)
    dp = Dispatcher()
    dp.include_router(echo_router())
    stop, wake = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    tasks = [asyncio.create_task(dispatch_loop(rt, bot, dp, stop=stop, wake=wake))]
    if os.environ.get("INBOX_PROC_POLL") == "1":
        tasks.append(asyncio.create_task(poll(rt, bot, stop=stop, wake=wake)))
    print("ready", flush=True)
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)
    await bot.session.close()
    await rt.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
