"""Tables to CSV and XLSX bytes: the formats a curator opens in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

__all__ = ["Sheet", "to_csv", "to_xlsx"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as a formula


@dataclass
class Sheet:
    title: str  # ≤ 31 characters (Excel's limit)
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()


def _cell(value: Any, tz: ZoneInfo) -> Any:
    """Local naive datetimes (spreadsheets know no zones), plain values for everything else."""
    if value is None or isinstance(value, str | int | float):  # most cells: checked first
        return value.value if isinstance(value, Enum) else value  # str and int enums
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    return value.value if isinstance(value, Enum) else value


def to_xlsx(sheets: Sequence[Sheet], *, tz: ZoneInfo) -> bytes:
    """A workbook with one sheet per table; bold headers, frozen first row, sensible widths.

    XlsxWriter, several times faster than openpyxl at the weekly note's thousands of rows.
    Texts stay texts: a citizen's "=…" is never made a formula nor a "http…" a link."""
    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(buf, options)
    bold = wb.add_format({"bold": True})
    when = wb.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    day = wb.add_format({"num_format": "dd.mm.yyyy"})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.title[:31])
        for i, width in enumerate(sheet.widths):
            ws.set_column(i, i, width)
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, list(sheet.header), bold)
        for r, row in enumerate(sheet.rows, 1):
            for c, raw in enumerate(row):
                v = _cell(raw, tz)
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, int | float):
                    ws.write_number(r, c, v)
                elif isinstance(v, datetime):
                    ws.write_datetime(r, c, v, when)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, v, day)
                else:
                    ws.write_string(r, c, str(v))
    wb.close()
    return buf.getvalue()


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, tz: ZoneInfo) -> str:
    """CSV with a header row; datetimes in local time, ISO format; opens in Excel via UTF-8 BOM.
    A text that a spreadsheet would take for a formula gets a leading apostrophe."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        out = []
        for v in row:
            v = _cell(v, tz)
            if isinstance(v, datetime):
                v = v.isoformat(sep=" ")
            elif isinstance(v, str) and v.startswith(FORMULA_START):
                v = "'" + v  # a spreadsheet would run "=…" from a citizen's text as a formula
            out.append(v)
        w.writerow(out)
    return buf.getvalue()
