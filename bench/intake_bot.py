"""One bot process for bench.intake: the real runner's chat workers (and polling intake with
--poll) over the real bot's routers, or over one trivial handler (--handler trivial: aiogram's
own cost and ours, nothing else). Configured by the usual environment (DATABASE_URL,
TELEGRAM_TOKEN, TELEGRAM_API_BASE, MCU_*); prints "ready", stops on SIGTERM, looks at the
inbox at once on SIGUSR1.

    python -m bench.intake_bot [--handler bot|trivial] [--poll]
"""

import argparse
import asyncio
import signal

from aiogram import Dispatcher, Router
from aiogram.types import Message

from bot.telegram.runner import attach_port, build_dispatcher, dispatch_loop, make_bot, poll
from models import Channel
from models.db import make_engine, make_sessionmaker
from models.settings import Settings
from workflows.core.clock import SystemClock
from workflows.jobs.runtime import Runtime
from workflows.outbox.ports import ConsolePort


def trivial_dispatcher() -> Dispatcher:
    """aiogram with one handler that does nothing: the baseline's dispatcher."""
    router = Router(name="trivial")

    @router.message()
    async def nothing(message: Message) -> None:
        return None

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def main(handler: str, polling: bool) -> None:
    settings = Settings()
    # A pool the size of the workers (and a few for the handlers): two bot processes and the
    # bench share one Postgres with a 100-connection limit.
    engine = make_engine(settings.database_url, pool_size=settings.inbox_concurrency + 4)
    rt = Runtime(
        engine, make_sessionmaker(engine), SystemClock(), settings, {Channel.console: ConsolePort()}
    )
    bot = make_bot(rt)
    attach_port(rt, bot)
    dp = trivial_dispatcher() if handler == "trivial" else build_dispatcher(rt)
    stop, wake = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # The bench saves a batch straight into the inbox, then wakes every process as intake
    # would wake its own: all start together.
    loop.add_signal_handler(signal.SIGUSR1, wake.set)
    tasks = [asyncio.create_task(dispatch_loop(rt, bot, dp, stop=stop, wake=wake))]
    if polling:
        tasks.append(asyncio.create_task(poll(rt, bot, stop=stop, wake=wake)))
    print("ready", flush=True)
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)
    await bot.session.close()
    await engine.dispose()


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m bench.intake_bot")
    p.add_argument("--handler", choices=("bot", "trivial"), default="bot")
    p.add_argument("--poll", action="store_true", help="also take updates by getUpdates")
    args = p.parse_args()
    asyncio.run(main(args.handler, args.poll))
