"""Administration: migrate, apply a setup file, run a job now, invite staff, issue tokens,
register an item."""

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlmodel import col, select

from mcu.common import (
    CLI_ADMIN,
    apply_setup_file,
    get_municipality,
    migrate_db,
    run_step,
    setup_logging,
)
from models import Channel, ChannelBot, ItemKind, Role, Staff
from models.settings import get_settings
from workflows.core.errors import DomainError, Invalid
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import STATUS_RU
from workflows.items.views import get_item_view
from workflows.jobs.runtime import Runtime
from workflows.jobs.tasks import JOBS
from workflows.staff.invites import check_create_invite
from workflows.staff.tokens import check_create_token


def migrate() -> None:
    """Привести схему базы данных к последней версии."""
    migrate_db()
    typer.echo("Готово.")


def setup_apply(path: Annotated[Path, typer.Argument(help="YAML-файл настройки")]) -> None:
    """Применить файл настройки (повторное применение того же файла ничего не меняет)."""
    apply_setup_file(path)


def run_job(
    name: Annotated[
        str,
        typer.Argument(
            help="fire_timers, send_outbox, digests, retrain_routing, retention, monitor "
            "или publish_replies"
        ),
    ],
) -> None:
    """Выполнить одну фоновую задачу сейчас."""
    job = JOBS.get(name)
    if job is None:
        typer.secho(f"Ошибка: нет задачи «{name}»; есть: {', '.join(JOBS)}", fg="red", err=True)
        raise typer.Exit(2)
    setup_logging()
    if name == "monitor":
        from mcu.compose import install_channels

        install_channels()  # the wall reader is made with the channels
    typer.echo(f"{name}: обработано {run_step(job)}")


def invite(
    staff_code: Annotated[str, typer.Argument(help="код сотрудника из файла настройки")],
    municipality: Annotated[str, typer.Option(help="код муниципалитета")],
) -> None:
    """Одноразовая ссылка-приглашение, привязывающая Telegram сотрудника."""

    async def go(rt: Runtime) -> tuple[str, str, str | None]:
        m = await get_municipality(rt, municipality)
        async with rt.sm() as s:
            own = (
                await s.exec(
                    select(ChannelBot).where(
                        ChannelBot.municipality_id == m.id,
                        ChannelBot.channel == Channel.telegram,
                        col(ChannelBot.active).is_(True),
                    )
                )
            ).first()
            staff = (
                await s.exec(
                    select(Staff).where(Staff.municipality_id == m.id, Staff.code == staff_code)
                )
            ).first()
            if staff is None:
                raise DomainError(f"сотрудник «{staff_code}» не найден в «{municipality}»")
            code = await check_create_invite(s, staff_id=staff.id or 0, now=rt.clock.now())
            # The municipality's own bot, when its setup names one; else the environment's.
            return staff.name, code, own.config.get("username") if own else None

    name, code, own_bot = run_step(go)
    bot = own_bot or get_settings().telegram_bot_username
    typer.echo(f"Приглашение для «{name}» (действует 3 дня, одноразовое):")
    typer.echo(f"  https://t.me/{bot}?start={code}" if bot else f"  /start {code}")


def token_create(
    role: Annotated[Role, typer.Option(help="роль токена")],
    name: Annotated[str, typer.Option(help="для кого токен")],
    municipality: Annotated[
        str | None, typer.Option(help="код муниципалитета; без него — все")
    ] = None,
) -> None:
    """Выдать токен API (показывается один раз)."""

    async def go(rt: Runtime) -> str:
        mid = (await get_municipality(rt, municipality)).id if municipality else None
        async with rt.sm() as s:
            return await check_create_token(
                s, name=name, role=role, municipality_id=mid, staff_id=None, now=rt.clock.now()
            )

    typer.echo(run_step(go))


def item_register(
    municipality: Annotated[str, typer.Option(help="код муниципалитета")],
    text: Annotated[str, typer.Option(help="текст обращения")],
    kind: Annotated[ItemKind, typer.Option(help="вид")] = ItemKind.message,
    received: Annotated[
        str | None,
        typer.Option(
            help="когда поступило (обязательно для 59-ФЗ): 2026-12-01 или 2026-12-01T10:30"
        ),
    ] = None,
) -> None:
    """Зарегистрировать обращение (например, поступившее на бумаге)."""

    async def go(rt: Runtime) -> str:
        m = await get_municipality(rt, municipality)
        received_at = _local_moment(received, m.tz) if received else None
        async with rt.sm() as s:
            item = await check_register_item(
                s,
                clock=rt.clock,
                municipality_id=m.id or 0,
                actor=CLI_ADMIN,
                new=NewItem(kind=kind, channel=Channel.cli, text=text, received_at=received_at),
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

    typer.echo(run_step(go))


def _local_moment(value: str, tz: str) -> datetime:
    """A date or a moment as an administrator types it, in the municipality's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"--received: «{value}» не дата (пример: 2026-12-01 или 2026-12-01T10:30)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))
