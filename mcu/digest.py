"""The weekly note from the command line: print it, save its files, and with --send queue it."""

import html
import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from mcu.common import get_municipality, run_step
from workflows.calendar.periods import parse_period, week_period
from workflows.core.errors import DomainError
from workflows.jobs.runtime import Runtime


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

        m = await get_municipality(rt, municipality)
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

    typer.echo(run_step(go))


def _plain(note: str) -> str:
    """The note's Telegram HTML as terminal text."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", note))
