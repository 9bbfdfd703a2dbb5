"""Reference cities and partnerships from the report, packaged as demo and seed data.

The data lives in ``reference.yaml`` next to this module. :func:`load_reference` reads
and validates it once; :func:`parse_reference` does the same for any YAML text (tests,
imports of other city lists).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from c2cbot.domain.people import Side
from c2cbot.domain.steps import LOOPS, Step

#: Programmes a city or pair was listed under in the report.
PROGRAMMES: frozenset[str] = frozenset({"urban_eu_china", "iuc", "ec_link"})

_DATA_PACKAGE = "c2cbot.domain"
_DATA_FILE = "reference.yaml"
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
_COUNTRY = re.compile(r"[A-Z]{2}\Z")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_CITY_FIELDS = frozenset(
    {
        "key",
        "name_en",
        "name_zh",
        "name_de",
        "country",
        "side",
        "timezone",
        "programmes",
        "seeking_partner",
    }
)
_PARTNERSHIP_FIELDS = frozenset(
    {
        "key",
        "name",
        "cities",
        "loop",
        "step",
        "programmes",
        "mou_signed",
        "mou_expires",
        "started",
        "story",
    }
)


class ReferenceDataError(ValueError):
    """The reference data is malformed or inconsistent."""


@dataclass(frozen=True)
class City:
    """A city (or district, or new area) that takes part in EU–China cooperation."""

    key: str
    name_en: str
    name_zh: str
    country: str
    side: Side
    timezone: str
    name_de: str | None = None
    programmes: tuple[str, ...] = ()
    seeking_partner: bool = False

    @property
    def zone(self) -> ZoneInfo:
        """The city's time zone, for prompts at local working hours."""
        return ZoneInfo(self.timezone)

    def name(self, language: str) -> str:
        """The city's name for a reader of ``language`` (``zh``, ``zh_Hans``, ``de``…)."""
        if language.startswith("zh"):
            return self.name_zh
        if language.startswith("de") and self.name_de is not None:
            return self.name_de
        return self.name_en


@dataclass(frozen=True)
class PartnershipSeed:
    """A partnership between two or more cities, at least one on each side.

    ``mou_signed`` and ``mou_expires`` are the first day of the month where the report
    gives only a month. ``started`` is the year the cooperation began.
    """

    key: str
    name: str
    cities: tuple[str, ...]
    loop: str
    step: Step
    programmes: tuple[str, ...] = ()
    mou_signed: date | None = None
    mou_expires: date | None = None
    started: int | None = None
    story: str | None = None


@dataclass(frozen=True)
class Reference:
    """All reference cities and partnerships, validated."""

    cities: tuple[City, ...]
    partnerships: tuple[PartnershipSeed, ...]

    def city(self, key: str) -> City:
        """The city with ``key``; ``KeyError`` if there is none."""
        for city in self.cities:
            if city.key == key:
                return city
        raise KeyError(key)

    def partnership(self, key: str) -> PartnershipSeed:
        """The partnership with ``key``; ``KeyError`` if there is none."""
        for partnership in self.partnerships:
            if partnership.key == key:
                return partnership
        raise KeyError(key)

    def cities_on(self, side: Side) -> tuple[City, ...]:
        """The cities on one side of the EU–China cooperation."""
        return tuple(city for city in self.cities if city.side is side)

    def cities_of(self, partnership: PartnershipSeed) -> tuple[City, ...]:
        """The cities taking part in ``partnership``, in its order."""
        return tuple(self.city(key) for key in partnership.cities)

    def partnerships_of(self, city_key: str) -> tuple[PartnershipSeed, ...]:
        """The partnerships a city takes part in."""
        return tuple(p for p in self.partnerships if city_key in p.cities)


@cache
def load_reference() -> Reference:
    """Read and validate the packaged reference data (once per process)."""
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    return parse_reference(text)


def parse_reference(text: str) -> Reference:
    """Parse and validate reference data given as YAML text."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ReferenceDataError(f"reference data is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise ReferenceDataError("reference data must be a mapping")
    _check_fields(document, frozenset({"cities", "partnerships"}), "reference data")
    cities = tuple(_city(raw) for raw in _entries(document, "cities"))
    partnerships = tuple(_partnership(raw) for raw in _entries(document, "partnerships"))
    _check_unique((city.key for city in cities), "city")
    _check_unique((p.key for p in partnerships), "partnership")
    sides = {city.key: city.side for city in cities}
    for partnership in partnerships:
        _check_partnership_cities(partnership, sides)
    return Reference(cities, partnerships)


def is_chinese(text: str) -> bool:
    """True if ``text`` is non-empty and made only of CJK ideographs."""
    return bool(text) and all(_is_ideograph(char) for char in text)


def _is_ideograph(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF


# --- reading raw YAML values -----------------------------------------------------------


def _entries(document: Mapping[str, object], field: str) -> list[Mapping[str, object]]:
    value = document.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ReferenceDataError(f"{field!r} must be a list of mappings")
    return value


def _check_fields(raw: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(name) for name in raw if name not in allowed)
    if unknown:
        raise ReferenceDataError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _text(raw: Mapping[str, object], field: str, where: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(f"{where}: {field!r} must be a non-empty string")
    return value


def _optional_text(raw: Mapping[str, object], field: str, where: str) -> str | None:
    return None if raw.get(field) is None else _text(raw, field, where)


def _key(raw: Mapping[str, object], where: str) -> str:
    key = _text(raw, "key", where)
    if not _KEY.match(key):
        raise ReferenceDataError(f"{where}: key {key!r} is not a lowercase ascii slug")
    return key


def _keys(raw: Mapping[str, object], field: str, where: str) -> tuple[str, ...]:
    value = raw.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ReferenceDataError(f"{where}: {field!r} must be a list of strings")
    return tuple(value)


def _programmes(raw: Mapping[str, object], where: str) -> tuple[str, ...]:
    programmes = _keys(raw, "programmes", where)
    unknown = sorted(set(programmes) - PROGRAMMES)
    if unknown:
        raise ReferenceDataError(f"{where}: unknown programme(s) {', '.join(unknown)}")
    return programmes


def _flag(raw: Mapping[str, object], field: str, where: str) -> bool:
    value = raw.get(field, False)
    if not isinstance(value, bool):
        raise ReferenceDataError(f"{where}: {field!r} must be true or false")
    return value


def _year(raw: Mapping[str, object], field: str, where: str) -> int | None:
    value = raw.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
        raise ReferenceDataError(f"{where}: {field!r} must be a four-digit year")
    return value


def _month_or_date(raw: Mapping[str, object], field: str, where: str) -> date | None:
    """An ISO date; ``YYYY-MM`` (month precision) becomes the first of that month."""
    value = raw.get(field)
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    match = _YEAR_MONTH.match(value) if isinstance(value, str) else None
    if match is not None and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    raise ReferenceDataError(f"{where}: {field!r} must be YYYY-MM-DD or YYYY-MM")


# --- building and checking entries -----------------------------------------------------


def _city(raw: Mapping[str, object]) -> City:
    where = f"city {raw.get('key')!r}"
    _check_fields(raw, _CITY_FIELDS, where)
    city = City(
        key=_key(raw, where),
        name_en=_text(raw, "name_en", where),
        name_zh=_text(raw, "name_zh", where),
        country=_text(raw, "country", where),
        side=_side(raw, where),
        timezone=_timezone(raw, where),
        name_de=_optional_text(raw, "name_de", where),
        programmes=_programmes(raw, where),
        seeking_partner=_flag(raw, "seeking_partner", where),
    )
    if not _COUNTRY.match(city.country):
        raise ReferenceDataError(f"{where}: country must be an ISO 3166 alpha-2 code")
    if not is_chinese(city.name_zh):
        raise ReferenceDataError(f"{where}: name_zh must be Chinese characters only")
    return city


def _side(raw: Mapping[str, object], where: str) -> Side:
    value = _text(raw, "side", where)
    try:
        return Side(value)
    except ValueError:
        raise ReferenceDataError(f"{where}: side must be 'eu' or 'cn', not {value!r}") from None


def _timezone(raw: Mapping[str, object], where: str) -> str:
    value = _text(raw, "timezone", where)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReferenceDataError(f"{where}: unknown time zone {value!r}") from None
    return value


def _partnership(raw: Mapping[str, object]) -> PartnershipSeed:
    where = f"partnership {raw.get('key')!r}"
    _check_fields(raw, _PARTNERSHIP_FIELDS, where)
    partnership = PartnershipSeed(
        key=_key(raw, where),
        name=_text(raw, "name", where),
        cities=_keys(raw, "cities", where),
        loop=_text(raw, "loop", where),
        step=_step(raw, where),
        programmes=_programmes(raw, where),
        mou_signed=_month_or_date(raw, "mou_signed", where),
        mou_expires=_month_or_date(raw, "mou_expires", where),
        started=_year(raw, "started", where),
        story=_optional_text(raw, "story", where),
    )
    _check_loop(partnership, where)
    _check_mou_dates(partnership, where)
    return partnership


def _step(raw: Mapping[str, object], where: str) -> Step:
    value = _text(raw, "step", where)
    try:
        return Step(value)
    except ValueError:
        raise ReferenceDataError(f"{where}: unknown step {value!r}") from None


def _check_loop(partnership: PartnershipSeed, where: str) -> None:
    loop = LOOPS.get(partnership.loop)
    if loop is None:
        raise ReferenceDataError(f"{where}: unknown loop {partnership.loop!r}")
    if partnership.step not in loop.steps:
        raise ReferenceDataError(f"{where}: step {partnership.step} is not on loop {loop.key}")


def _check_mou_dates(partnership: PartnershipSeed, where: str) -> None:
    signed, expires = partnership.mou_signed, partnership.mou_expires
    if signed is not None and expires is not None and expires <= signed:
        raise ReferenceDataError(f"{where}: mou_expires must be after mou_signed")


def _check_unique(keys: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ReferenceDataError(f"duplicate {what} key {key!r}")
        seen.add(key)


def _check_partnership_cities(partnership: PartnershipSeed, sides: Mapping[str, Side]) -> None:
    where = f"partnership {partnership.key!r}"
    unknown = [key for key in partnership.cities if key not in sides]
    if unknown:
        raise ReferenceDataError(f"{where}: unknown city key(s) {', '.join(unknown)}")
    if len(set(partnership.cities)) != len(partnership.cities):
        raise ReferenceDataError(f"{where}: a city is listed twice")
    present = {sides[key] for key in partnership.cities}
    if present != {Side.EU, Side.CN}:
        raise ReferenceDataError(f"{where}: needs at least one European and one Chinese city")
