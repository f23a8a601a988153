"""Learned routing from the command line: train a municipality's own model or the starter, and
the report of every version with its held-out figures."""

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from mcu.common import get_municipality, run_step
from models import RoutingModel
from workflows.jobs.runtime import Runtime
from workflows.routing.labels import get_examples
from workflows.routing.store import get_routing_row, get_versions
from workflows.routing.training import check_train_own, check_train_starter, load_corpus

# The corpus beside the repository (../shared/data/spb-appeals/), as the issue names it.
CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "spb-appeals" / "appeals.jsonl.gz"
)


def _say(line: str) -> None:
    typer.echo(line, err=True)


def train(
    municipality: Annotated[
        str | None, typer.Option(help="код муниципалитета: его модель по его решениям")
    ] = None,
    starter: Annotated[
        bool, typer.Option("--starter", help="стартовая модель по корпусу spb-appeals")
    ] = False,
    data: Annotated[Path | None, typer.Option(help="корпус spb-appeals (jsonl.gz)")] = None,
    sample: Annotated[
        int | None, typer.Option(min=100, help="обучить стартовую на части корпуса")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="включить, даже если хуже текущей")
    ] = False,
) -> None:
    """Обучить модель маршрутизации: свою (--municipality КОД) или стартовую (--starter).
    Модель хуже текущей на отложенных решениях сохраняется выключенной (--force включит)."""
    if starter == (municipality is not None):
        typer.secho("Ошибка: укажите либо --municipality КОД, либо --starter", fg="red", err=True)
        raise typer.Exit(2)

    async def go(rt: Runtime) -> str:
        started = time.monotonic()
        async with rt.sm() as s:
            if starter:
                path = data or CORPUS
                _say(f"чтение корпуса {path.name}…")
                examples = load_corpus(path, sample=sample)
                outcome = await check_train_starter(
                    s, examples=examples, clock=rt.clock, force=force, progress=_say
                )
            else:
                assert municipality is not None
                m = await get_municipality(rt, municipality)
                outcome = await check_train_own(
                    s, municipality=m, clock=rt.clock, force=force, progress=_say
                )
        _say(f"готово за {time.monotonic() - started:.0f} с")
        row = outcome.row
        state = "включена" if row.active else "НЕ включена"
        lines = [f"Модель {row.source} v{row.version}: {state}; {outcome.verdict}."]
        if row.note:
            lines.append(f"Примечание: {row.note}")
        lines.append(_figures(row))
        return "\n".join(lines)

    typer.echo(run_step(go))


def report(municipality: Annotated[str, typer.Option(help="код муниципалитета")]) -> None:
    """Версии моделей маршрутизации муниципалитета и стартовой, какая действует, их
    показатели на отложенной по времени части решений и сколько решений накоплено."""

    async def go(rt: Runtime) -> str:
        m = await get_municipality(rt, municipality)
        async with rt.sm() as s:
            own = await get_versions(s, municipality_id=m.id or 0)
            starters = await get_versions(s, municipality_id=None)
            routing = await get_routing_row(s, municipality_id=m.id or 0)
            history = len(await get_examples(s, municipality_id=m.id or 0))
        settings: dict[str, Any] = m.routing or {}
        own_from = settings.get("own_from", 300)
        lines = [
            f"Маршрутизация «{m.code}»: решений в истории {history} (своя модель — от {own_from}); "
            f"порог автоматического назначения auto_at: {settings.get('auto_at', 'не задан')}.",
            "Действует: "
            + (
                f"{routing.source} v{routing.version}"
                if routing
                else "нет модели (правила и оператор)"
            ),
        ]
        for title, rows in (("Свои модели", own), ("Стартовые модели", starters)):
            lines.append(f"{title}: {len(rows) or 'нет'}")
            for row in rows:
                mark = "*" if routing is not None and row.id == routing.id else " "
                lines.append(
                    f"{mark} v{row.version} {row.created_at:%Y-%m-%d %H:%M} обучена на "
                    f"{row.trained_on}, {'активна' if row.active else 'не активна'}, "
                    f"{row.size_bytes / 1e6:.1f} МБ"
                )
                lines.append("    " + _figures(row))
                if row.note:
                    lines.append(f"    {row.note}")
        return "\n".join(lines)

    typer.echo(run_step(go))


def _pct(value: Any) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) else "—"


def _figures(row: RoutingModel) -> str:
    m = row.metrics
    at = m.get("precision_at") or {}
    p_at = " ".join(f"P@{round(float(k) * 100)} {_pct(v)}" for k, v in sorted(at.items()))
    threshold = m.get("threshold")
    return (
        f"отложено {m.get('held_out', 0)}: точность {_pct(m.get('accuracy'))}, macro-F1 "
        f"{m.get('macro_f1', 0):.3f}, {p_at or 'P@— нет'}; порог "
        f"{f'{threshold:.3f}' if threshold is not None else 'нет (только подсказки)'}: сама направила бы "
        f"{_pct(m.get('auto_share'))} с точностью {_pct(m.get('auto_precision'))}"
    )
