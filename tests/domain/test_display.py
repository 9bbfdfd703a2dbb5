"""Lists, labels and reporting periods as each language writes them."""

import pytest

from c2cbot.domain.display import colon, join_list, labelled, parenthesised, period_label


@pytest.mark.parametrize(
    ("key", "chinese", "english", "german"),
    [
        ("2026-Q3", "2026年第三季度", "Q3 2026", "3. Quartal 2026"),
        ("2027-Q1", "2027年第一季度", "Q1 2027", "1. Quartal 2027"),
        ("2026-04", "2026年4月", "April 2026", "April 2026"),
        ("2026-12", "2026年12月", "December 2026", "Dezember 2026"),
        ("2026", "2026年", "2026", "2026"),
        ("2026-12-01", "2026年12月1日", "December 1, 2026", "1. Dezember 2026"),
    ],
)
def test_periods_read_as_people_say_them(key: str, chinese: str, english: str, german: str) -> None:
    assert period_label(key, "zh_Hans") == chinese
    assert period_label(key, "en") == english
    assert period_label(key, "de") == german


def test_weeks_and_fortnights_are_ranges_of_days() -> None:
    assert period_label("2026-W47", "zh_Hans") == "2026年11月16日至22日"
    assert period_label("2026-W47/2026-W48", "zh_Hans") == "2026年11月16日至29日"
    assert period_label("2026-W53", "zh_Hans") == "2026年12月28日至2027年1月3日"
    assert "Nov" in period_label("2026-W47", "en") and "22" in period_label("2026-W47", "en")
    assert "2026" in period_label("2026-W47", "de") and "22." in period_label("2026-W47", "de")


def test_an_unknown_key_is_shown_as_stored() -> None:
    assert period_label("spring", "zh_Hans") == "spring"
    assert period_label("2026-W99", "en") == "2026-W99"


def test_chinese_lists_and_labels_take_chinese_punctuation() -> None:
    assert (
        join_list(["气候与能源", "城市交通", "水资源"], "zh_Hans") == "气候与能源、城市交通、水资源"
    )
    assert labelled("上海", "王芳", "zh_Hans") == "上海：王芳"
    assert parenthesised("上海", "zh_Hans") == "（上海）"
    assert colon("zh_Hans") == "："
    assert join_list(["Climate", "Water"], "en") == "Climate, Water"
    assert labelled("Bonn", "Anna", "de") == "Bonn: Anna"
    assert parenthesised("Bonn", "en") == " (Bonn)"
