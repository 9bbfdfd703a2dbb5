"""Languages: Babel catalogues read from locale/, locale choice, and locale-aware formatting.

Catalogues are compiled from the .po files in memory at start-up, so there is no
build step between editing a translation and seeing it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

DOMAIN = "c2cbot"


def browser_language(accept_language: str | None) -> str | None:
    """The browser's first language in its ``Accept-Language`` header, for
    ``choose_language`` (``de-DE,de;q=0.9,en;q=0.8``: ``de-DE``); ``None`` without one."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip()[:35]
    return first or None


class Catalogues:
    """Every language c2cbot speaks; implements ``flows.texts.Texts``."""

    def __init__(self, locale_dir: Path, default: str = "en") -> None:
        self._catalogues: dict[str, Catalog] = {}
        self._translations: dict[str, Translations] = {}
        for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = path.parent.parent.name
            self._catalogues[code], self._translations[code] = _compiled(path.read_bytes())
        if default not in self._translations:
            raise ValueError(f"no catalogue for the default language {default!r} in {locale_dir}")
        self.default = default
        self._names = {code: _endonym(code) for code in self._ordered()}

    def _ordered(self) -> list[str]:
        first = [c for c in ("en", "zh_Hans") if c in self._translations]
        return first + sorted(set(self._translations) - set(first))

    @property
    def languages(self) -> Mapping[str, str]:
        return self._names

    def choose_language(self, hint: str | None) -> str:
        """Map a channel's hint (``zh-hans``, ``zh_CN``, ``en-GB``, ``de``) to a catalogue."""
        if not hint:
            return self.default
        wanted = hint.replace("-", "_").lower()
        if wanted.startswith("zh") and "zh_Hans" in self._translations:
            return "zh_Hans"
        for code in self._translations:
            if wanted == code.lower() or wanted.split("_")[0] == code.lower().split("_")[0]:
                return code
        return self.default

    def gettext(self, language: str, message: str) -> str:
        translations = self._translations.get(language) or self._translations[self.default]
        return translations.gettext(message)

    def format_number(self, language: str, value: Decimal) -> str:
        return format_decimal(value, locale=language, decimal_quantization=False)

    def format_money(self, language: str, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=language, decimal_quantization=False)

    def format_date(self, language: str, value: date) -> str:
        return format_date(value, format="long", locale=language)

    def known(self, language: str) -> set[str]:
        """Message ids the language has a real (non-empty, non-fuzzy) translation for."""
        catalogue = self._catalogues[language]
        return {str(m.id) for m in catalogue if m.id and m.string and not m.fuzzy}

    def translations(self, language: str) -> Translations:
        return self._translations.get(language) or self._translations[self.default]


@lru_cache(maxsize=16)
def _compiled(po: bytes) -> tuple[Catalog, Translations]:
    """Read and compiled once per file content: every bot a process builds (a test run
    builds thousands) reads the same catalogues, and nothing changes them once read."""
    catalogue = read_po(io.BytesIO(po), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return catalogue, Translations(buffer, domain=DOMAIN)


ENDONYMS = {"zh_Hans": "简体中文", "de": "Deutsch"}


def _endonym(code: str) -> str:
    if code in ENDONYMS:
        return ENDONYMS[code]
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]
