"""Make the English catalogue complete: English is the source language, so msgstr = msgid.

Run by ``make messages`` after ``pybabel update``; translators never edit the English
catalogue. It also starts every multi-line entry on its keyword's line
(``msgstr "first line\n"`` rather than ``msgstr ""``), equally valid gettext that simple
line-based checks read right.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po

# The catalogues in the checkout, which the package ships; never an installed copy.
LOCALE = Path(__file__).resolve().parents[1] / "src" / "c2cbot" / "locale"
PATH = LOCALE / "en" / "LC_MESSAGES" / "c2cbot.po"
_OPENING_EMPTY = re.compile(r'^(msgid|msgstr) ""\n"', re.MULTILINE)


def main() -> None:
    with PATH.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    for message in catalogue:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with PATH.open("wb") as handle:
        write_po(handle, catalogue, width=100, omit_header=False)
    for path in LOCALE.glob("*/LC_MESSAGES/c2cbot.po"):
        normalise_layout(path)


def normalise_layout(path: Path) -> None:
    """Start multi-line entries on their keyword's line, as line-based checks expect."""
    text = path.read_text(encoding="utf-8")
    path.write_text(_OPENING_EMPTY.sub(r'\1 "', text), encoding="utf-8")


if __name__ == "__main__":
    main()
