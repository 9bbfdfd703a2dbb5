"""A workbook of sheets as people open it: bold frozen header, filters, widths, wrapping.

Built from ``workspace.answer_sheets.Workbook`` (worded and typed already), so this only
formats. Text goes in cells that never become formulas (``export_files.never_a_formula``):
an answer typed as ``=HYPERLINK("http://evil", "click")`` is shown as typed and runs
nothing. Building is CPU work: the web handler runs it in a thread.
"""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook as OpenWorkbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from c2cbot.export_files import never_a_formula
from c2cbot.workspace.answer_sheets import Sheet, Workbook

HEADER_FONT = Font(bold=True)
WRAPPED = Alignment(wrap_text=True, vertical="top")
DATE = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm"


def xlsx(book: Workbook) -> bytes:
    """``book`` as the bytes of an .xlsx file."""
    found = OpenWorkbook()
    found.remove(found.active)
    for sheet in book.sheets:
        _fill(found.create_sheet(sheet.name), sheet, book)
    out = BytesIO()
    found.save(out)
    return out.getvalue()


def _fill(ws: Any, sheet: Sheet, book: Workbook) -> None:
    for column, (label, width) in enumerate(zip(book.header, book.widths, strict=True), 1):
        cell = never_a_formula(ws.cell(1, column, _clean(label)))
        cell.font, cell.alignment = HEADER_FONT, WRAPPED
        ws.column_dimensions[get_column_letter(column)].width = width
    for r, values in enumerate(sheet.rows, 2):
        for column, value in enumerate(values, 1):
            _format(never_a_formula(ws.cell(r, column, _clean(value))))
    ws.freeze_panes = "A2"
    last = get_column_letter(len(book.header))
    ws.auto_filter.ref = f"A1:{last}{max(len(sheet.rows) + 1, 1)}"


def _format(cell: Any) -> None:
    value = cell.value
    if isinstance(value, datetime):
        cell.number_format = MOMENT
    elif isinstance(value, date):
        cell.number_format = DATE
    elif isinstance(value, str):
        cell.alignment = WRAPPED


def _clean(value: Any) -> Any:
    """Text without the control characters an .xlsx cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
