"""The calendar file as a strict calendar program reads it: RFC 5545's lines, folding
and escaping, read back here by hand (the project has no iCalendar library)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from c2cbot.domain.calendar_file import CalendarEvent, calendar, duration, escape_text, fold
from c2cbot.domain.digests import Written

AGENDA_ZH = "\n".join(
    [
        "双方城市代表讨论绿色交通、可持续城市发展和青年交流合作的下一步计划，",
        "审议年度行动计划；确定下一次代表团访问的时间",
    ]
)
TYPED = 'Budget; travel, visas\\permits <script>alert(1)</script>"><img src=x onerror=alert(1)>'


def event(**changes: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": "meeting-7@c2c.example.org",
        "stamp": datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
        "starts_at": datetime(2026, 5, 14, 9, 0, tzinfo=timezone(timedelta(hours=2))),
        "duration": timedelta(hours=1),
        "summary": Written("哥德堡–上海：视频会议", "zh_Hans"),
        "location": Written("Gothenburg City Hall, Gustaf Adolfs torg 1", "en"),
        "description": Written(AGENDA_ZH, "zh_Hans"),
    }
    return CalendarEvent(**{**fields, **changes})  # type: ignore[arg-type]


def physical_lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "a bare line feed"
    assert "\r" not in text.replace("\r\n", ""), "a bare carriage return"
    return text[:-2].split("\r\n")


def read_back(text: str) -> dict[str, tuple[str, str]]:
    """Unfold, then each property as (parameters, value) with TEXT unescaped."""
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    found: dict[str, tuple[str, str]] = {}
    for line in physical_lines(unfolded):
        head, _, value = line.partition(":")
        name, _, parameters = head.partition(";")
        found[name] = (parameters, _unescape(value))
    return found


def _unescape(value: str) -> str:
    pieces = re.split(r"(\\[\\;,nN])", value)
    for piece in pieces:
        if not piece.startswith("\\"):
            assert not re.search(r"[;,]", piece), f"unescaped ; or , in {value!r}"
    return "".join(
        {"\\\\": "\\", "\\;": ";", "\\,": ",", "\\n": "\n", "\\N": "\n"}.get(p, p) for p in pieces
    )


def test_one_event_in_a_calendar_with_the_times_in_utc() -> None:
    text = calendar(event())
    lines = physical_lines(text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-2:] == ["END:VEVENT", "END:VCALENDAR"]
    assert text.count("BEGIN:VEVENT") == 1
    props = read_back(text)
    assert props["PRODID"][1]
    assert props["UID"] == ("", "meeting-7@c2c.example.org")
    assert props["DTSTAMP"] == ("", "20260504T090000Z")
    assert props["DTSTART"] == ("", "20260514T070000Z")  # 09:00 at UTC+2
    assert props["DURATION"] == ("", "PT1H")
    assert props["SUMMARY"] == ("LANGUAGE=zh-Hans", "哥德堡–上海：视频会议")
    assert props["LOCATION"] == ("LANGUAGE=en", "Gothenburg City Hall, Gustaf Adolfs torg 1")
    assert props["DESCRIPTION"] == ("LANGUAGE=zh-Hans", AGENDA_ZH)


def test_a_long_chinese_line_is_folded_at_75_octets_between_characters() -> None:
    text = calendar(event())
    lines = physical_lines(text)
    description = next(n for n, line in enumerate(lines) if line.startswith("DESCRIPTION"))
    folded = lines[description : description + 4]
    assert all(line.startswith(" ") for line in folded[1:3]), folded
    for line in lines:
        raw = line.encode("utf-8")
        assert len(raw) <= 75, line
        raw.decode("utf-8")  # each line alone is whole UTF-8: no character was split
    assert len(lines[description].encode("utf-8")) >= 73  # filled up, not folded early


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_folding_never_splits_a_character_of_any_width(size: int) -> None:
    char = {1: "a", 2: "é", 3: "议", 4: "😀"}[size]
    line = "DESCRIPTION:" + char * 200
    pieces = fold(line).split("\r\n")
    assert "".join(p.removeprefix(" ") if n else p for n, p in enumerate(pieces)) == line
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])


def test_typed_text_is_escaped_and_comes_back_as_typed() -> None:
    text = calendar(event(description=Written(TYPED + "\r\nsecond line\rthird", "en")))
    props = read_back(text)
    assert props["DESCRIPTION"][1] == TYPED + "\nsecond line\nthird"
    assert "\\;" in text and "\\," in text and "\\\\" in text


def test_a_value_cannot_add_a_property_or_a_component() -> None:
    sneaky = "Room 1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:free lunch\x00\x07"
    props = read_back(calendar(event(location=Written(sneaky, "en"))))
    assert props["LOCATION"][1] == "Room 1\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:free lunch"
    lines = physical_lines(calendar(event(location=Written(sneaky, "en"))))
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1


def test_a_language_tag_is_only_letters_digits_and_dashes() -> None:
    props = read_back(calendar(event(summary=Written("x", 'en";X=1:'))))
    assert props["SUMMARY"] == ("LANGUAGE=enX1", "x")


def test_what_is_left_out_when_a_meeting_has_no_place_or_agenda() -> None:
    props = read_back(calendar(event(location=None, description=None)))
    assert "LOCATION" not in props and "DESCRIPTION" not in props


def test_escaping_and_durations() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    assert escape_text("\ud800x") == "?x"
    assert duration(timedelta(hours=1)) == "PT1H"
    assert duration(timedelta(minutes=90)) == "PT1H30M"
    assert duration(timedelta(days=1, hours=2)) == "P1DT2H"
    assert duration(timedelta(days=2)) == "P2D"
