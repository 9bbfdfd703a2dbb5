"""How the management commands print: aligned plain-text tables for people, JSON for scripts.

Chinese names take two terminal columns a character, so widths are counted as a
terminal shows them, and the columns stay aligned beside 哥德堡 and 上海.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

EMPTY = "-"
GAP = "  "


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def print_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> None:
    """``rows`` under a header of ``columns``, each column as wide as its widest cell."""
    cells = [list(columns)] + [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(width(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        padded = (
            text + " " * (size - width(text)) for text, size in zip(line, widths, strict=True)
        )
        print(GAP.join(padded).rstrip())


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=plain))


def print_fields(fields: Sequence[tuple[str, object]]) -> None:
    """``label: value`` lines with the values aligned."""
    widest = max(width(label) for label, _value in fields)
    for label, value in fields:
        print(f"{label}:{' ' * (widest - width(label))} {cell(value)}")


def cell(value: object) -> str:
    """A value as a table shows it: dates as ISO dates, times to the minute in UTC."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {cell(item)}" for key, item in value.items())
    return plain(value)


def plain(value: object) -> str:
    """What JSON cannot hold as it is: dates and times in ISO 8601, amounts as written."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def width(text: str) -> int:
    """Columns a terminal gives ``text``: two for each wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
