"""Reading the dates people type: the European day first, the Chinese year first, or named.

``1.12.2026``, ``01/12/2026``, ``2026-12-01``, ``2026年12月1日``, ``20261201``, ``1. Dezember
2026``, ``1st Dec 2026`` and ``December 1, 2026`` are all the first of December. Dates with a
four-digit year last are read day first, the European way (``01/12/2026`` is the first of
December, never the twelfth of January).
"""

import re
from datetime import date

from babel.dates import get_month_names

from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue, cleaned

__all__ = ["MONTH_NAME_LOCALES", "parse_date"]

_YEARS = range(1900, 2201)
_DATE_HINT = N_("Please send a date such as 2026-12-01, 1.12.2026 or 2026年12月1日.")

_DATE_PATTERNS = (
    re.compile(r"(?P<y>[0-9]{4}) ?(?P<sep>[-/.]) ?(?P<m>[0-9]{1,2}) ?(?P=sep) ?(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<d>[0-9]{1,2}) ?(?P<sep>[-/.]) ?(?P<m>[0-9]{1,2}) ?(?P=sep) ?(?P<y>[0-9]{4})"),
    re.compile(r"(?P<y>[0-9]{4}) ?年 ?(?P<m>[0-9]{1,2}) ?月 ?(?P<d>[0-9]{1,2}) ?[日号]?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
)
# "1. Dezember 2026", "1st Dec 2026", "December 1, 2026": month names as people type them.
_ORDINAL = r"(?:\.|st|nd|rd|th)?"
_NAMED_MONTH_DATES = (
    re.compile(rf"(?P<d>[0-9]{{1,2}}){_ORDINAL} ?(?P<name>[^\W\d_]+)\.?,? ?(?P<y>[0-9]{{4}})"),
    re.compile(rf"(?P<name>[^\W\d_]+)\.? ?(?P<d>[0-9]{{1,2}}){_ORDINAL},? ?(?P<y>[0-9]{{4}})"),
)


def parse_date(text: str) -> date:
    """Europe writes the day first and China the year first; both must land on the same day."""
    clean = cleaned(text)
    year, month, day = _date_parts(clean)
    if year not in _YEARS:
        raise InvalidValue(
            N_("Please send a date between the years {low} and {high}."),
            low=_YEARS.start,
            high=_YEARS.stop - 1,
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(N_("That date does not exist: {text}."), text=clean) from None


def _date_parts(clean: str) -> tuple[int, int, int]:
    for pattern in _DATE_PATTERNS:
        if match := pattern.fullmatch(clean):
            return int(match["y"]), int(match["m"]), int(match["d"])
    for pattern in _NAMED_MONTH_DATES:
        match = pattern.fullmatch(clean)
        if match and (month := _MONTHS.get(match["name"].casefold())):
            return int(match["y"]), month, int(match["d"])
    raise InvalidValue(_DATE_HINT)


def _month_names() -> dict[str, int]:
    """Full and short month names in the European languages the bot speaks, from CLDR."""
    names: dict[str, int] = {}
    for locale in MONTH_NAME_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    names[name.casefold().rstrip(".")] = number
    return names


MONTH_NAME_LOCALES = ("en", "de")
_MONTHS = _month_names()
