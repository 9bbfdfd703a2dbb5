"""What a template sees of one language, or of a group's pair of languages.

``Lang`` speaks one language: its ``_`` translates through the catalogue and fills
``{placeholders}`` with escaped values, and its formatters follow the locale. ``Pair``
speaks all of a group's languages at once, for sections shown once for everybody (text
people typed, names), joining what differs with " / ".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from c2cbot.digests import formats
from c2cbot.digests.markup import Markup, Safe, bold, escape, italic, safe_join
from c2cbot.domain import display
from c2cbot.domain.digests import CityName, Written
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.flows.texts import Texts

MACHINE_TRANSLATION = N_("machine translation")
PAIR_SEPARATOR = " / "


class Lang:
    """One language of the group: translations, locale formats and markup helpers."""

    def __init__(
        self, code: str, markup: Markup, texts: Texts, cities: Mapping[str, CityName]
    ) -> None:
        self.code = code
        self.markup = markup
        self.texts = texts
        self.cities = cities

    def gettext(self, message: str, **params: Any) -> Safe:
        """The translation, escaped, with escaped values in its ``{placeholders}``."""
        translated = escape(self.texts.gettext(self.code, message), self.markup)
        if not params:
            return translated
        values = {k: self.safe(v) for k, v in params.items()}
        return Safe(translated.format(**values))

    def safe(self, value: Any) -> Safe:
        if isinstance(value, Safe):
            return value
        return escape(str(value), self.markup)

    # ----- markup
    def b(self, text: str) -> Safe:
        return bold(text, self.markup)

    def i(self, text: str) -> Safe:
        return italic(text, self.markup)

    def join(self, parts: Sequence[str], separator: str | None = None) -> Safe:
        """Items of a list: "、" between them in Chinese, a comma elsewhere."""
        shown = display.list_separator(self.code) if separator is None else separator
        return safe_join(list(parts), shown, self.markup)

    @property
    def colon(self) -> str:
        """After a label: "：" in Chinese, ": " elsewhere."""
        return display.colon(self.code)

    def parenthesised(self, text: str) -> str:
        return display.parenthesised(text, self.code)

    def people(self, people: Sequence[tuple[str, str | None]]) -> Safe:
        """Names with their organisations: "李明（成都市外办）、王芳"."""
        return self.join([n + self.parenthesised(o) if o else n for n, o in people])

    # ----- names
    def city(self, key: str | None) -> str:
        if key is None or key not in self.cities:
            return ""
        return self.cities[key].name(self.code)

    def step(self, step: Step) -> str:
        return self.texts.gettext(self.code, STEP_NAMES[step])

    def word(self, message: str | None) -> str:
        """A catalogue word (KPI name, unit); a partnership's own word comes back as is."""
        return self.texts.gettext(self.code, message) if message else ""

    # ----- numbers, money, dates, times
    def n(self, value: Decimal | int) -> str:
        return formats.number(self.code, value)

    def money(self, amount: Decimal, currency: str) -> str:
        return formats.money(self.code, amount, currency)

    def pct(self, ratio: Decimal) -> str:
        return formats.percent(self.code, ratio)

    def long_date(self, day: date) -> str:
        return formats.long_date(self.code, day)

    def short_date(self, day: date) -> str:
        return formats.short_date(self.code, day)

    def week(self, start: date, end: date) -> str:
        return formats.week(self.code, start, end)

    def day(self, moment: datetime, timezone: str) -> str:
        return formats.local_day(self.code, moment, timezone)

    def time(self, moment: datetime, timezone: str) -> str:
        return formats.local_time(self.code, moment, timezone)


class Pair:
    """All of a group's languages at once, for what is shown once for everybody."""

    def __init__(self, langs: Sequence[Lang]) -> None:
        self.langs = tuple(langs)
        self.markup = langs[0].markup
        # Chinese punctuation only where every language of the group is Chinese
        chinese = all(display.is_chinese(lang.code) for lang in self.langs)
        self.punctuation = self.langs[0].code if chinese else "en"

    def gettext(self, message: str, **params: Any) -> Safe:
        return self._joined([lang.gettext(message, **params) for lang in self.langs])

    def _joined(self, parts: Sequence[str]) -> Safe:
        unique = list(dict.fromkeys(p for p in parts if p))
        return safe_join(unique, PAIR_SEPARATOR, self.markup)

    def safe(self, value: Any) -> Safe:
        return value if isinstance(value, Safe) else escape(str(value), self.markup)

    def b(self, text: str) -> Safe:
        return bold(text, self.markup)

    def i(self, text: str) -> Safe:
        return italic(text, self.markup)

    def join(self, parts: Sequence[str], separator: str | None = None) -> Safe:
        shown = display.list_separator(self.punctuation) if separator is None else separator
        return safe_join(list(parts), shown, self.markup)

    @property
    def colon(self) -> str:
        return display.colon(self.punctuation)

    def parenthesised(self, text: str) -> str:
        return display.parenthesised(text, self.punctuation)

    def people(self, people: Sequence[tuple[str, str | None]]) -> Safe:
        return self.join([n + self.parenthesised(o) if o else n for n, o in people])

    def n(self, value: Decimal | int) -> Safe:
        return self._joined([lang.n(value) for lang in self.langs])

    def city(self, key: str | None) -> Safe:
        return self._joined([lang.city(key) for lang in self.langs])

    def short_date(self, day: date) -> Safe:
        return self._joined([lang.short_date(day) for lang in self.langs])

    def written(self, text: Written) -> list[Safe]:
        """Text as typed, marked with its language; then machine translations, marked so.

        Only translations into the group's other languages are shown: a German–Chinese
        group has no use for an English one.
        """
        typed = self._marked(f"[{formats.language_name(text.language)}] ", text.text)
        lines = list(typed)
        for lang in self.langs:
            translated = text.translations.get(lang.code)
            if lang.code == text.language or not translated:
                continue
            label = lang.texts.gettext(lang.code, MACHINE_TRANSLATION)
            marker = f"[{formats.language_name(lang.code)} · {label}] "
            lines += [lang.i(line) for line in self._marked(marker, translated)]
        return lines

    def _marked(self, marker: str, text: str) -> list[Safe]:
        """Escaped lines of ``text``, the first behind ``marker`` (ours: brackets kept)."""
        first, *rest = (escape(line, self.markup) for line in typed_lines(text))
        return [Safe(marker + first), *rest]


def typed_lines(text: str) -> list[str]:
    """The lines of typed text, blank ones dropped; each line gets its own markup so a
    message may be cut between any two of them."""
    return [line.rstrip() for line in text.strip().splitlines() if line.strip()] or [""]
