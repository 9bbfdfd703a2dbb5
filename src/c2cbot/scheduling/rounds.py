"""Who is asked what, and when: pure planning over a snapshot of the database.

Every planner looks at today and tomorrow in each person's own calendar and yields the
prompts that should exist by then, each due at 10:00 local on a working day. Running a
planner again yields the same prompts, which the store inserts only once; so the hourly
job may run late, twice, or after a week of downtime, and still asks each question once.

Decisions:

* A KPI round asks about the period that has just ended (``due_round``), on the first
  public working day after it (leave does not change *which* period is asked, only
  when the message goes out). Periods that ended before the plan existed are not asked.
* A round closes when the next round for the same KPI and person is due; an answer to a
  closed round is stored against its own period, marked late.
* Activities are followed up every ``follow_up_days`` days from their start; the owner is
  reminded on the last working day on or before a week and a day before the due date,
  alerted on the first working day after it, and the coordinators are told
  ``reminder_days`` working days later if it is still not done.
* Coordinators hear about MoU renewals three months before the MoU expires and about
  plan reviews on the review date.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from c2cbot.domain.schedules import Frequency, due_round, every_days, round_opens
from c2cbot.domain.worktime import InvalidSetting, WorkingTime
from c2cbot.scheduling.calendars import (
    Calendars,
    last_working_day,
    local_today,
    slot_from,
    slot_on,
)
from c2cbot.store.planning_snapshot import COORDINATING, Person, Plan, Snapshot, Task, Team
from c2cbot.store.prompts import ACTIVITY_KINDS, KPI, Planned, PromptRow

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
#: Overdue activities older than this are not announced any more (after a long downtime).
OVERDUE_HORIZON = timedelta(days=30)
#: Plan reviews missed by more than this (the bot was down) are not announced late.
REVIEW_HORIZON = timedelta(days=7)
MOU_MONTHS = 3


@dataclass(frozen=True)
class Planning:
    """One planning run: the data, the calendars, the instant, the reminder setting."""

    snapshot: Snapshot
    calendars: Calendars
    now: datetime
    reminder_days: int = 3

    def person(self, stakeholder_id: int | None) -> Person | None:
        return None if stakeholder_id is None else self.snapshot.people.get(stakeholder_id)

    def team(self, partnership_id: int) -> Team | None:
        return self.snapshot.teams.get(partnership_id)


def days_to_look_at(calendar: WorkingTime, now: datetime) -> tuple[date, date]:
    """Today and tomorrow on the person's calendar: tomorrow's prompts are planned ahead."""
    today = local_today(calendar, now)
    return today, today + ONE_DAY


# ----- KPI rounds


def kpi_rounds(run: Planning) -> Iterator[Planned]:
    """One prompt per responsible person and KPI for each round that has opened."""
    for plan in run.snapshot.plans:
        frequency = frequency_of(plan)
        if frequency is None:
            continue
        team = run.team(plan.partnership_id)
        for person in responsible(plan, team, run.snapshot.people):
            yield from _kpi_prompts(run, plan, frequency, person, team)


def frequency_of(plan: Plan) -> Frequency | None:
    """The plan's frequency; a stored value we do not know is logged and the plan skipped."""
    try:
        return Frequency(plan.frequency)
    except ValueError:
        log.warning("KPI plan %s has an unknown frequency %r: not asked", plan.id, plan.frequency)
        return None


def responsible(plan: Plan, team: Team | None, people: dict[int, Person]) -> list[Person]:
    """The named person, and every member with the plan's helix role (in its city, if set)."""
    chosen = {plan.responsible_id} if plan.responsible_id is not None else set()
    if plan.responsible_helix and team is not None:
        chosen |= {i for i in team.roles if _matches(plan, people.get(i))}
    return [people[i] for i in sorted(chosen) if i in people]


def _matches(plan: Plan, person: Person | None) -> bool:
    if person is None or person.helix_role != plan.responsible_helix:
        return False
    return plan.responsible_city_id is None or person.city_id == plan.responsible_city_id


def _kpi_prompts(
    run: Planning, plan: Plan, frequency: Frequency, person: Person, team: Team | None
) -> Iterator[Planned]:
    calendar = run.calendars.public(person, team)
    if calendar is None:
        return
    started = plan.created_at.astimezone(calendar.zone).date()
    for day in days_to_look_at(calendar, run.now):
        period = due_round(day, frequency, calendar.is_working_day)
        if period.end < started:
            continue
        opens = round_opens(period, calendar.is_working_day)
        due = slot_on(calendar, opens, run.now)
        yield Planned(KPI, person.id, plan.partnership_id, plan.id, period.key, due)


# ----- activities: follow-ups, due-date reminders, overdue alerts


def activity_prompts(run: Planning) -> Iterator[Planned]:
    """Follow-ups, due-date reminders and overdue alerts of every unfinished activity."""
    for task in run.snapshot.tasks:
        team = run.team(task.partnership_id)
        if team is None or task.finished:
            continue
        owner = run.person(task.owner_id)
        calendar = run.calendars.public(owner, team) if owner else None
        if owner is not None and calendar is not None:
            yield from _follow_up(run, task, team, owner, calendar)
            yield from _due_soon(run, task, owner, calendar)
        yield from _overdue(run, task, team, owner, calendar)


def _follow_up(
    run: Planning, task: Task, team: Team, owner: Person, calendar: WorkingTime
) -> Iterator[Planned]:
    """The latest follow-up whose day has come (and tomorrow's, planned ahead)."""
    every = follow_up_every(team)
    if every is None:
        return
    start = task.starts_on or task.created_at.astimezone(calendar.zone).date()
    today, tomorrow = days_to_look_at(calendar, run.now)
    for day in (today, tomorrow):
        cycles = (day - start).days // every
        cycle = start + timedelta(days=cycles * every)
        if cycles >= 1 and (day == today or cycle == tomorrow):
            due = slot_on(calendar, cycle, run.now)
            yield _about(task, owner, "progress", cycle.isoformat(), due)


def follow_up_every(team: Team) -> int | None:
    """The partnership's follow-up interval; a stored value out of range is logged, unused."""
    try:
        return every_days(team.follow_up_days)
    except InvalidSetting:
        log.warning("partnership %s: follow-up every %r days?", team.id, team.follow_up_days)
        return None


def _due_soon(run: Planning, task: Task, owner: Person, calendar: WorkingTime) -> Iterator[Planned]:
    """Reminders a week and a day before the due date, on working days before it."""
    if task.due_on is None:
        return
    today = local_today(calendar, run.now)
    week = last_working_day(calendar, task.due_on - 7 * ONE_DAY)
    eve = last_working_day(calendar, task.due_on - ONE_DAY)
    if week - ONE_DAY <= today <= week + ONE_DAY and today < eve:
        yield _about(
            task, owner, "due_week", task.due_on.isoformat(), slot_on(calendar, week, run.now)
        )
    if eve - ONE_DAY <= today <= task.due_on:
        yield _about(
            task, owner, "due_day", task.due_on.isoformat(), slot_on(calendar, eve, run.now)
        )


def _overdue(
    run: Planning, task: Task, team: Team, owner: Person | None, calendar: WorkingTime | None
) -> Iterator[Planned]:
    """The owner on the first working day after the due date; coordinators a little later.

    Without an owner (or one whose calendar is broken) the coordinators hear at once.
    """
    if task.due_on is None or not _recently_due(task.due_on, run.now):
        return
    after = task.due_on + ONE_DAY
    if owner is None or calendar is None:
        yield from _overdue_notes(run, task, team, owner, None)
        return
    yield _about(task, owner, "overdue", task.due_on.isoformat(), slot_on(calendar, after, run.now))
    days = team.reminder_days_or(run.reminder_days)
    note = calendar.working_days_after(slot_from(calendar, after), days)
    if run.now >= note - ONE_DAY:
        yield from _overdue_notes(run, task, team, owner, note)


def _recently_due(due_on: date, now: datetime) -> bool:
    """From the day before the due date (to plan ahead) until the horizon."""
    return due_on - ONE_DAY <= now.date() <= due_on + OVERDUE_HORIZON


def _overdue_notes(
    run: Planning, task: Task, team: Team, owner: Person | None, note: datetime | None
) -> Iterator[Planned]:
    assert task.due_on is not None
    after = task.due_on + ONE_DAY
    for coordinator in coordinators_for(team, owner, run.snapshot.people):
        calendar = run.calendars.public(coordinator, team)
        if calendar is None:
            continue
        due = calendar.next_slot(max(note, run.now)) if note else slot_on(calendar, after, run.now)
        yield _about(task, coordinator, "overdue_note", task.due_on.isoformat(), due)


def _about(task: Task, person: Person, kind: str, period: str, due: datetime) -> Planned:
    return Planned(kind, person.id, task.partnership_id, task.id, period, due)


# ----- coordinators: MoU renewals and plan reviews


def reviews(run: Planning) -> Iterator[Planned]:
    """MoU renewal reminders and plan-review reminders to every coordinator."""
    for team in run.snapshot.teams.values():
        for coordinator in coordinators(team, run.snapshot.people):
            calendar = run.calendars.public(coordinator, team)
            if calendar is not None:
                yield from _mou(run, team, coordinator, calendar)
                yield from _review(run, team, coordinator, calendar)


def _mou(
    run: Planning, team: Team, coordinator: Person, calendar: WorkingTime
) -> Iterator[Planned]:
    if team.mou_expires is None:
        return
    anchor = months_before(team.mou_expires, MOU_MONTHS)
    today = local_today(calendar, run.now)
    if anchor - ONE_DAY <= today <= team.mou_expires:
        due = slot_on(calendar, anchor, run.now)
        yield Planned("mou", coordinator.id, team.id, team.id, team.mou_expires.isoformat(), due)


def _review(
    run: Planning, team: Team, coordinator: Person, calendar: WorkingTime
) -> Iterator[Planned]:
    day = team.plan_review_on
    if day is None:
        return
    today = local_today(calendar, run.now)
    if day - ONE_DAY <= today <= day + REVIEW_HORIZON:
        due = slot_on(calendar, day, run.now)
        yield Planned("plan_review", coordinator.id, team.id, team.id, day.isoformat(), due)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, or the month's last day (31 May → 28/29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    return date(year, month + 1, min(day.day, 28))


# ----- who hears about problems


def coordinators(team: Team, people: dict[int, Person]) -> list[Person]:
    """The partnership's coordinators and admins, in a stable order."""
    ids = sorted(i for i, role in team.roles.items() if role in COORDINATING)
    return [people[i] for i in ids if i in people]


def coordinators_for(team: Team, person: Person | None, people: dict[int, Person]) -> list[Person]:
    """Coordinators of the person's city, else all of the partnership's; never the person."""
    others = [c for c in coordinators(team, people) if person is None or c.id != person.id]
    if person is None or person.city_id is None:
        return others
    local = [c for c in others if c.city_id == person.city_id]
    return local or others


# ----- rounds that have closed


def superseded(rows: Iterable[PromptRow], run: Planning) -> list[int]:
    """Open prompts nobody should be reminded of any more.

    A prompt is superseded when a newer prompt about the same KPI or activity for the
    same person is due, or when it is no longer this person's to answer (plan stopped,
    activity finished or handed over, responsibility moved).
    """
    valid = _current_pairs(run)
    groups: dict[tuple[str, int, int], list[PromptRow]] = {}
    for row in rows:
        groups.setdefault(_pair(row), []).append(row)
    closed: list[int] = []
    for pair, group in groups.items():
        closed += [r.id for r in group] if pair not in valid else _older(group, run.now)
    return closed


def _pair(row: PromptRow) -> tuple[str, int, int]:
    family = "activity" if row.kind in ACTIVITY_KINDS else row.kind
    return family, row.subject_id, row.stakeholder_id


def _current_pairs(run: Planning) -> set[tuple[str, int, int]]:
    pairs = {
        (KPI, plan.id, person.id)
        for plan in run.snapshot.plans
        for person in responsible(plan, run.team(plan.partnership_id), run.snapshot.people)
    }
    return pairs | {
        ("activity", task.id, task.owner_id)
        for task in run.snapshot.tasks
        if task.owner_id is not None and not task.finished
    }


def _older(group: list[PromptRow], now: datetime) -> list[int]:
    due = [row.due_at for row in group if row.due_at <= now]
    if not due:
        return []
    newest = max(due)
    return [row.id for row in group if row.due_at < newest]
