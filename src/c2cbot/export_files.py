"""Answers written as JSONL, CSV or xlsx, safe to open in a spreadsheet.

People type answers, names and organisations, and a spreadsheet runs whatever looks like
a formula: ``=HYPERLINK("http://evil", "click")`` typed as an organisation would become a
live link in the coordinator's Excel. So every text cell of an xlsx is written as a
string cell (never a formula), and in CSV, which has no cell types, text that begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe,
as OWASP recommends. Plain numbers ("-12", "+3.5") are left alone: no spreadsheet runs
them, and the apostrophe would turn a figure into text.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, TextIO

Row = dict[str, Any]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def plain(value: Any) -> Any:
    """Lists and mappings as JSON text; everything else as it is."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def defused(value: Any) -> Any:
    """``value`` as a spreadsheet will show it but never run it (for CSV)."""
    value = plain(value)
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    return value if _PLAIN_NUMBER.fullmatch(value) else "'" + value


async def write_jsonl(rows: AsyncIterator[Row], out: TextIO) -> None:
    async for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


async def write_csv(rows: AsyncIterator[Row], out: TextIO, columns: Sequence[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    async for row in rows:
        writer.writerow({key: defused(value) for key, value in row.items()})


async def write_xlsx(rows: AsyncIterator[Row], path: Path, columns: Sequence[str]) -> None:
    """One sheet ``answers``; text goes in string cells, so nothing typed becomes a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("answers")
    sheet.append(list(columns))
    async for row in rows:
        sheet.append([_xlsx_cell(sheet, plain(value)) for value in row.values()])
    book.save(path)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    return never_a_formula(WriteOnlyCell(sheet, value=value))


def never_a_formula(cell: Any) -> Any:
    """An openpyxl cell whose text stays text: a string cell (openpyxl would store "=…"
    as a formula), and text that looks like one also marked "quoted" (Excel's own leading
    apostrophe, not shown), so it stays text when someone edits the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell
