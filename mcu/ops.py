"""Operations: is the deployment ready, this process's metrics, and the dead letters — list
them, send them again."""

from datetime import timedelta
from typing import Annotated

import typer

from mcu.common import run_step
from models.settings import get_settings
from workflows.jobs.health import get_readiness
from workflows.jobs.runtime import Runtime
from workflows.outbox.dead import check_resend_dead, get_dead_letters


def health() -> None:
    """Готовность системы, как /readyz: база, Redis, рабочий процесс, боты, недоставленные.
    Код выхода 0 — готова, 1 — нет."""

    async def go(rt: Runtime) -> bool:
        ready = await get_readiness(rt)
        for n, c in ready.checks.items():
            typer.echo(f"{'✓' if c.ok else '✗'} {n}: {c.detail}")
        return ready.ok

    if not run_step(go):
        raise typer.Exit(1)


def outbox_dead(
    hours: Annotated[float | None, typer.Option(help="только за последние N часов")] = None,
) -> None:
    """Недоставленные уведомления (последние 100): номер, вид, канал, попытки, причина."""

    async def go(rt: Runtime) -> None:
        since = rt.clock.now() - timedelta(hours=hours) if hours is not None else None
        async with rt.sm() as s:
            rows = await get_dead_letters(s, since=since)
        if not rows:
            typer.echo("Недоставленных уведомлений нет.")
        for r in rows:
            when = f"{r.next_attempt_at:%Y-%m-%d %H:%M} UTC"
            typer.echo(
                f"#{r.id} {when} {r.kind} ({r.channel}), попыток {r.attempts}: {r.last_error}"
            )

    run_step(go)


def outbox_resend(
    ids: Annotated[list[int] | None, typer.Argument(help="номера уведомлений")] = None,
    all_: Annotated[bool, typer.Option("--all", help="все недоставленные")] = False,
) -> None:
    """Отправить недоставленные уведомления снова (после того как причина устранена)."""
    if not ids and not all_:
        typer.secho("Ошибка: укажите номера уведомлений или --all", fg="red", err=True)
        raise typer.Exit(2)

    async def go(rt: Runtime) -> int:
        async with rt.sm() as s:
            return await check_resend_dead(s, ids=None if all_ else ids, now=rt.clock.now())

    typer.echo(f"Снова в очереди: {run_step(go)}")


def serve_metrics() -> None:
    """This process's counters on MCU_METRICS_PORT, when set (the worker's and the bot's sends)."""
    settings = get_settings()
    if settings.metrics_port is None:
        return
    from prometheus_client import start_http_server

    start_http_server(settings.metrics_port, addr=settings.api_host)
    typer.echo(f"Метрики: http://{settings.api_host}:{settings.metrics_port}/metrics")
