"""Periods, KPI rounds, coordinator-set intervals and dates, and plausibility of KPI values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2cbot.domain.kpis import KpiKind
from c2cbot.domain.schedules import (
    Frequency,
    Period,
    Plausibility,
    check_kpi_value,
    due_round,
    every_days,
    next_period,
    parse_interval,
    period_of,
    previous_period,
    round_opens,
    validate_date,
)
from c2cbot.domain.values import InvalidValue
from c2cbot.domain.worktime import InvalidSetting, WorkingTime

W, B, M, Q, Y = (
    Frequency.WEEKLY,
    Frequency.BIWEEKLY,
    Frequency.MONTHLY,
    Frequency.QUARTERLY,
    Frequency.YEARLY,
)
SHANGHAI = WorkingTime("Asia/Shanghai", "CN")
GOTHENBURG = WorkingTime("Europe/Stockholm", "SE")

# --- periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "frequency", "start", "end", "key"),
    [
        (date(2026, 1, 31), M, date(2026, 1, 1), date(2026, 1, 31), "2026-01"),
        (date(2026, 2, 10), M, date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        (date(2024, 2, 29), M, date(2024, 2, 1), date(2024, 2, 29), "2024-02"),  # leap year
        (date(2100, 2, 1), M, date(2100, 2, 1), date(2100, 2, 28), "2100-02"),  # not leap
        (date(2026, 4, 30), M, date(2026, 4, 1), date(2026, 4, 30), "2026-04"),
        (date(2026, 11, 15), M, date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
        (date(2026, 12, 31), M, date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        (date(2026, 1, 1), Q, date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        (date(2026, 6, 30), Q, date(2026, 4, 1), date(2026, 6, 30), "2026-Q2"),
        (date(2026, 7, 1), Q, date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
        (date(2026, 11, 30), Q, date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        (date(2026, 5, 17), Y, date(2026, 1, 1), date(2026, 12, 31), "2026"),
        (date(2026, 11, 26), W, date(2026, 11, 23), date(2026, 11, 29), "2026-W48"),
        (date(2026, 11, 29), W, date(2026, 11, 23), date(2026, 11, 29), "2026-W48"),  # Sunday
        (date(2027, 1, 1), W, date(2026, 12, 28), date(2027, 1, 3), "2026-W53"),  # 53-week year
        (date(2024, 12, 31), W, date(2024, 12, 30), date(2025, 1, 5), "2025-W01"),
        (date(2026, 1, 1), W, date(2025, 12, 29), date(2026, 1, 4), "2026-W01"),
        (date(2026, 11, 26), B, date(2026, 11, 23), date(2026, 12, 6), "2026-W48/2026-W49"),
        (date(2026, 12, 7), B, date(2026, 12, 7), date(2026, 12, 20), "2026-W50/2026-W51"),
        (date(2027, 1, 1), B, date(2026, 12, 21), date(2027, 1, 3), "2026-W52/2026-W53"),
        (date(2026, 1, 1), B, date(2025, 12, 22), date(2026, 1, 4), "2025-W52/2026-W01"),
    ],
)
def test_period_of(day: date, frequency: Frequency, start: date, end: date, key: str) -> None:
    period = period_of(day, frequency)
    assert period == Period(start, end, frequency)
    assert period.key == key


@pytest.mark.parametrize(
    ("period", "following"),
    [
        (period_of(date(2026, 1, 15), M), Period(date(2026, 2, 1), date(2026, 2, 28), M)),
        (period_of(date(2026, 12, 15), M), Period(date(2027, 1, 1), date(2027, 1, 31), M)),
        (period_of(date(2026, 11, 1), Q), Period(date(2027, 1, 1), date(2027, 3, 31), Q)),
        (period_of(date(2026, 12, 28), W), Period(date(2027, 1, 4), date(2027, 1, 10), W)),
        (period_of(date(2026, 3, 1), Y), Period(date(2027, 1, 1), date(2027, 12, 31), Y)),
    ],
)
def test_next_and_previous_period(period: Period, following: Period) -> None:
    assert next_period(period) == following
    assert previous_period(following) == period


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 2, 1), date(2026, 1, 31), M)


LENGTHS = {W: {7}, B: {14}, M: {28, 29, 30, 31}, Q: {90, 91, 92}, Y: {365, 366}}


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    frequency=st.sampled_from(Frequency),
)
def test_periods_tile_the_calendar(day: date, frequency: Frequency) -> None:
    period = period_of(day, frequency)
    assert period.start <= day <= period.end
    assert (period.end - period.start).days + 1 in LENGTHS[frequency]
    assert period_of(period.start, frequency) == period == period_of(period.end, frequency)
    following = next_period(period)
    assert following.start == period.end + timedelta(days=1)
    assert previous_period(following) == period
    assert following.key != period.key
    if frequency in (W, B):
        assert period.start.weekday() == 0


# --- KPI rounds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "frequency", "key"),
    [
        (date(2026, 4, 1), Q, "2026-Q1"),
        (date(2026, 6, 30), Q, "2026-Q1"),
        (date(2026, 7, 1), Q, "2026-Q2"),
        (date(2026, 1, 1), Y, "2025"),
        (date(2026, 3, 1), M, "2026-02"),
        (date(2026, 1, 5), W, "2026-W01"),  # Monday: last week straddled the new year
        (date(2026, 1, 4), W, "2025-W52"),  # Sunday: the week is not over yet
        (date(2027, 1, 4), W, "2026-W53"),
        (date(2026, 12, 7), B, "2026-W48/2026-W49"),
    ],
)
def test_due_round_asks_about_the_previous_period(
    today: date, frequency: Frequency, key: str
) -> None:
    assert due_round(today, frequency).key == key


def test_round_opens_the_day_after_the_period_without_a_calendar() -> None:
    assert round_opens(period_of(date(2026, 9, 15), M)) == date(2026, 10, 1)


@pytest.mark.parametrize(
    ("person", "period", "opens"),
    [
        (SHANGHAI, period_of(date(2026, 9, 15), M), date(2026, 10, 8)),  # after Golden Week
        (SHANGHAI, period_of(date(2026, 9, 30), W), date(2026, 10, 8)),
        (SHANGHAI, period_of(date(2026, 10, 5), W), date(2026, 10, 12)),
        (GOTHENBURG, period_of(date(2026, 11, 1), Q), date(2027, 1, 4)),  # New Year's Day
        (GOTHENBURG, period_of(date(2026, 5, 1), M), date(2026, 6, 1)),
        (GOTHENBURG, period_of(date(2026, 2, 1), M), date(2026, 3, 2)),  # 1 March is Sunday
    ],
)
def test_round_opens_on_the_first_working_day(
    person: WorkingTime, period: Period, opens: date
) -> None:
    assert round_opens(period, person.is_working_day) == opens


@pytest.mark.parametrize(
    ("today", "key"),
    [
        (date(2026, 9, 28), "2026-W39"),  # Monday: last week's round opens today
        (date(2026, 10, 5), "2026-W39"),  # Golden Week: W40's round has not opened yet
        (date(2026, 10, 7), "2026-W39"),
        (date(2026, 10, 8), "2026-W40"),  # first working day after Golden Week
        (date(2026, 10, 12), "2026-W41"),
    ],
)
def test_due_round_waits_for_the_round_to_open(today: date, key: str) -> None:
    assert due_round(today, W, SHANGHAI.is_working_day).key == key


def test_round_opens_gives_up_on_a_calendar_without_working_days() -> None:
    with pytest.raises(ValueError, match="no working day"):
        round_opens(period_of(date(2026, 1, 1), M), lambda _day: False)


# --- coordinator-set intervals and dates -------------------------------------------------

DAYS_REASON = "Please choose a number of days from {low} to {high}."


@pytest.mark.parametrize("days", [1, 7, 14, 30, 366])
def test_every_days_accepts_sane_intervals(days: int) -> None:
    assert every_days(days) == days


@pytest.mark.parametrize("days", [0, -1, -30, 367, 10_000, True])
def test_every_days_refuses_zero_negative_and_absurd_intervals(days: int) -> None:
    with pytest.raises(InvalidValue) as caught:
        every_days(days)
    assert caught.value.reason == DAYS_REASON
    assert caught.value.params == {"low": 1, "high": 366}
    assert str(caught.value) == "Please choose a number of days from 1 to 366."


@pytest.mark.parametrize(
    ("text", "days"), [("14", 14), ("１４", 14), (" 7 ", 7), ("366", 366), ("1", 1)]
)
def test_parse_interval(text: str, days: int) -> None:
    assert parse_interval(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["0", "-3", "367", "1.5", "two weeks", ""])
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_interval(text)


@pytest.mark.parametrize(
    ("year", "month", "day"), [(2026, 2, 31), (2026, 2, 29), (2026, 4, 31), (2026, 13, 1)]
)
def test_validate_date_refuses_days_that_do_not_exist(year: int, month: int, day: int) -> None:
    with pytest.raises(InvalidSetting) as caught:
        validate_date(year, month, day)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason == "That date does not exist: {text}."
    assert caught.value.params == {"text": f"{year:04d}-{month:02d}-{day:02d}"}


@pytest.mark.parametrize("parts", [(2024, 2, 29), (2026, 12, 31), (2026, 1, 1)])
def test_validate_date_accepts_real_days(parts: tuple[int, int, int]) -> None:
    assert validate_date(*parts) == date(*parts)


# --- plausibility of KPI values ----------------------------------------------------------

COUNT, MONEY, RATING = KpiKind.COUNT, KpiKind.MONEY, KpiKind.RATING
OK, JUMP, NEGATIVE = Plausibility.OK, Plausibility.CONFIRM_JUMP, Plausibility.NEGATIVE_COUNT


def values(*numbers: str) -> list[Decimal]:
    return [Decimal(number) for number in numbers]


@pytest.mark.parametrize(
    ("new", "previous", "kind", "expected", "why"),
    [
        ("5", [], COUNT, OK, "nothing to compare with"),
        ("-1", [], COUNT, NEGATIVE, "a count cannot be negative"),
        ("-1", ["3"], "count", NEGATIVE, "kind may be given as a plain string"),
        ("-2000", ["1000"], MONEY, OK, "negative money is not a count (and not a jump)"),
        ("12000", ["1200"], COUNT, JUMP, "tenfold up: an extra zero"),
        ("120", ["1200"], MONEY, JUMP, "tenfold down: a lost zero"),
        ("11999", ["1200"], COUNT, OK, "just under tenfold"),
        ("121", ["1200"], COUNT, OK, "just under tenfold down"),
        ("11", ["0"], COUNT, JUMP, "from nothing to more than a small number"),
        ("0", ["50"], COUNT, JUMP, "from a real number to nothing"),
        ("10", ["1"], COUNT, OK, "small counts swing: 1 → 10 is not questioned"),
        ("0", ["3"], COUNT, OK, "small counts swing: 3 → 0 is not questioned"),
        ("5", ["4"], RATING, OK, "a rating never jumps tenfold"),
        ("1000", ["100", "100", "1000"], MONEY, JUMP, "fine against the last, not the median"),
        ("100", ["100", "100", "10"], MONEY, JUMP, "the last value was itself an outlier"),
        ("100", ["10", "100", "100"], MONEY, OK, "the median looks past an old outlier"),
        ("100", ["1", "1", "1", "100", "100"], MONEY, OK, "only the last three count"),
        ("10000", ["100", "1900"], MONEY, JUMP, "median of two is their mean: 1000"),
    ],
)
def test_check_kpi_value(
    new: str, previous: list[str], kind: str, expected: Plausibility, why: str
) -> None:
    assert check_kpi_value(Decimal(new), values(*previous), kind) is expected, why


@pytest.mark.parametrize(("new", "previous"), [("NaN", []), ("5", ["Infinity"]), ("-Inf", [])])
def test_check_kpi_value_refuses_non_numbers(new: str, previous: list[str]) -> None:
    with pytest.raises(ValueError, match="finite"):
        check_kpi_value(Decimal(new), values(*previous), COUNT)
