"""Reminders and escalation: nobody's question is forgotten, and nobody is nagged at night.

A prompt unanswered ``reminder_days`` working days after it was sent (the partnership's
own delay, else ``C2C_REMINDER_DAYS``) is sent again as a reminder, at a moment the
person may be written to; after as many working days more the coordinators of the
person's city (or of the partnership) are told. A person no
channel reaches is reported at once, and one who has answered nothing for four weeks
while being asked is flagged, with a request for another contact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from c2cbot.domain.worktime import WorkingTime
from c2cbot.flows.texts import Texts
from c2cbot.scheduling.calendars import Calendars
from c2cbot.scheduling.prompt_texts import reminder
from c2cbot.scheduling.rounds import coordinators_for
from c2cbot.store import planning_snapshot, prompt_reads, prompts
from c2cbot.store.database import Database
from c2cbot.store.planning_snapshot import Person, Snapshot
from c2cbot.store.prompt_reads import Lookup
from c2cbot.store.prompts import REMINDED, SENT, UNREACHABLE, Letter, Planned, PromptRow

log = logging.getLogger(__name__)


@dataclass
class Tally:
    """What one run did, for logs and ``c2cbot jobs run``."""

    reminded: int = 0
    escalated: int = 0
    silent: int = 0

    @property
    def total(self) -> int:
        return self.reminded + self.escalated + self.silent


@dataclass
class Chase:
    """The decisions for one batch of waiting prompts."""

    letters: list[Letter] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    reported: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    notices: list[Planned] = field(default_factory=list)


@dataclass
class Rules:
    """The context of one run: calendars, texts, the instant, the setting, and the data.

    The snapshot of people and partnerships is read only once a run finds something to
    do: most runs find nothing, and reading it costs more than the rest of the run.
    """

    calendars: Calendars
    texts: Texts
    now: datetime
    reminder_days: int
    loaded: Snapshot | None = None

    async def load(self, session: prompts.Session) -> None:
        if self.loaded is None:
            self.loaded = await planning_snapshot.load_snapshot(session)

    @property
    def snapshot(self) -> Snapshot:
        assert self.loaded is not None, "load() the snapshot first"
        return self.loaded


async def remind_and_escalate(
    database: Database, texts: Texts, now: datetime, reminder_days: int = 3
) -> Tally:
    """Remind, escalate and flag silence, as of ``now``."""
    rules = Rules(Calendars(), texts, now, reminder_days)
    tally, after = Tally(), 0
    while (after := await _chase_batch(database, rules, after, tally)) > 0:
        pass
    tally.silent = await _flag_silence(database, rules)
    return tally


async def _chase_batch(database: Database, rules: Rules, after: int, tally: Tally) -> int:
    """One batch of waiting prompts after id ``after``; the last id seen, 0 when done."""
    async with database.transaction() as session:
        rows = await prompts.claim_awaiting(session, after, prompts.BATCH)
        if not rows:
            return 0
        await rules.load(session)
        chase = decide(rows, await prompt_reads.look_up(session, rows), rules)
        await _record(session, chase, rules.now)
    if chase.letters:
        database.notify_committed()
    tally.reminded += len(chase.reminded)
    tally.escalated += len(chase.escalated) + len(chase.reported)
    return rows[-1].id


async def _record(session: prompts.Session, chase: Chase, now: datetime) -> None:
    """Reminders to the outbox, statuses, and notices to coordinators: one transaction."""
    await prompts.post(session, chase.letters, now)
    await prompts.mark_reminded(session, chase.reminded)
    await prompts.set_status(session, chase.escalated, prompts.ESCALATED, escalated_at=now)
    await prompts.set_status(session, chase.reported, UNREACHABLE, escalated_at=now)
    await prompts.settle(session, now, unreachable=chase.unreachable, closed=chase.closed)
    await prompts.insert_planned(session, chase.notices, now)


def decide(rows: Sequence[PromptRow], lookup: Lookup, rules: Rules) -> Chase:
    """Which prompts are reminded, escalated or reported now; pure."""
    chase = Chase()
    for row in rows:
        _decide_one(row, lookup, rules, chase)
    return chase


def _decide_one(row: PromptRow, lookup: Lookup, rules: Rules, chase: Chase) -> None:
    person = lookup.people.get(row.stakeholder_id)
    if person is None:
        return
    if row.status == UNREACHABLE:
        chase.reported.append(row.id)
        chase.notices += _escalation(row, person, rules)
        return
    calendar = rules.calendars.personal(person, rules.snapshot.teams.get(row.partnership_id))
    if calendar is None or row.sent_at is None:
        return
    team = rules.snapshot.teams.get(row.partnership_id)
    days = team.reminder_days_or(rules.reminder_days) if team else rules.reminder_days
    if row.status == SENT and _waited(rules, calendar, row.sent_at, days):
        _remind(row, person, lookup, rules, chase, rules.calendars.deliverable(calendar, rules.now))
    elif row.status == REMINDED and _waited(rules, calendar, row.sent_at, 2 * days):
        chase.escalated.append(row.id)
        chase.notices += _escalation(row, person, rules)


def _waited(rules: Rules, calendar: WorkingTime, sent_at: datetime, days: int) -> bool:
    """Whether ``days`` working days have passed since sending."""
    return rules.now >= rules.calendars.after(calendar, sent_at, days)


def _remind(
    row: PromptRow, person: Person, lookup: Lookup, rules: Rules, chase: Chase, now_ok: bool
) -> None:
    if not now_ok:
        return
    try:
        message = reminder(row, lookup, person.language, rules.texts)
    except Exception:  # one broken prompt must not stop the others' reminders
        log.exception("prompt %s cannot be rendered as a reminder", row.id)
        return
    identity = lookup.identities.get(person.id)
    if message is None:
        chase.closed.append(row.id)
    elif identity is None:
        chase.unreachable.append(row.id)
    else:
        chase.letters.append(Letter(identity, person.id, message.to_json()))
        chase.reminded.append(row.id)


def _escalation(row: PromptRow, person: Person, rules: Rules) -> Iterator[Planned]:
    """A notice to each coordinator responsible for the person, about this prompt."""
    team = rules.snapshot.teams.get(row.partnership_id)
    if team is None:
        return
    for coordinator in coordinators_for(team, person, rules.snapshot.people):
        calendar = rules.calendars.public(coordinator, team)
        if calendar is not None:
            due = calendar.next_slot(rules.now)
            yield Planned("escalation", coordinator.id, row.partnership_id, row.id, "1", due)


async def _flag_silence(database: Database, rules: Rules) -> int:
    """Tell coordinators about people silent for four weeks; how many notices were new."""
    async with database.transaction() as session:
        silences = await prompt_reads.silent_people(session, rules.now)
        if not silences:
            return 0
        await rules.load(session)
        notices = [n for s in silences for n in _silence_notices(s, rules)]
        return await prompts.insert_planned(session, notices, rules.now)


def _silence_notices(silence: prompt_reads.Silence, rules: Rules) -> Iterator[Planned]:
    team = rules.snapshot.teams.get(silence.partnership_id)
    person = rules.snapshot.people.get(silence.stakeholder_id)
    if team is None or person is None:
        return
    for coordinator in coordinators_for(team, person, rules.snapshot.people):
        calendar = rules.calendars.public(coordinator, team)
        if calendar is not None:
            due = calendar.next_slot(rules.now)
            key = f"a{silence.since}"
            yield Planned("silent", coordinator.id, team.id, person.id, key, due)
