"""Make the English catalogue complete: English is the source language, so msgstr = msgid.

Run by ``make messages`` after ``pybabel update``; translators never edit locale/en.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PATH = Path(__file__).parent / "en" / "LC_MESSAGES" / "c2cbot.po"


def main() -> None:
    with PATH.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    for message in catalogue:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with PATH.open("wb") as handle:
        write_po(handle, catalogue, width=100, omit_header=False)


if __name__ == "__main__":
    main()
