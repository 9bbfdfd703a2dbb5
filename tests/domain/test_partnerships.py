"""Partnership names follow the reader's language when they are just their cities."""

from c2cbot.domain.partnerships import titles

GOTHENBURG = {"en": "Gothenburg", "zh_Hans": "哥德堡", "de": "Göteborg"}
SHANGHAI = {"en": "Shanghai", "zh_Hans": "上海"}
MUENSTER = {"en": "Münster", "zh_Hans": "明斯特"}
ENSCHEDE = {"en": "Enschede", "zh_Hans": "恩斯赫德"}
DALIAN = {"en": "Dalian", "zh_Hans": "大连"}


def test_a_name_made_of_its_cities_is_rebuilt_per_language() -> None:
    assert titles("Gothenburg–Shanghai", [SHANGHAI, GOTHENBURG]) == {
        "en": "Gothenburg–Shanghai",
        "zh_Hans": "哥德堡–上海",
        "de": "Göteborg–Shanghai",
    }


def test_three_cities_keep_the_order_of_the_name() -> None:
    named = titles("Münster–Enschede–Dalian", [DALIAN, ENSCHEDE, MUENSTER])
    assert named["zh_Hans"] == "明斯特–恩斯赫德–大连"


def test_a_name_of_its_own_is_left_alone() -> None:
    assert titles("Gothenburg–Shanghai design week", [GOTHENBURG, SHANGHAI]) == {}
    assert titles("Blue Ports", [GOTHENBURG, SHANGHAI]) == {}
    assert titles("Gothenburg", [GOTHENBURG]) == {}
