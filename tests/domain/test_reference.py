"""The packaged reference data loads, and the loader rejects inconsistent data."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from c2cbot.domain.people import Side
from c2cbot.domain.reference import (
    City,
    ReferenceDataError,
    is_chinese,
    load_reference,
    parse_reference,
)
from c2cbot.domain.steps import LOOPS, Step

REFERENCE = load_reference()


def test_loads_many_cities_and_partnerships() -> None:
    assert len(REFERENCE.cities) >= 60
    assert len(REFERENCE.partnerships) >= 40
    assert REFERENCE.cities_on(Side.EU) and REFERENCE.cities_on(Side.CN)


def test_load_is_cached() -> None:
    assert load_reference() is REFERENCE


def test_gothenburg_shanghai_mou_renewed_may_2017() -> None:
    partnership = REFERENCE.partnership("gothenburg_shanghai")
    assert partnership.name == "Gothenburg–Shanghai"
    assert partnership.cities == ("gothenburg", "shanghai")
    assert partnership.loop == "continual_improvement"
    assert partnership.mou_signed is not None
    assert (partnership.mou_signed.year, partnership.mou_signed.month) == (2017, 5)
    assert partnership.mou_expires == date(2020, 5, 1)
    assert partnership.story


@pytest.mark.parametrize(
    ("key", "name_zh", "country", "side", "timezone"),
    [
        ("gothenburg", "哥德堡", "SE", Side.EU, "Europe/Stockholm"),
        ("shanghai", "上海", "CN", Side.CN, "Asia/Shanghai"),
        ("xian", "西安", "CN", Side.CN, "Asia/Shanghai"),
        ("hong_kong", "香港", "HK", Side.CN, "Asia/Hong_Kong"),
        ("manchester", "曼彻斯特", "GB", Side.EU, "Europe/London"),
        ("bonn", "波恩", "DE", Side.EU, "Europe/Berlin"),
        ("sonderborg", "森讷堡", "DK", Side.EU, "Europe/Copenhagen"),
    ],
)
def test_known_cities(key: str, name_zh: str, country: str, side: Side, timezone: str) -> None:
    city = REFERENCE.city(key)
    assert (city.name_zh, city.country, city.side, city.timezone) == (
        name_zh,
        country,
        side,
        timezone,
    )


def test_every_chinese_name_is_chinese_characters_only() -> None:
    not_chinese = [c.key for c in REFERENCE.cities if not is_chinese(c.name_zh)]
    assert not_chinese == []


def test_every_timezone_is_valid_and_matches_the_side() -> None:
    for city in REFERENCE.cities:
        assert isinstance(city.zone, ZoneInfo)
        continent = "Europe/" if city.side is Side.EU else "Asia/"
        assert city.timezone.startswith(continent), city.key


def test_keys_are_unique_ascii_slugs() -> None:
    keys = [c.key for c in REFERENCE.cities]
    assert len(keys) == len(set(keys))
    assert all(key.isascii() and key == key.lower() for key in keys)
    partnership_keys = [p.key for p in REFERENCE.partnerships]
    assert len(partnership_keys) == len(set(partnership_keys))


def test_every_partnership_spans_both_sides_on_a_valid_loop_step() -> None:
    for partnership in REFERENCE.partnerships:
        sides = {city.side for city in REFERENCE.cities_of(partnership)}
        assert sides == {Side.EU, Side.CN}, partnership.key
        assert partnership.step in LOOPS[partnership.loop].steps, partnership.key


def test_pairs_from_the_report() -> None:
    keys = {p.key for p in REFERENCE.partnerships}
    assert {"manchester_wuhan", "manchester_tianjin", "malmo_hong_kong"} <= keys
    assert sum(1 for p in REFERENCE.partnerships if p.cities[0] == "milan") == 5
    assert sum(1 for p in REFERENCE.partnerships if p.cities[0] == "nice") == 5
    assert REFERENCE.partnership("munster_dalian").cities == ("munster", "enschede", "dalian")
    assert REFERENCE.partnership("athens_chengdu").step is Step.PARTNER


def test_cities_looking_for_a_match_are_kept_without_partnerships() -> None:
    for key in ("terrassa", "binhai", "deyang", "stockholm"):
        REFERENCE.city(key)
        assert REFERENCE.partnerships_of(key) == ()
    assert REFERENCE.city("terrassa").seeking_partner


def test_city_name_by_language() -> None:
    milan = REFERENCE.city("milan")
    assert (milan.name("en"), milan.name("zh_Hans"), milan.name("de")) == (
        "Milan",
        "米兰",
        "Mailand",
    )
    assert REFERENCE.city("bonn").name("de") == "Bonn"


def test_unknown_keys_raise_key_error() -> None:
    with pytest.raises(KeyError):
        REFERENCE.city("atlantis")
    with pytest.raises(KeyError):
        REFERENCE.partnership("atlantis_shanghai")


# --- validation ------------------------------------------------------------------------

_CITIES = """
cities:
  - {key: gothenburg, name_en: Gothenburg, name_zh: 哥德堡, country: SE, side: eu,
     timezone: Europe/Stockholm}
  - {key: shanghai, name_en: Shanghai, name_zh: 上海, country: CN, side: cn,
     timezone: Asia/Shanghai}
  - {key: malmo, name_en: Malmö, name_zh: 马尔默, country: SE, side: eu,
     timezone: Europe/Stockholm}
"""

_PARTNERSHIP = """
partnerships:
  - {key: gs, name: G–S, cities: [gothenburg, shanghai], loop: continual_improvement,
     step: do, mou_signed: 2017-05, mou_expires: 2020-05-31}
"""


def test_minimal_document_parses() -> None:
    reference = parse_reference(_CITIES + _PARTNERSHIP)
    partnership = reference.partnership("gs")
    assert partnership.mou_signed == date(2017, 5, 1)
    assert partnership.mou_expires == date(2020, 5, 31)
    assert reference.city("malmo") == City(
        "malmo", "Malmö", "马尔默", "SE", Side.EU, "Europe/Stockholm"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("key: malmo", "key: gothenburg", "duplicate city key"),
        ("[gothenburg, shanghai]", "[gothenburg, atlantis]", "unknown city"),
        ("[gothenburg, shanghai]", "[gothenburg, malmo]", "one European and one Chinese"),
        ("[gothenburg, shanghai]", "[gothenburg, shanghai, gothenburg]", "listed twice"),
        ("timezone: Asia/Shanghai", "timezone: Asia/Atlantis", "unknown time zone"),
        ("side: cn", "side: asia", "side must be"),
        ("name_zh: 上海", "name_zh: Shanghai", "Chinese characters"),
        ("country: CN", "country: CHN", "ISO 3166"),
        ("key: malmo", "key: Malmö", "ascii slug"),
        ("loop: continual_improvement", "loop: spiral", "unknown loop"),
        ("step: do", "step: aim", "not on loop"),
        ("step: do", "step: dance", "unknown step"),
        ("mou_expires: 2020-05-31", "mou_expires: 2016-05", "after mou_signed"),
        ("mou_signed: 2017-05", "mou_signed: May 2017", "YYYY-MM"),
        ("step: do,", "step: do, colour: blue,", "unknown field"),
    ],
)
def test_inconsistent_data_is_rejected(old: str, new: str, message: str) -> None:
    text = _CITIES + _PARTNERSHIP
    assert old in text
    with pytest.raises(ReferenceDataError, match=message):
        parse_reference(text.replace(old, new, 1))


@pytest.mark.parametrize("text", ["- just a list", "cities: {a: 1}", "cities: [", ""])
def test_malformed_documents_are_rejected(text: str) -> None:
    with pytest.raises(ReferenceDataError):
        parse_reference(text)
