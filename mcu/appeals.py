"""59-ФЗ appeals from the command line: import a ПОС export file, one line per record."""

import json
from pathlib import Path
from typing import Annotated

import typer

from mcu.common import CLI_ADMIN, get_municipality, run_step
from workflows.core.errors import DomainError
from workflows.items.pos_import import Outcome, PosResult, check_import_pos
from workflows.jobs.runtime import Runtime

SAID = {Outcome.created: "создано", Outcome.repeat: "уже загружено", Outcome.refused: "отказ"}


def _line(total: int, r: PosResult) -> str:
    head = f"[{r.index + 1}/{total}] ПОС {r.pos_id or '—'}: {SAID[r.outcome]}"
    if r.outcome is Outcome.refused:
        return f"{head}: {r.reason}"
    return f"{head} {r.number}"


def _records(path: Path) -> list[object]:
    if not path.is_file():
        raise DomainError(f"файл {path} не найден")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DomainError(f"файл {path} не JSON в UTF-8: {e}") from e
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list):
        raise DomainError("в файле должен быть список записей ПОС (или объект с полем records)")
    return data


def import_pos(
    path: Annotated[Path, typer.Argument(help="JSON-файл выгрузки ПОС (список записей)")],
    municipality: Annotated[str, typer.Option(help="код муниципалитета")],
) -> None:
    """Загрузить обращения и сообщения из ПОС: обращение 59-ФЗ поступает на регистрацию,
    остальное регистрируется как сообщение; повторная загрузка ничего не создаёт."""

    async def go(rt: Runtime) -> tuple[int, int, int]:
        records = _records(path)
        m = await get_municipality(rt, municipality)
        typer.echo(f"Записей в файле: {len(records)}")
        async with rt.sm() as s:
            results = await check_import_pos(
                s,
                clock=rt.clock,
                municipality_id=m.id or 0,
                records=list(records),
                actor=CLI_ADMIN,
                on_result=lambda r: typer.echo(_line(len(records), r)),
            )
        return tuple(sum(r.outcome is o for r in results) for o in Outcome)  # type: ignore[return-value]

    created, repeat, refused = run_step(go)
    typer.echo(f"Итого: создано {created}, уже было {repeat}, отказано {refused}.")
    if refused:
        raise typer.Exit(1)
