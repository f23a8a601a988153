"""Running the system: everything in one process, or the API, the worker and the bot apart."""

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from mcu.common import apply_setup_file, migrate_db, run_step, setup_logging, until_signal
from mcu.ops import serve_metrics
from models.settings import get_settings
from workflows.jobs.heartbeat import BOT, WORKER, alive_file, beat_until, process_name
from workflows.jobs.runtime import Runtime

BOT_NAME = process_name(BOT)
log = logging.getLogger(__name__)  # service lines go with the rest (JSON in production)


def run(
    setup: Annotated[Path | None, typer.Option(help="применить этот файл перед запуском")] = None,
    host: Annotated[str | None, typer.Option(help="адрес API")] = None,
    port: Annotated[int | None, typer.Option(help="порт API")] = None,
) -> None:
    """Всё в одном процессе: миграции, API, таймеры и отправка уведомлений."""
    setup_logging()
    migrate_db()
    if setup is not None:
        apply_setup_file(setup)
    asyncio.run(_serve(host, port, with_jobs=True))


def api(
    host: Annotated[str | None, typer.Option(help="адрес API")] = None,
    port: Annotated[int | None, typer.Option(help="порт API")] = None,
) -> None:
    """Только HTTP API (рабочие процессы запускаются отдельно: `mcu worker`)."""
    setup_logging()
    asyncio.run(_serve(host, port, with_jobs=False))


async def _serve(host: str | None, port: int | None, *, with_jobs: bool) -> None:
    import uvicorn

    from api.app import create_app
    from api.logs import mask_access_log
    from mcu.compose import channel_tasks, close_bots, install_channels
    from workflows.jobs.loop import run_in_process

    settings = get_settings()
    install_channels()
    rt = Runtime.create(settings)
    app_ = create_app(rt)
    wake = asyncio.Event()
    app_.state.inbox_wake = wake
    vk_wake = app_.state.vk_wake = asyncio.Event()
    config = uvicorn.Config(
        app_,
        host=host or settings.api_host,
        port=settings.api_port if port is None else port,  # 0: any free port
        log_level="info",
        log_config=None,  # uvicorn's lines go through ours (JSON in production, request id)
    )
    server = uvicorn.Server(config)
    mask_access_log()  # after uvicorn configured its loggers
    stop = asyncio.Event()
    tasks = [asyncio.create_task(server.serve())]
    if with_jobs:
        tasks.append(asyncio.create_task(run_in_process(rt, stop=stop)))
        tasks += await channel_tasks(rt, stop=stop, wake=wake, vk_wake=vk_wake, watch=True)
    log.info(
        "МЦУ запущен: http://%s:%s%s (база: %s; остановка: Ctrl+C)",
        config.host,
        config.port,
        "/docs" if settings.docs_shown else "",
        rt.engine.dialect.name,
    )
    try:
        await tasks[0]
    finally:
        stop.set()
        await asyncio.gather(*tasks[1:], return_exceptions=True)
        await close_bots()
        await rt.engine.dispose()


def worker() -> None:
    """Таймеры и отправка: через arq, если задан REDIS_URL, иначе в этом процессе."""
    setup_logging()
    settings = get_settings()
    from mcu.compose import install_channels
    from workflows.jobs.loop import run_in_process
    from workflows.jobs.worker import run_arq_supervised

    install_channels()  # the sender delivers Telegram notices from here
    serve_metrics()

    if settings.redis_url:
        log.info("Рабочий процесс arq запущен (Redis: расписание, Postgres: состояние).")
        asyncio.run(until_signal(lambda stop: run_arq_supervised(settings, stop=stop)))
        return

    async def go(rt: Runtime) -> None:
        log.info("Рабочий процесс запущен (без Redis, в этом процессе).")
        alive = alive_file(WORKER)
        await until_signal(lambda stop: run_in_process(rt, stop=stop, alive=alive))

    run_step(go)


def bot() -> None:
    """Боты Telegram и ВКонтакте: приём (опрос или из входящих вебхуков) и обработка."""
    setup_logging()
    from mcu.compose import channel_tasks, close_bots, install_channels

    install_channels()
    serve_metrics()

    async def go(rt: Runtime) -> None:
        async def body(stop: asyncio.Event) -> None:
            wake, vk_wake = asyncio.Event(), asyncio.Event()
            tasks = await channel_tasks(rt, stop=stop, wake=wake, vk_wake=vk_wake)
            if not tasks:
                typer.secho(
                    "Ошибка: не задан ни один бот: TELEGRAM_TOKEN, или VK_TOKEN и VK_GROUP_ID, "
                    "или каналы в файле настройки муниципалитета (channels)",
                    fg="red",
                    err=True,
                )
                raise typer.Exit(2)
            log.info("Боты запущены.")
            beat = beat_until(rt.sm, rt.clock, name=BOT_NAME, stop=stop, alive=alive_file(BOT))
            tasks.append(asyncio.create_task(beat))
            await stop.wait()
            await asyncio.gather(*tasks, return_exceptions=True)
            await close_bots()

        await until_signal(body)

    run_step(go)
