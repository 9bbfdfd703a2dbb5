"""Asking the right person at a sensible local time: zones, quiet hours, holidays, leave."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c2cbot.domain.values import InvalidValue
from c2cbot.domain.worktime import InvalidSetting, WorkingTime, local_to_utc

GOTHENBURG = WorkingTime("Europe/Stockholm", "SE")
SHANGHAI = WorkingTime("Asia/Shanghai", "CN")
BERLIN = WorkingTime("Europe/Berlin", "DE")
HONG_KONG = WorkingTime("Asia/Hong_Kong", "HK")
PEOPLE = {"gothenburg": GOTHENBURG, "shanghai": SHANGHAI}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    person: WorkingTime, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    """A local wall-clock time of ``person``, as the UTC instant the code works with."""
    return datetime(year, month, day, hour, minute, tzinfo=person.zone).astimezone(UTC)


def on_day(person: WorkingTime, day: date, at: time) -> datetime:
    return datetime.combine(day, at, person.zone).astimezone(UTC)


def wall(person: WorkingTime, instant: datetime) -> datetime:
    return instant.astimezone(person.zone)


# --- working days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "day", "working", "why"),
    [
        (GOTHENBURG, date(2026, 6, 17), True, "an ordinary Wednesday"),
        (GOTHENBURG, date(2026, 6, 13), False, "Saturday"),
        (GOTHENBURG, date(2026, 6, 14), False, "Sunday"),
        (GOTHENBURG, date(2026, 6, 19), False, "Midsummer Eve (de facto holiday, a Friday)"),
        (GOTHENBURG, date(2025, 6, 20), False, "Midsummer Eve 2025"),
        (GOTHENBURG, date(2026, 12, 24), False, "Christmas Eve (de facto holiday)"),
        (GOTHENBURG, date(2026, 12, 25), False, "Christmas Day"),
        (GOTHENBURG, date(2026, 1, 6), False, "Epiphany"),
        (GOTHENBURG, date(2026, 10, 1), True, "Chinese National Day is no Swedish holiday"),
        (SHANGHAI, date(2026, 6, 19), False, "Dragon Boat Festival"),
        (SHANGHAI, date(2026, 12, 24), True, "Christmas Eve is a working day in China"),
        (SHANGHAI, date(2026, 10, 1), False, "National Day"),
        (SHANGHAI, date(2026, 10, 7), False, "Golden Week, a bridging Wednesday"),
        (SHANGHAI, date(2026, 10, 8), True, "back to work after Golden Week"),
        (SHANGHAI, date(2026, 10, 10), True, "make-up Saturday (调休)"),
        (SHANGHAI, date(2026, 9, 20), True, "make-up Sunday (调休)"),
        (SHANGHAI, date(2026, 10, 11), False, "an ordinary Sunday"),
        (HONG_KONG, date(2026, 6, 13), False, "Saturday, though holidays' HK weekend is Sunday"),
        (HONG_KONG, date(2026, 7, 1), False, "HKSAR Establishment Day"),
        (HONG_KONG, date(2026, 10, 10), False, "no make-up Saturday in Hong Kong"),
    ],
)
def test_working_days(person: WorkingTime, day: date, working: bool, why: str) -> None:
    assert person.is_working_day(day) is working, why


def test_golden_week_follows_chinese_calendar() -> None:
    holidays = chinese_calendar.get_holidays(date(2026, 10, 1), date(2026, 10, 7))
    assert holidays == [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
    assert not any(SHANGHAI.is_working_day(day) for day in holidays)


def test_next_slot_lands_on_each_2026_make_up_weekend_day() -> None:
    workdays = chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31))
    make_up = [day for day in workdays if day.weekday() >= 5]
    assert make_up, "chinese_calendar should know 2026's make-up working days"
    for day in make_up:
        noon_before = on_day(SHANGHAI, day - timedelta(days=1), time(12))
        assert SHANGHAI.next_slot(noon_before) == on_day(SHANGHAI, day, time(10))


def test_outside_chinese_calendar_years_china_falls_back_to_holidays() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2030, 10, 1))
    assert not SHANGHAI.is_working_day(date(2030, 10, 1))  # National Day, from holidays
    assert not SHANGHAI.is_working_day(date(2030, 10, 5))  # a Saturday
    assert SHANGHAI.is_working_day(date(2030, 10, 8))  # an ordinary Tuesday


# --- quiet hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "when", "expected"),
    [
        # Gothenburg in summer is UTC+2; 2026-06-15 is a Monday.
        (GOTHENBURG, (2026, 6, 15, 7, 59), (2026, 6, 15, 8, 0)),
        (GOTHENBURG, (2026, 6, 15, 8, 0), (2026, 6, 15, 8, 0)),
        (GOTHENBURG, (2026, 6, 15, 19, 59), (2026, 6, 15, 19, 59)),
        (GOTHENBURG, (2026, 6, 15, 20, 0), (2026, 6, 16, 8, 0)),
        (GOTHENBURG, (2026, 6, 15, 23, 30), (2026, 6, 16, 8, 0)),
        (GOTHENBURG, (2026, 6, 16, 0, 30), (2026, 6, 16, 8, 0)),
        (GOTHENBURG, (2026, 6, 12, 20, 0), (2026, 6, 15, 8, 0)),  # Friday evening → Monday
        (GOTHENBURG, (2026, 6, 13, 11, 0), (2026, 6, 15, 8, 0)),  # Saturday noon → Monday
        (GOTHENBURG, (2026, 6, 18, 21, 0), (2026, 6, 22, 8, 0)),  # over Midsummer
        (GOTHENBURG, (2026, 12, 23, 20, 0), (2026, 12, 28, 8, 0)),  # over Christmas
        # Shanghai is UTC+8 all year.
        (SHANGHAI, (2026, 6, 15, 7, 59), (2026, 6, 15, 8, 0)),
        (SHANGHAI, (2026, 6, 15, 8, 0), (2026, 6, 15, 8, 0)),
        (SHANGHAI, (2026, 6, 15, 19, 59), (2026, 6, 15, 19, 59)),
        (SHANGHAI, (2026, 6, 15, 20, 0), (2026, 6, 16, 8, 0)),
        (SHANGHAI, (2026, 9, 30, 20, 0), (2026, 10, 8, 8, 0)),  # over Golden Week
        (SHANGHAI, (2026, 10, 9, 20, 0), (2026, 10, 10, 8, 0)),  # to a make-up Saturday
    ],
)
def test_deliverable_at(
    person: WorkingTime, when: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    result = person.deliverable_at(local(person, *when))
    assert result == local(person, *expected)
    assert result.tzinfo is UTC


def test_the_same_instant_means_different_things_in_the_two_cities() -> None:
    afternoon_in_europe = utc(2026, 3, 16, 13)  # Monday: 14:00 Gothenburg, 21:00 Shanghai
    assert GOTHENBURG.deliverable_at(afternoon_in_europe) == afternoon_in_europe
    assert SHANGHAI.deliverable_at(afternoon_in_europe) == local(SHANGHAI, 2026, 3, 17, 8)
    early_in_europe = utc(2026, 3, 16, 6)  # 07:00 Gothenburg, 14:00 Shanghai
    assert GOTHENBURG.deliverable_at(early_in_europe) == local(GOTHENBURG, 2026, 3, 16, 8)
    assert SHANGHAI.deliverable_at(early_in_europe) == early_in_europe


def test_deliverable_at_accepts_any_aware_zone_and_answers_in_utc() -> None:
    in_berlin = datetime(2026, 6, 15, 12, tzinfo=ZoneInfo("Europe/Berlin"))
    result = GOTHENBURG.deliverable_at(in_berlin)
    assert result == in_berlin
    assert result.tzinfo is UTC


def test_custom_quiet_hours_win_over_the_requested_slot() -> None:
    late_riser = WorkingTime("Europe/Berlin", "DE", quiet_start=time(18), quiet_end=time(11))
    monday = local(late_riser, 2026, 6, 15, 0)
    assert late_riser.next_slot(monday) == local(late_riser, 2026, 6, 15, 11)


def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    night_owl = WorkingTime("Europe/Berlin", "DE", quiet_start=time(2), quiet_end=time(9))
    assert night_owl.is_deliverable(local(night_owl, 2026, 6, 15, 23, 30))
    assert night_owl.is_deliverable(local(night_owl, 2026, 6, 16, 1, 59))
    late = local(night_owl, 2026, 6, 16, 2)
    assert night_owl.deliverable_at(late) == local(night_owl, 2026, 6, 16, 9)


# --- next_slot ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "after", "expected"),
    [
        (GOTHENBURG, (2026, 6, 15, 9, 59), (2026, 6, 15, 10, 0)),
        (GOTHENBURG, (2026, 6, 15, 10, 0), (2026, 6, 15, 10, 0)),
        (GOTHENBURG, (2026, 6, 15, 10, 1), (2026, 6, 16, 10, 0)),
        (GOTHENBURG, (2026, 6, 18, 11, 0), (2026, 6, 22, 10, 0)),  # Midsummer Eve skipped
        (SHANGHAI, (2026, 9, 30, 11, 0), (2026, 10, 8, 10, 0)),  # Golden Week skipped
        (SHANGHAI, (2026, 9, 18, 11, 0), (2026, 9, 20, 10, 0)),  # Friday → make-up Sunday
    ],
)
def test_next_slot(person: WorkingTime, after: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert person.next_slot(local(person, *after)) == local(person, *expected)


def test_next_slot_at_another_time_of_day() -> None:
    after = local(SHANGHAI, 2026, 6, 15, 9)
    assert SHANGHAI.next_slot(after, at=time(14, 30)) == local(SHANGHAI, 2026, 6, 15, 14, 30)


# --- daylight saving ---------------------------------------------------------------------

CET, CEST = timedelta(hours=1), timedelta(hours=2)


@pytest.mark.parametrize(
    ("first", "last", "change", "before", "after"),
    [
        (date(2026, 3, 23), date(2026, 4, 5), date(2026, 3, 29), CET, CEST),
        (date(2026, 10, 19), date(2026, 11, 1), date(2026, 10, 25), CEST, CET),
    ],
)
def test_a_daily_10_oclock_prompt_happens_once_a_day_across_dst(
    first: date, last: date, change: date, before: timedelta, after: timedelta
) -> None:
    """Run a scheduler through a DST fortnight: one prompt per working day, at 10:00."""
    sent: list[datetime] = []
    cursor = local(BERLIN, first.year, first.month, first.day, 0)
    end = local(BERLIN, last.year, last.month, last.day, 23, 59)
    while (slot := BERLIN.next_slot(cursor)) <= end:
        sent.append(slot)
        cursor = slot + timedelta(seconds=1)
    days = [wall(BERLIN, slot).date() for slot in sent]
    expected_days = [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if BERLIN.is_working_day(first + timedelta(days=i))
    ]
    assert days == expected_days  # once per working day: no gaps, no duplicates
    for slot in sent:
        offset = before if wall(BERLIN, slot).date() < change else after
        assert slot == datetime.combine(wall(BERLIN, slot).date(), time(10), UTC) - offset


def test_easter_is_skipped_after_the_spring_forward() -> None:
    slot = BERLIN.next_slot(local(BERLIN, 2026, 4, 2, 11))
    assert slot == local(BERLIN, 2026, 4, 7, 10)  # Good Friday and Easter Monday are holidays


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ((2026, 3, 28, 21, 0), utc(2026, 3, 30, 6)),  # Saturday before spring forward
        ((2026, 10, 24, 21, 0), utc(2026, 10, 26, 7)),  # Saturday before fall back
    ],
)
def test_deliverable_at_across_a_dst_weekend(when: tuple[int, ...], expected: datetime) -> None:
    assert BERLIN.deliverable_at(local(BERLIN, *when)) == expected
    assert wall(BERLIN, expected).time() == time(8)


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        (date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59)),
        (date(2026, 3, 29), time(2, 0), utc(2026, 3, 29, 1)),  # gap: first valid instant
        (date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1)),  # gap: 03:00 CEST
        (date(2026, 3, 29), time(2, 59, 59, 999), utc(2026, 3, 29, 1)),
        (date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1)),
        (date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),  # ambiguous: CEST
        (date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2)),
    ],
)
def test_local_to_utc_in_gaps_and_folds(day: date, at: time, expected: datetime) -> None:
    assert local_to_utc(day, at, ZoneInfo("Europe/Berlin")) == expected


def test_a_working_morning_inside_a_weekday_gap_starts_when_the_gap_ends() -> None:
    """Jordan sprang forward at midnight on Friday 26 March 2021: 00:00 became 01:00."""
    amman = WorkingTime("Asia/Amman", "DE", quiet_start=time(20), quiet_end=time(0, 30))
    thursday_evening = local(amman, 2021, 3, 25, 21)
    morning = amman.deliverable_at(thursday_evening)
    assert morning == utc(2021, 3, 25, 22)
    assert wall(amman, morning).replace(tzinfo=None) == datetime(2021, 3, 26, 1)


def test_local_to_utc_refuses_an_aware_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_to_utc(date(2026, 1, 5), time(10, tzinfo=UTC), ZoneInfo("Europe/Berlin"))


# --- leave and reminders -----------------------------------------------------------------


def test_paused_until_is_the_last_day_of_leave() -> None:
    on_leave = WorkingTime("Europe/Stockholm", "SE", paused_until=date(2026, 8, 14))
    assert not on_leave.is_working_day(date(2026, 8, 10))
    assert not on_leave.is_working_day(date(2026, 8, 14))
    assert on_leave.is_working_day(date(2026, 8, 17))
    during = local(on_leave, 2026, 8, 10, 12)
    assert on_leave.deliverable_at(during) == local(on_leave, 2026, 8, 17, 8)
    assert on_leave.next_slot(during) == local(on_leave, 2026, 8, 17, 10)
    assert on_leave.next_slot(local(on_leave, 2026, 8, 17, 9)) == local(on_leave, 2026, 8, 17, 10)


def test_leave_until_the_end_of_time_is_an_error_not_a_hang() -> None:
    forever = WorkingTime("Europe/Stockholm", "SE", paused_until=date.max)
    with pytest.raises(ValueError, match="no working day"):
        forever.next_slot(utc(2026, 1, 5))


@pytest.mark.parametrize(
    ("person", "start", "days", "expected"),
    [
        (SHANGHAI, (2026, 9, 30, 15, 0), 0, (2026, 9, 30, 15, 0)),
        (SHANGHAI, (2026, 9, 30, 15, 0), 1, (2026, 10, 8, 15, 0)),
        (SHANGHAI, (2026, 9, 30, 15, 0), 3, (2026, 10, 10, 15, 0)),  # make-up Saturday
        (GOTHENBURG, (2026, 6, 18, 19, 30), 1, (2026, 6, 22, 19, 30)),  # over Midsummer
        (GOTHENBURG, (2026, 6, 18, 21, 0), 1, (2026, 6, 23, 8, 0)),  # quiet → next morning
        (GOTHENBURG, (2026, 6, 13, 12, 0), 1, (2026, 6, 15, 12, 0)),  # from a Saturday
        (GOTHENBURG, (2026, 6, 13, 12, 0), 0, (2026, 6, 15, 8, 0)),
        (BERLIN, (2026, 3, 27, 10, 0), 1, (2026, 3, 30, 10, 0)),  # across spring forward
    ],
)
def test_working_days_after(
    person: WorkingTime, start: tuple[int, ...], days: int, expected: tuple[int, ...]
) -> None:
    assert person.working_days_after(local(person, *start), days) == local(person, *expected)


def test_working_days_after_refuses_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        GOTHENBURG.working_days_after(utc(2026, 6, 15, 10), -1)


# --- validation --------------------------------------------------------------------------

NAIVE = datetime(2026, 6, 15, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: GOTHENBURG.next_slot(NAIVE),
        lambda: GOTHENBURG.deliverable_at(NAIVE),
        lambda: GOTHENBURG.is_deliverable(NAIVE),
        lambda: GOTHENBURG.working_days_after(NAIVE, 1),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="aware"):
        call()


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "europe/berlin", "Europe", "", "/etc"])
def test_unknown_time_zone(timezone: str) -> None:
    with pytest.raises(InvalidSetting) as caught:
        WorkingTime(timezone, "DE")
    assert isinstance(caught.value, InvalidValue)
    assert caught.value.reason == "Unknown time zone: {timezone}."
    assert str(caught.value) == f"Unknown time zone: {timezone}."


@pytest.mark.parametrize("country", ["XX", "de", "DEU", "D", "", "ÄÖ"])
def test_unknown_country(country: str) -> None:
    with pytest.raises(ValueError, match="Unknown country code") as caught:
        WorkingTime("Europe/Berlin", country)
    assert str(caught.value) == f"Unknown country code: {country}."


def test_quiet_hours_must_differ() -> None:
    with pytest.raises(ValueError, match="08:00"):
        WorkingTime("Europe/Berlin", "DE", quiet_start=time(8), quiet_end=time(8))


def test_quiet_hours_must_be_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        WorkingTime("Europe/Berlin", "DE", quiet_start=time(20, tzinfo=UTC))


# --- properties --------------------------------------------------------------------------

people = st.sampled_from(sorted(PEOPLE)).map(PEOPLE.__getitem__)
leave = st.none() | st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
people_on_leave = st.builds(
    lambda person, until: WorkingTime(person.timezone, person.country, paused_until=until),
    people,
    leave,
)
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from([UTC, ZoneInfo("Europe/Stockholm"), ZoneInfo("Asia/Shanghai")]),
    allow_imaginary=False,
)


def _days_between(first: date, last: date) -> list[date]:
    """The days strictly between ``first`` and ``last``."""
    return [first + timedelta(days=i) for i in range(1, (last - first).days)]


@settings(deadline=None, max_examples=150)
@given(person=people_on_leave, when=instants)
def test_deliverable_at_properties(person: WorkingTime, when: datetime) -> None:
    result = person.deliverable_at(when)
    seen = wall(person, result)
    assert result >= when
    assert result.tzinfo is UTC
    assert time(8) <= seen.time() < time(20)
    assert person.is_working_day(seen.date())
    assert person.deliverable_at(result) == result
    if result != when:  # moved: to the first working morning, skipping only days off
        assert seen.time() == time(8)
        start = wall(person, when).date()
        assert not any(person.is_working_day(day) for day in _days_between(start, seen.date()))


@settings(deadline=None, max_examples=150)
@given(person=people_on_leave, after=instants)
def test_next_slot_properties(person: WorkingTime, after: datetime) -> None:
    slot = person.next_slot(after)
    seen = wall(person, slot)
    assert slot >= after
    assert slot.tzinfo is UTC
    assert seen.time() == time(10)
    assert person.is_working_day(seen.date())
    start = wall(person, after).date()
    assert not any(person.is_working_day(day) for day in _days_between(start, seen.date()))
