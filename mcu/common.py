"""What the commands share: logging, one async step with a fresh runtime (refusals become a
message and exit code 2), migrating, a municipality by code, applying a setup file, signals."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
from sqlmodel import select

from mcu.logs import setup_logging as configure_logging
from models import ActorKind, Channel, Municipality, Role
from models.migrate import upgrade_head
from models.settings import get_settings
from workflows.core.actors import Actor
from workflows.core.errors import DomainError
from workflows.jobs.runtime import Runtime
from workflows.setup.apply import check_apply_setup

T = TypeVar("T")
CLI_ADMIN = Actor(kind=ActorKind.staff, role=Role.admin, channel=Channel.cli)


def setup_logging() -> None:
    """JSON lines in production, readable lines otherwise (MCU_LOG_FORMAT decides if set).
    Refused settings raise SettingsInvalid here: `mcu` prints its one line."""
    configure_logging(get_settings().log_output)


def run_step(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run one async step with a fresh runtime; domain refusals become a clear message, exit 2."""

    async def main() -> T:
        rt = Runtime.create(get_settings())
        try:
            return await fn(rt)
        finally:
            await rt.engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as e:
        typer.secho(f"Ошибка: {e.reason}", fg="red", err=True)
        raise typer.Exit(2) from e


def migrate_db() -> None:
    settings = get_settings()
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    typer.echo("Миграции базы данных…")
    upgrade_head(settings.database_url)


async def get_municipality(rt: Runtime, code: str) -> Municipality:
    async with rt.sm() as s:
        m = (await s.exec(select(Municipality).where(Municipality.code == code))).first()
    if m is None:
        raise DomainError(f"муниципалитет «{code}» не найден: сначала `mcu setup apply файл.yaml`")
    return m


def apply_setup_file(path: Path) -> None:
    if not path.is_file():
        typer.secho(f"Ошибка: файл {path} не найден", fg="red", err=True)
        raise typer.Exit(2)

    text = path.read_text(encoding="utf-8")

    async def go(rt: Runtime) -> None:
        async with rt.sm() as s:
            report = await check_apply_setup(s, text=text, clock=rt.clock)
        typer.echo(
            f"Настройка применена (муниципалитет #{report.municipality_id}): {report.summary()}"
        )
        for w in report.warnings:
            typer.secho(f"Внимание: {w}", fg="yellow")

    run_step(go)


async def until_signal(body: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `body` until SIGINT or SIGTERM asks it to stop, then let it finish its round."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await body(stop)
