"""Each person's working calendar, built once per job run.

Building a ``WorkingTime`` checks its time zone and country, which costs more than the
questions later asked of it, and thousands of people share a handful of calendars; so
one ``Calendars`` per job run keeps them. A person whose settings name an unknown time
zone or country is logged once and left out of the run instead of stopping it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from c2cbot.domain.worktime import InvalidSetting, WorkingTime, local_to_utc
from c2cbot.store.planning_snapshot import Home, Person, Team

log = logging.getLogger(__name__)

MIDNIGHT = time(0)


class Calendars:
    """Working calendars of the people of one run, by their home and leave."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str, date | None], WorkingTime | None] = {}
        self._deliverable: dict[tuple[WorkingTime, datetime], bool] = {}
        self._after: dict[tuple[WorkingTime, datetime, int], datetime] = {}

    def public(self, person: Person, team: Team | None) -> WorkingTime | None:
        """The person's working days and hours, ignoring their leave: for planning."""
        return self._calendar(person, team, None)

    def personal(self, person: Person, team: Team | None) -> WorkingTime | None:
        """The person's calendar with their leave: for sending and reminding."""
        return self._calendar(person, team, person.paused_until)

    def deliverable(self, calendar: WorkingTime, now: datetime) -> bool:
        """``calendar.is_deliverable(now)``, remembered: a fan-out asks it thousands of times."""
        key = (calendar, now)
        if key not in self._deliverable:
            self._deliverable[key] = calendar.is_deliverable(now)
        return self._deliverable[key]

    def after(self, calendar: WorkingTime, start: datetime, days: int) -> datetime:
        """``calendar.working_days_after``, remembered: a round's prompts share a start."""
        key = (calendar, start, days)
        if key not in self._after:
            self._after[key] = calendar.working_days_after(start, days)
        return self._after[key]

    def _calendar(
        self, person: Person, team: Team | None, leave: date | None
    ) -> WorkingTime | None:
        home = person.home or (team.home if team else None)
        if home is None:
            log.warning("stakeholder %s has no city and no partnership city: not asked", person.id)
            return None
        timezone = person.timezone or home.timezone
        key = (timezone, home.country, leave)
        if key not in self._built:
            self._built[key] = _build(person, Home(timezone, home.country), leave)
        return self._built[key]


def _build(person: Person, home: Home, leave: date | None) -> WorkingTime | None:
    try:
        return WorkingTime(home.timezone, home.country, paused_until=leave)
    except InvalidSetting as problem:
        log.warning("stakeholder %s is not asked: %s", person.id, problem)
        return None


def local_today(calendar: WorkingTime, now: datetime) -> date:
    """The date on the person's wall calendar at ``now``."""
    return now.astimezone(calendar.zone).date()


def slot_from(calendar: WorkingTime, day: date) -> datetime:
    """10:00 local on ``day``, or on the first working day after it."""
    return calendar.next_slot(local_to_utc(day, MIDNIGHT, calendar.zone))


def slot_on(calendar: WorkingTime, day: date, now: datetime) -> datetime:
    """``slot_from(day)``, or the next slot after ``now`` once that has passed."""
    slot = slot_from(calendar, day)
    return slot if slot >= now else calendar.next_slot(now)


def last_working_day(calendar: WorkingTime, day: date, limit: int = 30) -> date:
    """``day`` or the nearest working day before it: reminders that say "before" stay so."""
    for back in range(limit):
        candidate = date.fromordinal(day.toordinal() - back)
        if calendar.is_working_day(candidate):
            return candidate
    return day
