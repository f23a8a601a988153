"""Social-network incidents from the command line: how precise automatic acceptance would be,
judged by the operator's own decisions."""

from typing import Annotated

import typer
from sqlmodel import select

from mcu.common import get_municipality, run_step
from models import Municipality
from workflows.core.errors import DomainError
from workflows.incidents.candidates import get_monitor
from workflows.incidents.learning import MIN_PRECISION_DECISIONS, AcceptanceReport, get_acceptance
from workflows.jobs.runtime import Runtime

STANDARD = (0.6, 0.7, 0.8, 0.9)


async def _municipality(rt: Runtime, code: str | None) -> Municipality:
    if code is not None:
        return await get_municipality(rt, code)
    async with rt.sm() as s:
        found = list((await s.exec(select(Municipality).limit(2))).all())
    if len(found) != 1:
        raise DomainError(
            "укажите муниципалитет: --municipality КОД"
            if found
            else "муниципалитетов нет: сначала `mcu setup apply файл.yaml`"
        )
    return found[0]


def precision(
    municipality: Annotated[
        str | None, typer.Option(help="код муниципалитета (если он не один)")
    ] = None,
) -> None:
    """Точность автоматического принятия кандидатов по решениям оператора: из решённых
    оператором публикаций с оценкой не ниже порога — доля принятых."""

    async def go(rt: Runtime) -> str:
        m = await _municipality(rt, municipality)
        async with rt.sm() as s:
            monitor = await get_monitor(s, municipality_id=m.id or 0)
            above = monitor.accept_above if monitor is not None else None
            thresholds = sorted({*STANDARD, *([above] if above is not None else [])})
            report = await get_acceptance(s, municipality_id=m.id or 0, thresholds=thresholds)
        return _render(m.code, above, report)

    typer.echo(run_step(go))


def _render(code: str, above: float | None, report: AcceptanceReport) -> str:
    decided = report.accepted + report.dismissed
    lines = [
        f"Решения оператора по публикациям «{code}»: {decided} (принято {report.accepted}, "
        f"отклонено {report.dismissed}); принятые автоматически не считаются.",
        f"Порог автоматического принятия (monitoring.accept_above): {above}"
        if above is not None
        else "Автоматическое принятие выключено (monitoring.accept_above не задан).",
    ]
    if decided < MIN_PRECISION_DECISIONS:
        lines.append(
            f"Слишком мало решений, чтобы оценить точность: {decided}, "
            f"нужно не меньше {MIN_PRECISION_DECISIONS}."
        )
        return "\n".join(lines)
    lines.append("оценка ≥  решений  принято  отклонено  точность")
    for row in report.rows:
        mark = " ← настройка" if row.above == above else ""
        shown = f"{row.precision:.3f}" if row.enough and row.precision is not None else "мало"
        lines.append(
            f"{row.above:9.2f}  {row.decided:7}  {row.accepted:7}  {row.dismissed:9}  {shown}{mark}"
        )
    if any(not row.enough for row in report.rows):
        lines.append(
            f"«мало»: выше порога меньше {MIN_PRECISION_DECISIONS} решений, точность не оценить."
        )
    return "\n".join(lines)
