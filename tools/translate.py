"""Apply translations to a catalogue, or list what a catalogue still lacks.

    python tools/translate.py missing zh_Hans           # JSON list of untranslated msgids
    python tools/translate.py apply zh_Hans file.json   # {msgid: msgstr, ...} into the catalogue

Several people (and agents) translate at once; every read-modify-write of a catalogue
holds an exclusive lock on ``src/c2cbot/locale/.lock``, the same lock ``make messages``
takes.
"""

from __future__ import annotations

import fcntl
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from fill_english import LOCALE, normalise_layout


@contextmanager
def _locked() -> Iterator[None]:
    with (LOCALE / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "c2cbot.po"


def missing(language: str) -> list[str]:
    with _path(language).open("rb") as handle:
        catalogue = read_po(handle)
    return [str(m.id) for m in catalogue if m.id and (not m.string or m.fuzzy)]


def apply(language: str, translations: dict[str, str]) -> int:
    """Set the given entries; returns how many matched an entry of the catalogue."""
    with _locked():
        with _path(language).open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        matched = 0
        for message in catalogue:
            if message.id and str(message.id) in translations:
                message.string = translations[str(message.id)]
                message.flags.discard("fuzzy")
                matched += 1
        with _path(language).open("wb") as handle:
            write_po(handle, catalogue, width=100, omit_header=False)

        normalise_layout(_path(language))
    return matched


def main(argv: list[str]) -> None:
    if argv[:1] == ["missing"] and len(argv) == 2:
        json.dump(missing(argv[1]), sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif argv[:1] == ["apply"] and len(argv) == 3:
        translations = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        matched = apply(argv[1], translations)
        print(f"{matched} of {len(translations)} entries applied; {len(missing(argv[1]))} missing")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
