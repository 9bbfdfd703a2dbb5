"""A city added by an operator: checked like the reference data, against CLDR and IANA.

A new city must be as good as a reference one: its country a real territory in CLDR
(Babel's copy), so its currency and language can be derived from it; its time zone an
IANA zone, so prompts arrive at local working hours; its Chinese name in Chinese
characters, as Chinese readers and WeChat show it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.languages import get_official_languages
from babel.numbers import get_territory_currencies

from c2cbot.domain.people import Side
from c2cbot.domain.reference import City, is_chinese

CHINESE = "zh_Hans"
FALLBACK_LANGUAGE = "en"
# Territories on the Chinese side of a partnership; every other country is European.
CHINESE_SIDE = frozenset({"CN", "HK", "MO"})
# CLDR territories that are no country a city lies in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
_COUNTRY = re.compile(r"[A-Z]{2}\Z")
LONGEST = {"name_en": 120, "name_zh": 60, "name_de": 120}


class CityProblem(ValueError):
    """Why a city cannot be added; the message names the field and the value."""


def checked_city(
    key: str,
    names: dict[str, str | None],
    country: str,
    timezone: str,
    on: date,
    side: str | None = None,
) -> City:
    """A city from what the operator typed; ``CityProblem`` on the first thing wrong.

    ``names`` holds ``name_en``, ``name_zh`` and optionally ``name_de``. The side is
    derived from the country unless given. ``on`` is today, for the country's currency.
    """
    country = country.strip().upper()
    _check_key(key)
    _check_names(names)
    _check_country(country, on)
    _check_timezone(timezone)
    return City(
        key=key,
        name_en=str(names["name_en"]).strip(),
        name_zh=str(names["name_zh"]).strip(),
        name_de=(names.get("name_de") or "").strip() or None,
        country=country,
        side=_side(side, country),
        timezone=timezone,
    )


def currency_of(country: str, on: date) -> str | None:
    """The currency a country pays in on ``on`` (CLDR), the first if it has several."""
    currencies = get_territory_currencies(country, start_date=on, tender=True)
    return currencies[0] if currencies else None


def language_of(country: str, supported: Collection[str]) -> str:
    """The language the bot speaks with a country's readers: its first official language
    if the bot has a catalogue for it, else English (Gothenburg reads English, Bonn German)."""
    if country in CHINESE_SIDE:
        return CHINESE
    official = get_official_languages(country)
    first = official[0] if official else FALLBACK_LANGUAGE
    return first if first in supported else FALLBACK_LANGUAGE


def group_languages(countries: Iterable[tuple[Side, str]], supported: Collection[str]) -> list[str]:
    """A partnership group's two languages: its European cities' language (English when
    they differ) beside Chinese, as /link offers them first."""
    european = {language_of(country, supported) for side, country in countries if side is Side.EU}
    first = european.pop() if len(european) == 1 else FALLBACK_LANGUAGE
    return [first, CHINESE] if first != CHINESE else [CHINESE]


def _check_key(key: str) -> None:
    if not _KEY.match(key):
        raise CityProblem(
            f"city key {key!r} must be a lowercase ascii slug (a-z, 0-9, _; at most 40)"
        )


def _check_names(names: dict[str, str | None]) -> None:
    for field, longest in LONGEST.items():
        value = (names.get(field) or "").strip()
        if field != "name_de" and not value:
            raise CityProblem(f"the city needs {field}")
        if len(value) > longest:
            raise CityProblem(f"{field} {value!r} is longer than {longest} characters")
    if not is_chinese(str(names["name_zh"]).strip()):
        raise CityProblem(f"the Chinese name {names['name_zh']!r} must be Chinese characters only")


def _check_country(country: str, on: date) -> None:
    """A CLDR territory that is a country, with a currency (a city's money is in it)."""
    known = _COUNTRY.match(country) and country in Locale("en").territories
    if not known or country in NOT_COUNTRIES or currency_of(country, on) is None:
        raise CityProblem(f"unknown country {country!r}: give an ISO 3166 code such as SE or CN")


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CityProblem(
            f"unknown time zone {timezone!r}: give an IANA zone such as Europe/Stockholm"
        ) from None


def _side(side: str | None, country: str) -> Side:
    if side is None:
        return Side.CN if country in CHINESE_SIDE else Side.EU
    try:
        return Side(side)
    except ValueError:
        raise CityProblem(f"side must be 'eu' or 'cn', not {side!r}") from None
