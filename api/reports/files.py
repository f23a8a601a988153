"""A report as a file: CSV of its table, or XLSX with it and a sheet saying what was counted."""

from typing import Any

from fastapi import Response

from api.reports.query import Ask
from workflows.reports.exports import Sheet, to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, или файл при format=csv / format=xlsx",
        "content": {"text/csv": {}, XLSX: {}},
    }
}


def file_response(q: Ask, name: str, sheet: Sheet, *, stamp: str | None = None) -> Response:
    """CSV of the one table, or XLSX with it and a sheet saying what was counted."""
    parts = [name, q.municipality.code if q.municipality else "", q.sector.code if q.sector else ""]
    for cut in (q.scope.channels, q.scope.kinds):  # ASCII enum values: the file says its cut
        parts.append(".".join(v.value for v in cut or ()))
    parts.append(stamp or q.period.code.replace("..", "_"))
    filename = "-".join(p for p in parts if p) + "." + q.fmt
    tz = q.period.tz
    if q.fmt == "csv":
        body, media = to_csv(sheet.header, sheet.rows, tz=tz).encode(), "text/csv; charset=utf-8"
    else:
        about = Sheet(
            "Параметры",
            ("Параметр", "Значение"),
            [
                ("Отчёт", sheet.title),
                ("Период", q.period.label),
                ("Код периода", q.period.code),
                ("Муниципалитет", q.municipality.name if q.municipality else "все"),
                ("Отраслевой блок", q.sector.name if q.sector else "все"),
                ("Разрез по каналу и виду", q.scope.cut),
                ("Сформирован", q.now),
            ],
            (20, 40),
        )
        body, media = to_xlsx([sheet, about], tz=tz), XLSX
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
