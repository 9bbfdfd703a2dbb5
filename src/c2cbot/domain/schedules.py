"""Calendar arithmetic for KPI rounds and follow-ups, and checks on what coordinators set.

A KPI round asks for the value of a period that has just ended: on the first working day
after March ends, partners report March (or the first quarter). This module knows periods,
their keys and when their rounds open; *whose* working day it is comes in as a predicate
(``WorkingTime.is_working_day``), and the time of day from ``WorkingTime.next_slot``.

Decisions:

* Weeks are ISO weeks, Monday to Sunday, keyed by ISO year: 1 January 2027 is in 2026-W53.
* Fortnights are counted from Monday 1 January of year 1, so each is two whole ISO weeks
  and the split never drifts across 53-week years. Their key names both weeks:
  ``2026-W47/2026-W48``.
* A period's ``end`` is inclusive, as people say "1 to 31 March".
* Plausibility checks never reject a surprising value, they ask to confirm it: a tenfold
  change is usually a typo, sometimes real growth. Only a negative count is refused.
"""

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from statistics import median

from c2cbot.domain.kpis import KpiKind
from c2cbot.domain.text import N_
from c2cbot.domain.values import parse_number
from c2cbot.domain.worktime import InvalidSetting

__all__ = [
    "Frequency",
    "Period",
    "Plausibility",
    "check_kpi_value",
    "due_round",
    "every_days",
    "next_period",
    "parse_interval",
    "period_of",
    "previous_period",
    "round_opens",
    "validate_date",
]

#: Bounds of a coordinator-set "every N days" interval: at most yearly.
INTERVAL_DAYS: tuple[int, int] = (1, 366)
#: A value this many times larger or smaller than its reference needs confirming.
JUMP_FACTOR = Decimal(10)
#: Changes among values no larger than this are never questioned: small counts swing.
SMALL_VALUE = Decimal(10)

_ONE_DAY = timedelta(days=1)
_FORTNIGHT = 14
_HISTORY = 3  # the median is taken over this many most recent values
_SEARCH_DAYS = 400


class Frequency(StrEnum):
    """How often a KPI round asks; the values are stored, so never rename them."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends inclusive; it carries its frequency so that the next
    and previous periods can never be computed with a different one by mistake."""

    start: date
    end: date
    frequency: Frequency

    @property
    def key(self) -> str:
        """A stable, sortable-within-frequency name for storage and display, e.g. 2026-Q4."""
        return _KEYS[self.frequency](self.start)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")


class Plausibility(StrEnum):
    """What the chat does with a reported value: take it, ask to confirm, or refuse it."""

    OK = "ok"
    CONFIRM_JUMP = "confirm_jump"
    NEGATIVE_COUNT = "negative_count"


def period_of(day: date, frequency: Frequency) -> Period:
    """The period of ``frequency`` that contains ``day``."""
    start, end = _BOUNDS[frequency](day)
    return Period(start, end, frequency)


def next_period(period: Period) -> Period:
    """The period that starts the day after ``period`` ends."""
    return period_of(period.end + _ONE_DAY, period.frequency)


def previous_period(period: Period) -> Period:
    """The period that ends the day before ``period`` starts."""
    return period_of(period.start - _ONE_DAY, period.frequency)


def round_opens(period: Period, is_working_day: Callable[[date], bool] | None = None) -> date:
    """The day a KPI round for ``period`` opens: the first working day after it ends.

    Without ``is_working_day`` every day counts, which is the day after the period ends.
    """
    day = period.end + _ONE_DAY
    for _ in range(_SEARCH_DAYS):
        if is_working_day is None or is_working_day(day):
            return day
        day += _ONE_DAY
    raise ValueError(f"no working day within {_SEARCH_DAYS} days after {period.end}")


def due_round(
    today: date, frequency: Frequency, is_working_day: Callable[[date], bool] | None = None
) -> Period:
    """The latest period whose round has opened by ``today``: the one to ask about.

    Usually the previous period; while its round waits for a working day (a holiday right
    after a week ends), the one before it.
    """
    period = previous_period(period_of(today, frequency))
    while round_opens(period, is_working_day) > today:
        period = previous_period(period)
    return period


def every_days(n: int) -> int:
    """A coordinator's "every N days", checked: zero would spin, more than a year is a typo."""
    low, high = INTERVAL_DAYS
    if isinstance(n, bool) or not low <= n <= high:
        raise InvalidSetting(
            N_("Please choose a number of days from {low} to {high}."), low=low, high=high
        )
    return n


def parse_interval(text: str) -> timedelta:
    """An interval typed in the chat ("14", "１４"), as whole days within :data:`INTERVAL_DAYS`."""
    return timedelta(days=every_days(int(parse_number(text, integer=True))))


def validate_date(year: int, month: int, day: int) -> date:
    """A date from separate fields, refusing 31 February with a reason the chat can show."""
    try:
        return date(year, month, day)
    except ValueError:
        text = f"{year:04d}-{month:02d}-{day:02d}"
        raise InvalidSetting(N_("That date does not exist: {text}."), text=text) from None


def check_kpi_value(new: Decimal, previous: Sequence[Decimal], kind: str) -> Plausibility:
    """Whether a reported KPI value looks right, given earlier values, oldest first.

    The rule, in order:

    1. A negative value of a ``count`` KPI is ``NEGATIVE_COUNT``: refuse it.
    2. It is ``CONFIRM_JUMP`` if it jumps against the last value *or* against the median
       of the last three values (fewer if there are fewer). A jump means the larger of the
       two magnitudes is at least ``JUMP_FACTOR`` (10) times the smaller one and above
       ``SMALL_VALUE`` (10): 1200 → 12000 and 120 → 12 jump, 0 → 11 jumps, 3 → 0 and
       1 → 10 do not. The median catches a level that differs from the usual one even when
       the last value was itself an outlier; ask, do not reject.
    3. Otherwise ``OK``; also when there is no earlier value to compare with.
    """
    _require_finite(new, *previous)
    if kind == KpiKind.COUNT and new < 0:
        return Plausibility.NEGATIVE_COUNT
    if any(_is_jump(new, reference) for reference in _references(previous)):
        return Plausibility.CONFIRM_JUMP
    return Plausibility.OK


def _references(previous: Sequence[Decimal]) -> list[Decimal]:
    """The values a new one is compared with: the last, and the median of recent ones."""
    if not previous:
        return []
    return [previous[-1], median(previous[-_HISTORY:])]


def _is_jump(new: Decimal, reference: Decimal) -> bool:
    """A tenfold change either way, ignoring changes among small values."""
    low, high = sorted((abs(new), abs(reference)))
    return high > SMALL_VALUE and high >= JUMP_FACTOR * low


def _require_finite(*values: Decimal) -> None:
    """NaN and infinity are no KPI values; comparing them would raise or mislead."""
    if not all(value.is_finite() for value in values):
        raise ValueError("KPI values must be finite numbers")


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_bounds(day: date) -> tuple[date, date]:
    start = _week_start(day)
    return start, start + timedelta(days=6)


def _fortnight_bounds(day: date) -> tuple[date, date]:
    """Ordinal 1 is Monday 1 January of year 1, so 14-day blocks from it start on Mondays."""
    start = date.fromordinal((day.toordinal() - 1) // _FORTNIGHT * _FORTNIGHT + 1)
    return start, start + timedelta(days=_FORTNIGHT - 1)


def _month_bounds(day: date) -> tuple[date, date]:
    return _months(day.year, day.month, day.month)


def _quarter_bounds(day: date) -> tuple[date, date]:
    first = day.month - (day.month - 1) % 3
    return _months(day.year, first, first + 2)


def _year_bounds(day: date) -> tuple[date, date]:
    return _months(day.year, 1, 12)


def _months(year: int, first: int, last: int) -> tuple[date, date]:
    """From the first day of month ``first`` to the last day of month ``last``."""
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _week_key(start: date) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def _fortnight_key(start: date) -> str:
    return f"{_week_key(start)}/{_week_key(start + timedelta(days=7))}"


def _month_key(start: date) -> str:
    return f"{start.year}-{start.month:02d}"


def _quarter_key(start: date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _year_key(start: date) -> str:
    return f"{start.year}"


_BOUNDS: dict[Frequency, Callable[[date], tuple[date, date]]] = {
    Frequency.WEEKLY: _week_bounds,
    Frequency.BIWEEKLY: _fortnight_bounds,
    Frequency.MONTHLY: _month_bounds,
    Frequency.QUARTERLY: _quarter_bounds,
    Frequency.YEARLY: _year_bounds,
}

_KEYS: dict[Frequency, Callable[[date], str]] = {
    Frequency.WEEKLY: _week_key,
    Frequency.BIWEEKLY: _fortnight_key,
    Frequency.MONTHLY: _month_key,
    Frequency.QUARTERLY: _quarter_key,
    Frequency.YEARLY: _year_key,
}
