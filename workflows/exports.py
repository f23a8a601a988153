"""Tables to CSV and XLSX bytes: the formats a curator opens in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

__all__ = ["Sheet", "to_csv", "to_xlsx"]


@dataclass
class Sheet:
    title: str  # ≤ 31 characters (Excel's limit)
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()


def _cell(value: Any, tz: ZoneInfo) -> Any:
    """Local naive datetimes (openpyxl refuses aware ones), plain values for everything else."""
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value  # enums
    return value


def to_xlsx(sheets: Sequence[Sheet], *, tz: ZoneInfo) -> bytes:
    """A workbook with one sheet per table; bold headers, frozen first row, sensible widths."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        for i, width in enumerate(sheet.widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for name in sheet.header:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            header.append(c)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_cell(v, tz) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, tz: ZoneInfo) -> str:
    """CSV with a header row; datetimes in local time, ISO format; opens in Excel via UTF-8 BOM."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        out = []
        for v in row:
            v = _cell(v, tz)
            out.append(v.isoformat(sep=" ") if isinstance(v, datetime) else v)
        w.writerow(out)
    return buf.getvalue()
