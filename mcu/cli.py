"""`mcu`: migrate, apply a setup file, run the system (all in one process or API and worker apart),
invite staff, issue tokens, register items and run a job now."""

import asyncio
import html
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer
from sqlmodel import select

from models import ActorKind, Channel, ItemKind, Municipality, Role, Staff
from models.migrate import upgrade_head
from models.settings import get_settings
from workflows.calendar.periods import parse_period, week_period
from workflows.core.actors import Actor
from workflows.core.errors import DomainError
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import STATUS_RU
from workflows.items.views import get_item_view
from workflows.jobs.runtime import Runtime
from workflows.jobs.tasks import JOBS
from workflows.setup.apply import check_apply_setup
from workflows.staff.invites import check_create_invite
from workflows.staff.tokens import check_create_token

app = typer.Typer(help="МЦУ: обращения граждан, сроки и эскалации.", no_args_is_help=True)
setup_app = typer.Typer(help="Настройка муниципалитета из YAML-файла.", no_args_is_help=True)
token_app = typer.Typer(help="Токены доступа к API.", no_args_is_help=True)
item_app = typer.Typer(help="Обращения.", no_args_is_help=True)
app.add_typer(setup_app, name="setup")
app.add_typer(token_app, name="token")
app.add_typer(item_app, name="item")
T = TypeVar("T")
CLI_ADMIN = Actor(kind=ActorKind.staff, role=Role.admin, channel=Channel.cli)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _run(fn: Callable[[Runtime], Awaitable[T]]) -> T:
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


def _migrate() -> None:
    settings = get_settings()
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    typer.echo("Миграции базы данных…")
    upgrade_head(settings.database_url)


async def _municipality(rt: Runtime, code: str) -> Municipality:
    async with rt.sm() as s:
        m = (await s.exec(select(Municipality).where(Municipality.code == code))).first()
    if m is None:
        raise DomainError(f"муниципалитет «{code}» не найден: сначала `mcu setup apply файл.yaml`")
    return m


def _apply(path: Path) -> None:
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

    _run(go)


@app.command()
def migrate() -> None:
    """Привести схему базы данных к последней версии."""
    _migrate()
    typer.echo("Готово.")


@setup_app.command("apply")
def setup_apply(path: Annotated[Path, typer.Argument(help="YAML-файл настройки")]) -> None:
    """Применить файл настройки (повторное применение того же файла ничего не меняет)."""
    _apply(path)


@app.command()
def run(
    setup: Annotated[Path | None, typer.Option(help="применить этот файл перед запуском")] = None,
    host: Annotated[str | None, typer.Option(help="адрес API")] = None,
    port: Annotated[int | None, typer.Option(help="порт API")] = None,
) -> None:
    """Всё в одном процессе: миграции, API, таймеры и отправка уведомлений."""
    _logging()
    _migrate()
    if setup is not None:
        _apply(setup)
    asyncio.run(_serve(host, port, with_jobs=True))


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="адрес API")] = None,
    port: Annotated[int | None, typer.Option(help="порт API")] = None,
) -> None:
    """Только HTTP API (рабочие процессы запускаются отдельно: `mcu worker`)."""
    _logging()
    asyncio.run(_serve(host, port, with_jobs=False))


async def _serve(host: str | None, port: int | None, *, with_jobs: bool) -> None:
    import uvicorn

    from api.app import create_app
    from mcu.compose import close_bots, install_channels, telegram_tasks
    from workflows.jobs.loop import run_in_process

    settings = get_settings()
    install_channels()
    rt = Runtime.create(settings)
    app_ = create_app(rt)
    wake = asyncio.Event()
    app_.state.inbox_wake = wake
    config = uvicorn.Config(
        app_,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
    )
    server = uvicorn.Server(config)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(server.serve())]
    if with_jobs:
        tasks.append(asyncio.create_task(run_in_process(rt, stop=stop)))
        polling = not settings.telegram_webhook_url
        tasks += await telegram_tasks(rt, stop=stop, wake=wake, polling=polling)
    typer.echo(
        f"МЦУ запущен: http://{config.host}:{config.port}/docs "
        f"(база: {rt.engine.dialect.name}; остановка: Ctrl+C)"
    )
    try:
        await tasks[0]
    finally:
        stop.set()
        await asyncio.gather(*tasks[1:], return_exceptions=True)
        await close_bots()
        await rt.engine.dispose()


@app.command()
def worker() -> None:
    """Таймеры и отправка: через arq, если задан REDIS_URL, иначе в этом процессе."""
    _logging()
    settings = get_settings()
    from mcu.compose import install_channels
    from workflows.jobs.loop import run_in_process
    from workflows.jobs.worker import run_arq_supervised

    install_channels()  # the sender delivers Telegram notices from here

    if settings.redis_url:
        typer.echo("Рабочий процесс arq запущен (Redis: расписание, Postgres: состояние).")
        asyncio.run(_until_signal(lambda stop: run_arq_supervised(settings, stop=stop)))
        return

    async def go(rt: Runtime) -> None:
        typer.echo("Рабочий процесс запущен (без Redis, в этом процессе).")
        await _until_signal(lambda stop: run_in_process(rt, stop=stop))

    _run(go)


async def _until_signal(body: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `body` until SIGINT or SIGTERM asks it to stop, then let it finish its round."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await body(stop)


@app.command()
def bot() -> None:
    """Telegram-бот: приём обновлений (опрос или из входящих вебхука) и их обработка."""
    _logging()
    from mcu.compose import close_bots, install_channels, telegram_tasks

    settings = get_settings()
    if settings.telegram_token is None:
        typer.secho("Ошибка: задайте TELEGRAM_TOKEN", fg="red", err=True)
        raise typer.Exit(2)
    install_channels()

    async def go(rt: Runtime) -> None:
        async def body(stop: asyncio.Event) -> None:
            wake = asyncio.Event()
            tasks = await telegram_tasks(
                rt, stop=stop, wake=wake, polling=not settings.telegram_webhook_url
            )
            await stop.wait()
            await asyncio.gather(*tasks, return_exceptions=True)
            await close_bots()

        typer.echo("Telegram-бот запущен.")
        await _until_signal(body)

    _run(go)


@app.command("job")
def run_job(name: Annotated[str, typer.Argument(help="fire_timers или send_outbox")]) -> None:
    """Выполнить одну фоновую задачу сейчас."""
    job = JOBS.get(name)
    if job is None:
        typer.secho(f"Ошибка: нет задачи «{name}»; есть: {', '.join(JOBS)}", fg="red", err=True)
        raise typer.Exit(2)
    _logging()
    typer.echo(f"{name}: обработано {_run(job)}")


@app.command()
def invite(
    staff_code: Annotated[str, typer.Argument(help="код сотрудника из файла настройки")],
    municipality: Annotated[str, typer.Option(help="код муниципалитета")],
) -> None:
    """Одноразовая ссылка-приглашение, привязывающая Telegram сотрудника."""

    async def go(rt: Runtime) -> tuple[str, str]:
        m = await _municipality(rt, municipality)
        async with rt.sm() as s:
            staff = (
                await s.exec(
                    select(Staff).where(Staff.municipality_id == m.id, Staff.code == staff_code)
                )
            ).first()
            if staff is None:
                raise DomainError(f"сотрудник «{staff_code}» не найден в «{municipality}»")
            return staff.name, await check_create_invite(
                s, staff_id=staff.id or 0, now=rt.clock.now()
            )

    name, code = _run(go)
    bot = get_settings().telegram_bot_username
    typer.echo(f"Приглашение для «{name}» (действует 3 дня, одноразовое):")
    typer.echo(f"  https://t.me/{bot}?start={code}" if bot else f"  /start {code}")


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="роль токена")],
    name: Annotated[str, typer.Option(help="для кого токен")],
    municipality: Annotated[
        str | None, typer.Option(help="код муниципалитета; без него — все")
    ] = None,
) -> None:
    """Выдать токен API (показывается один раз)."""

    async def go(rt: Runtime) -> str:
        mid = (await _municipality(rt, municipality)).id if municipality else None
        async with rt.sm() as s:
            return await check_create_token(
                s, name=name, role=role, municipality_id=mid, staff_id=None, now=rt.clock.now()
            )

    typer.echo(_run(go))


@item_app.command("register")
def item_register(
    municipality: Annotated[str, typer.Option(help="код муниципалитета")],
    text: Annotated[str, typer.Option(help="текст обращения")],
    kind: Annotated[ItemKind, typer.Option(help="вид")] = ItemKind.message,
) -> None:
    """Зарегистрировать обращение (например, поступившее на бумаге)."""

    async def go(rt: Runtime) -> str:
        m = await _municipality(rt, municipality)
        async with rt.sm() as s:
            item = await check_register_item(
                s,
                clock=rt.clock,
                municipality_id=m.id or 0,
                actor=CLI_ADMIN,
                new=NewItem(kind=kind, channel=Channel.cli, text=text),
            )
            view = await get_item_view(s, item_id=item.id or 0)
        due = (
            item.due_at.astimezone(ZoneInfo(m.tz)).strftime("%d.%m.%Y %H:%M")
            if item.due_at
            else "не установлен"
        )
        return (
            f"Зарегистрировано {item.number}: {STATUS_RU[item.status]}; исполнитель: "
            f"{view.assignee or '— (ждёт распределения оператором)'}; срок ответа: {due}"
        )

    typer.echo(_run(go))


@app.command()
def digest(
    municipality: Annotated[str, typer.Option(help="код муниципалитета")],
    week: Annotated[
        str, typer.Option(help="неделя: 2026-W47, last-week (по умолчанию), week или дата недели")
    ] = "last-week",
    out: Annotated[
        Path | None,
        typer.Option(help="папка для графиков и XLSX (по умолчанию digest-<код>-<неделя>)"),
    ] = None,
    send: Annotated[
        bool,
        typer.Option("--send", help="отправить руководителю, кураторам и руководителям блоков"),
    ] = False,
) -> None:
    """Недельная аналитическая записка: напечатать, сохранить файлы и при --send отправить."""

    async def go(rt: Runtime) -> str:
        from workflows.digest.build import build_digest
        from workflows.digest.schedule import check_queue_digest

        m = await _municipality(rt, municipality)
        now = rt.clock.now()
        period = parse_period(week, tz=ZoneInfo(m.tz), now=now)
        if period.days == 1:  # a date: the week that holds it
            period = week_period(period.first, ZoneInfo(m.tz))
        elif period.days != 7 or period.first.weekday() != 0:
            raise DomainError("записка строится за неделю: укажите 2026-W47, last-week или дату")
        typer.echo(f"Строю записку {m.code} за {period.label}…", err=True)
        async with rt.sm() as s:
            doc = await build_digest(s, municipality_id=m.id or 0, week=period, now=now)
        folder = out or Path(f"digest-{m.code}-{period.code}")
        folder.mkdir(parents=True, exist_ok=True)
        for f in doc.files:
            (folder / f.name).write_bytes(f.content)
        (folder / "note.html").write_text(doc.text, encoding="utf-8")
        lines = [_plain(doc.text), "", f"Файлы: {folder}/ ({', '.join(f.name for f in doc.files)})"]
        if send:
            async with rt.sm() as s:
                stored = await check_queue_digest(s, municipality_id=m.id or 0, doc=doc, now=now)
            if stored is None:
                raise DomainError(f"записка за {period.label} уже была отправлена; файлы: {folder}")
            lines.append(f"Поставлено в очередь отправки: {stored.recipients} получателям.")
        return "\n".join(lines)

    typer.echo(_run(go))


def _plain(note: str) -> str:
    """The note's Telegram HTML as terminal text."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", note))


def main() -> None:  # pragma: no cover
    sys.exit(app())
