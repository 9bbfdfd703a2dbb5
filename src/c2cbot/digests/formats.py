"""Numbers, money, dates and times as each language writes them (Babel's CLDR data).

1,234.5 in English, 1.234,5 in German; 2026年11月28日 in Chinese. A meeting's time is
shown on each partner city's clock, since the two are often six or seven hours apart.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_percent

from c2cbot.domain import display

# Figures and money are written as the workspace writes them: one rule, in the domain.
from c2cbot.domain.display import money as money
from c2cbot.domain.display import number as number
from c2cbot.domain.display import tidy as tidy

# A meeting on each city's clock: written once, for the digest and the workspace alike.
from c2cbot.domain.local_times import local_day as local_day
from c2cbot.domain.local_times import local_time as local_time


@lru_cache(maxsize=32)
def locale_of(language: str) -> Locale:
    """Babel's locale for a catalogue code (``zh_Hans`` → Simplified Chinese)."""
    return Locale.parse(language)


def percent(language: str, ratio: Decimal) -> str:
    return format_percent(ratio, locale=locale_of(language))


def long_date(language: str, day: date) -> str:
    return format_date(day, format="long", locale=locale_of(language))


def short_date(language: str, day: date) -> str:
    """Day and month, with the weekday: enough for deadlines within a few weeks."""
    return format_skeleton("MMMEd", day, locale=locale_of(language))


def week(language: str, start: date, end: date) -> str:
    """A week as one range: "Nov 23 – 29, 2026", "2026年11月23日至29日"."""
    return format_interval(start, end, "yMMMd", locale=locale_of(language))


def language_name(language: str) -> str:
    """A language's own name, short: English, Deutsch, 中文."""
    if language.startswith("zh"):
        return "中文"
    locale = locale_of(language)
    name = locale.get_language_name(locale) or language
    return name[:1].upper() + name[1:]


def list_separator(language: str) -> str:
    """Between the items of a list: "、" in Chinese, a comma elsewhere."""
    return display.list_separator(language)
