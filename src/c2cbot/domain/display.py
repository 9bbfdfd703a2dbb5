"""How lists, labels and reporting periods are written for people, per language.

Chinese text takes its own punctuation: items of a list are separated by "、" and a
label by a full-width colon, "上海：王芳", never by an ASCII comma or colon. Reporting
periods keep their stored keys (``2026-Q3``, ``2026-04``, ``2026-W47``); people read
them as "2026年第三季度", "Q3 2026" or "3. Quartal 2026" (Babel's CLDR data, except the
Chinese quarter, which CLDR writes with an Arabic digit).
"""

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_currency, format_decimal

__all__ = [
    "colon",
    "comma",
    "is_chinese",
    "join_list",
    "labelled",
    "list_separator",
    "money",
    "number",
    "parenthesised",
    "period_label",
    "tidy",
]

_CHINESE_QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_YEAR = re.compile(r"\d{4}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DASH = re.compile(r"\s*[–-]\s*")


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def list_separator(language: str) -> str:
    """Between the items of a list: "、" in Chinese, a comma elsewhere."""
    return "、" if is_chinese(language) else ", "


def comma(language: str) -> str:
    """Between the parts of a phrase: "，" in Chinese, ", " elsewhere."""
    return "，" if is_chinese(language) else ", "


def colon(language: str) -> str:
    """Between a label and what it labels: "：" in Chinese, ": " elsewhere."""
    return "：" if is_chinese(language) else ": "


def join_list(items: Iterable[str], language: str) -> str:
    return list_separator(language).join(items)


def labelled(label: str, value: str, language: str) -> str:
    return f"{label}{colon(language)}{value}"


def parenthesised(text: str, language: str) -> str:
    """An aside after a name: "王芳（上海）" in Chinese, "Wang Fang (Shanghai)" elsewhere."""
    return f"（{text}）" if is_chinese(language) else f" ({text})"


def period_label(key: str, language: str) -> str:
    """A stored period key as people read it; an unknown key comes back unchanged."""
    try:
        return _label(key, language)
    except ValueError:
        return key


def _label(key: str, language: str) -> str:
    if "/" in key:  # a fortnight: 2026-W47/2026-W48
        first, _, second = key.partition("/")
        return _days(_week_start(first), _week_start(second).toordinal() + 6, language)
    if match := _WEEK.fullmatch(key):
        start = _week_start(key)
        return _days(start, start.toordinal() + 6, language)
    if match := _QUARTER.fullmatch(key):
        year, quarter = int(match[1]), int(match[2])
        if is_chinese(language):
            return f"{year}年{_CHINESE_QUARTERS[quarter - 1]}"
        skeleton = "yQQQ" if language.startswith("en") else "yQQQQ"
        return format_skeleton(skeleton, date(year, quarter * 3 - 2, 1), locale=language)
    if match := _MONTH.fullmatch(key):
        return format_skeleton("yMMMM", date(int(match[1]), int(match[2]), 1), locale=language)
    if _YEAR.fullmatch(key):
        return f"{key}年" if is_chinese(language) else key
    if _DAY.fullmatch(key):
        return format_date(date.fromisoformat(key), format="long", locale=language)
    return key


def _week_start(key: str) -> date:
    match = _WEEK.fullmatch(key)
    if match is None:
        raise ValueError(key)
    return date.fromisocalendar(int(match[1]), int(match[2]), 1)


def _days(start: date, end_ordinal: int, language: str) -> str:
    """A week or fortnight as a range of days: "2026年11月16日至22日", "Nov 16 – 22, 2026"."""
    shown = format_interval(start, date.fromordinal(end_ordinal), "yMMMd", locale=language)
    return _DASH.sub("至", shown) if is_chinese(language) else shown


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    """Babel's locale for a catalogue code (``zh_Hans`` → Simplified Chinese)."""
    return Locale.parse(language)


def tidy(value: Decimal) -> Decimal:
    """7.0000 from a NUMERIC(24, 4) column reads as 7; 7.5000 as 7.5."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def number(language: str, value: Decimal | int) -> str:
    """A figure as the language writes it: 1,234.5, 1.234,5, 1,234.5."""
    return format_decimal(tidy(Decimal(value)), locale=_locale(language))


def money(language: str, amount: Decimal, currency: str) -> str:
    """An amount with its currency; no ",00" after whole amounts (budgets are round)."""
    whole = tidy(amount) == tidy(amount).to_integral_value()
    pattern = None
    if whole:
        pattern = _locale(language).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(
        amount, currency, format=pattern, locale=_locale(language), currency_digits=not whole
    )
