"""When a person may be asked something: their local working hours, days and leave.

Partners sit seven time zones apart and keep different holidays, so "send it now" is the
wrong default for a chat bot. :class:`WorkingTime` answers, for one person, whether an
instant is a sensible moment to write to them and, if not, when the next one is.

Decisions:

* Times in and out are aware datetimes; results are always in UTC so the scheduler can
  store and compare them without caring whose zone they came from. Naive input is refused:
  a naive datetime has no single meaning across seven time zones.
* Quiet hours are the half-open local interval ``[quiet_start, quiet_end)``; by default
  20:00 to 08:00, so 08:00 is the first moment of the working morning and 20:00 is quiet.
  An instant is deliverable when it is outside quiet hours *and* its local calendar date is
  a working day (so with a quiet window that does not wrap midnight, the working window
  does, and its after-midnight part counts towards the next calendar day).
* Working days are Monday to Friday for everyone, minus public holidays of the person's
  country from the ``holidays`` package, plus the weekend days that package knows as
  make-up working days. Saturday is a rest day even where ``holidays`` lists only Sunday
  (Hong Kong): the people we ask work in city administrations on a five-day week.
* Where ``holidays`` offers the ``de_facto`` category it is included: Sweden's Midsummer Eve,
  Christmas Eve and New Year's Eve are not statutory, but nobody is at work to answer.
* China (``CN``) follows ``chinese_calendar``, which knows the State Council's make-up
  working days (调休): a make-up Saturday or Sunday *is* a working day and the bridging
  weekdays are not. Its data covers a limited range of years (published each November for
  the next year); outside that range China falls back to ``holidays`` plus weekends, which
  still knows the statutory holidays but may miss that year's make-up days.
* ``paused_until`` is the last day of leave, inclusive: nobody is asked on that day.
* Local times that do not exist (the spring-forward gap) move to the first valid instant
  after the gap, to the second; ambiguous local times (fall back) take their first
  occurrence (``fold=0``). European clocks change on Sunday nights, so working-day prompts
  never meet either case in practice, but a custom quiet window might.
"""

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
import holidays
from holidays.constants import DE_FACTO, PUBLIC

from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue

__all__ = ["InvalidSetting", "WorkingTime", "local_to_utc"]

_WEEKEND = frozenset({5, 6})  # Saturday, Sunday
_CATEGORIES = (PUBLIC, DE_FACTO)
_COUNTRY_CODE = re.compile(r"[A-Z]{2}\Z")
_CHINA = "CN"
# No country rests this long; the bound only stops a runaway search at the end of time.
_SEARCH_DAYS = 400
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)


class InvalidSetting(InvalidValue):
    """A setting the bot cannot use; ``str()`` names the offending value for logs."""

    def __str__(self) -> str:
        try:
            return self.reason.format(**self.params)
        except (KeyError, IndexError, ValueError):  # a reason without its params
            return self.reason


@dataclass(frozen=True)
class WorkingTime:
    """One person's working calendar: time zone, country, quiet hours and leave."""

    timezone: str
    country: str
    quiet_start: time = time(20)
    quiet_end: time = time(8)
    paused_until: date | None = None

    def __post_init__(self) -> None:
        """Refuse settings early, so a bad override fails when saved, not at 3 a.m."""
        _zone(self.timezone)
        _check_country(self.country)
        _check_quiet_hours(self.quiet_start, self.quiet_end)

    @property
    def zone(self) -> ZoneInfo:
        """The person's time zone; ``ZoneInfo`` caches instances, so this is cheap."""
        return _zone(self.timezone)

    def is_working_day(self, day: date) -> bool:
        """Whether this person works on ``day``: their country's calendar, minus their leave."""
        if self.paused_until is not None and day <= self.paused_until:
            return False
        return _public_working_day(self.country, day)

    def is_quiet(self, moment: time) -> bool:
        """Whether a local wall-clock time lies in the half-open quiet interval."""
        if self.quiet_start > self.quiet_end:  # wraps midnight, the usual case
            return moment >= self.quiet_start or moment < self.quiet_end
        return self.quiet_start <= moment < self.quiet_end

    def is_deliverable(self, when: datetime) -> bool:
        """Whether ``when`` is a moment this person may be written to."""
        local = _aware(when).astimezone(self.zone)
        return self.is_working_day(local.date()) and not self.is_quiet(local.time())

    def next_slot(self, after: datetime, at: time = time(10)) -> datetime:
        """The first instant ≥ ``after`` at local ``at`` on a working day, in UTC.

        KPI rounds ask "at 10:00 their local time on a working day". Quiet hours win over
        ``at``: if ``at`` is quiet for this person the slot moves to their next working
        morning, so a custom quiet window can never be overridden by a caller's default.
        """
        days = self._working_days_from(_aware(after).astimezone(self.zone).date())
        slots = (local_to_utc(day, at, self.zone) for day in days)
        return self.deliverable_at(next(slot for slot in slots if slot >= after))

    def deliverable_at(self, when: datetime) -> datetime:
        """``when`` (in UTC) if it is deliverable, else the next working morning at quiet_end.

        A prompt that falls into quiet time waits rather than being dropped; the result is
        deliverable, so applying this twice changes nothing.
        """
        if self.is_deliverable(when):
            return when.astimezone(UTC)
        return self.next_slot(when, self.quiet_end)

    def working_days_after(self, start: datetime, days: int) -> datetime:
        """``start``'s local time of day, ``days`` working days later, made deliverable.

        For "remind me after N working days". Counting starts with the day after ``start``,
        so from a Saturday, one working day later is Monday. ``days=0`` only applies quiet
        hours and days off to ``start``.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        local = _aware(start).astimezone(self.zone)
        target = self._nth_working_day_after(local.date(), days)
        return self.deliverable_at(local_to_utc(target, local.time(), self.zone))

    def _nth_working_day_after(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day``; ``day`` itself for zero."""
        if count == 0:
            return day
        return next(islice(self._working_days_from(_next_day(day)), count - 1, None))

    def _working_days_from(self, first: date) -> Iterator[date]:
        """Working days from ``first`` on; leave is skipped in one step, not day by day."""
        day = max(first, _next_day(self.paused_until)) if self.paused_until else first
        while True:
            day = _first_working_day(self.country, day)
            yield day
            day = _next_day(day)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the clock in ``zone`` shows ``at`` on ``day``.

    Ambiguous wall times (fall back) give their first occurrence; wall times in a gap
    (spring forward) give the first valid instant after the gap.
    """
    if at.tzinfo is not None:
        raise ValueError(f"local time must be naive, got {at!r}")
    wall = datetime.combine(day, at.replace(fold=0))
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    return instant if _wall_clock(instant, zone) == wall else _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant after a gap: the first second whose wall clock is ≥ ``wall``.

    ``fold=1`` reads a gap time with the later (larger) offset, which lands before the
    transition; ``fold=0`` lands after it. Bisect the whole seconds in between.
    """
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(microsecond=0)
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    seconds = range(int((after - before).total_seconds()) + 1)
    offset = bisect_left(seconds, wall, key=lambda s: _wall_clock(before + s * _ONE_SECOND, zone))
    return before + offset * _ONE_SECOND


def _wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """What a clock on the wall in ``zone`` shows at ``instant``, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _aware(when: datetime) -> datetime:
    """Refuse naive datetimes: they mean different instants in each partner city."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {when.isoformat()}")
    return when


def _first_working_day(country: str, first: date) -> date:
    """The first public working day on or after ``first``, within a sane bound."""
    day = first
    for _ in range(_SEARCH_DAYS):
        if _public_working_day(country, day):
            return day
        day = _next_day(day)
    raise _no_working_day(first)


def _next_day(day: date) -> date:
    """The following day; running off the calendar is a setting error, not a crash."""
    try:
        return day + _ONE_DAY
    except OverflowError:
        raise _no_working_day(day) from None


def _no_working_day(after: date | datetime) -> ValueError:
    """Leave until the end of time, or a calendar without working days."""
    return ValueError(f"no working day within {_SEARCH_DAYS} days after {after.isoformat()}")


def _public_working_day(country: str, day: date) -> bool:
    """The country's working-day rule, ignoring any one person's leave.

    China asks ``chinese_calendar`` first for its make-up days; for years outside that
    package's data it raises ``NotImplementedError`` and ``holidays`` plus weekends decide.
    """
    if country == _CHINA:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # year outside chinese_calendar's data
            pass
    return _holidays_working_day(country, day)


def _holidays_working_day(country: str, day: date) -> bool:
    """Weekdays that are no holiday, plus weekend days ``holidays`` lists as make-up days."""
    calendar = _calendar(country)
    if day.weekday() in _WEEKEND:
        return day in calendar.weekend_workdays
    return day not in calendar


@cache
def _calendar(country: str) -> holidays.HolidayBase:
    """One calendar per country; it fills in years lazily as they are looked up."""
    supported = holidays.country_holidays(country).supported_categories
    categories = tuple(category for category in _CATEGORIES if category in supported)
    return holidays.country_holidays(country, categories=categories)


def _zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; a typo must name itself, not raise a KeyError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        raise InvalidSetting(N_("Unknown time zone: {timezone}."), timezone=name) from None


def _check_country(country: str) -> None:
    """Only two-letter codes the ``holidays`` package knows give a holiday calendar."""
    known = _COUNTRY_CODE.match(country) and country in holidays.list_supported_countries()
    if not known:
        raise InvalidSetting(N_("Unknown country code: {country}."), country=country)


def _check_quiet_hours(start: time, end: time) -> None:
    """Equal ends would make quiet hours either empty or the whole day; both are mistakes."""
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("quiet hours are local wall-clock times and must be naive")
    if start == end:
        raise InvalidSetting(
            N_("Quiet hours must start and end at different times, not both at {time}."),
            time=start.strftime("%H:%M"),
        )
