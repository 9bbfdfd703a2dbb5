"""Prompts in SQL: planned idempotently, handed to the outbox, answered, reminded, escalated.

``c2cbot.scheduling`` decides who is asked what and when; this module is the only place
where those decisions meet the database. Three rules hold everywhere:

* Planning is idempotent. A prompt is identified by (kind, stakeholder, subject, period)
  and inserted with ``ON CONFLICT DO NOTHING``, so a round planned twice, or a job that
  runs again after a crash, never asks anybody the same thing twice.
* A prompt's message is written to the outbox in the same transaction that marks the
  prompt "sent", so a crash loses no prompt and doubles none.
* Prompts are claimed by writing to them first (``UPDATE … WHERE id IN (SELECT … FOR
  UPDATE SKIP LOCKED) RETURNING …``): instances sharing PostgreSQL claim disjoint rows,
  and on SQLite the write takes the database's write lock before anything is read, so
  even a second process (``c2cbot jobs run``) cannot claim the same prompts.

Statuses: ``planned`` → ``sent`` → ``reminded`` → ``escalated`` while waiting for an
answer; ``answered`` or ``closed`` (the round closed: a later answer is stored as late)
when done; ``unreachable`` when the person has no active channel; ``notified`` for
notices (to coordinators) that expect no answer; ``failed`` when its message could not
be written (a bug or broken data, logged), so it does not block every later round.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, and_, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from c2cbot.domain.schedules import Frequency, every_days
from c2cbot.domain.text import N_
from c2cbot.domain.worktime import InvalidSetting
from c2cbot.store.database import Database
from c2cbot.store.models import (
    Activity,
    Answer,
    ChannelIdentity,
    City,
    KpiPlan,
    KpiValue,
    Membership,
    OutboxMessage,
    Partnership,
    PartnershipCity,
    Prompt,
    Stakeholder,
)
from c2cbot.store.outbox import outbox_row
from c2cbot.store.partnership_names import partnership_titles

log = logging.getLogger(__name__)

#: The session the scheduler hands back to these functions; it never issues SQL itself.
Session: TypeAlias = AsyncSession

KPI = "kpi"
#: Prompts about an activity; each opens the progress conversation.
ACTIVITY_KINDS = ("progress", "due_week", "due_day", "overdue")
#: Prompts a person answers through a conversation.
ANSWERABLE = (KPI, *ACTIVITY_KINDS)
#: Messages to coordinators that expect no answer.
NOTICES = ("overdue_note", "escalation", "silent", "mou", "plan_review")

PLANNED, SENDING, SENT = "planned", "sending", "sent"
REMINDED, ESCALATED = "reminded", "escalated"
ANSWERED, CLOSED, NOTIFIED, UNREACHABLE = "answered", "closed", "notified", "unreachable"
FAILED = "failed"
#: Waiting for an answer (``planned`` ones have not been sent yet).
OPEN = (PLANNED, SENT, REMINDED, ESCALATED)
AWAITING = (SENT, REMINDED, ESCALATED)
FINISHED_ACTIVITY = ("done", "cancelled")
COORDINATING = ("coordinator", "admin")

BATCH = 500
#: Working days before a reminder, as a partnership or C2C_REMINDER_DAYS may set them.
REMINDER_DAYS_MAX = 30
_UNIQUE = ["kind", "stakeholder_id", "subject_id", "period_key"]
_PAUSE_LIMIT = timedelta(days=731)


# ----- the engine's side: open a prompt's conversation, record its answer


async def open_prompt(
    session: AsyncSession, prompt_id: int, stakeholder_id: int
) -> tuple[str, dict[str, Any]] | None:
    """The conversation answering a prompt, if it is this person's and still answerable.

    A closed KPI round can still be answered: the value is stored as late. Prompts whose
    KPI plan or activity has been deleted meanwhile cannot.
    """
    prompt = await session.get(Prompt, prompt_id)
    if prompt is None or prompt.stakeholder_id != stakeholder_id:
        return None
    if prompt.status not in (*OPEN, CLOSED):
        return None
    if prompt.kind == KPI:
        return await _kpi_conversation(session, prompt)
    if prompt.kind in ACTIVITY_KINDS:
        return await _progress_conversation(session, prompt)
    return None


async def _kpi_conversation(
    session: AsyncSession, prompt: Prompt
) -> tuple[str, dict[str, Any]] | None:
    """``kpi_count``, ``kpi_money``, ``kpi_rating`` or ``kpi_text``, by the plan's kind.

    Money is asked in the plan's currency, else in the currency of the reporter's city
    (CNY in China, EUR in Europe), so each person's figures stay comparable over time.
    """
    plan = await session.get(KpiPlan, prompt.subject_id)
    if plan is None:
        return None
    currency = plan.currency or await _home_currency(session, prompt.stakeholder_id)
    context = {
        "kpi": plan.name,
        "period": prompt.period_key,
        "unit": plan.unit or "",
        "currency": currency or "",
    }
    return f"kpi_{plan.kind}", context


#: The currency figures are reported in on each side of the partnership.
SIDE_CURRENCY = {"cn": "CNY", "eu": "EUR"}


async def _home_currency(session: AsyncSession, stakeholder_id: int) -> str | None:
    query = (
        select(City.side)
        .join(Stakeholder, Stakeholder.city_id == City.id)
        .where(Stakeholder.id == stakeholder_id)
    )
    return SIDE_CURRENCY.get(str(await session.scalar(query)))


async def _progress_conversation(
    session: AsyncSession, prompt: Prompt
) -> tuple[str, dict[str, Any]] | None:
    activity = await session.get(Activity, prompt.subject_id)
    if activity is None:
        return None
    due = activity.due_on.isoformat() if activity.due_on else ""
    return "progress", {"activity": activity.title, "due": due}


async def record_prompt_answer(
    session: AsyncSession, prompt_id: int, values: dict[str, Any], now: datetime
) -> None:
    """Keep the KPI value or the activity's progress, and close the prompt.

    A KPI value given after its round closed is stored against the prompt's period all
    the same, marked late. Nothing is stored when the plan or activity has gone.
    """
    prompt = await session.get(Prompt, prompt_id, with_for_update=True)
    if prompt is None:
        return
    if prompt.kind == KPI:
        await _record_kpi(session, prompt, values, now)
    elif prompt.kind in ACTIVITY_KINDS:
        await _record_progress(session, prompt, values, now)
    prompt.status, prompt.answered_at = ANSWERED, now


async def _record_kpi(
    session: AsyncSession, prompt: Prompt, values: dict[str, Any], now: datetime
) -> None:
    plan = await session.get(KpiPlan, prompt.subject_id)
    if plan is None:
        return
    session.add(
        KpiValue(
            kpi_plan_id=plan.id,
            period_key=prompt.period_key,
            value=_kpi_value(values, plan.currency),
            reported_by=prompt.stakeholder_id,
            late=prompt.status == CLOSED,
            reported_at=now,
        )
    )


async def _record_progress(
    session: AsyncSession, prompt: Prompt, values: dict[str, Any], now: datetime
) -> None:
    """Update the activity; other sent prompts about it need no answer any more."""
    activity = await session.get(Activity, prompt.subject_id)
    if activity is None:
        return
    activity.status = str(values.get("status") or activity.status)
    percent = values.get("percent")
    activity.percent_done = int(percent) if percent is not None else activity.percent_done
    await session.execute(
        update(Prompt)
        .where(
            Prompt.kind.in_(ACTIVITY_KINDS),
            Prompt.subject_id == activity.id,
            Prompt.stakeholder_id == prompt.stakeholder_id,
            Prompt.status.in_(AWAITING),
            Prompt.id != prompt.id,
        )
        .values(status=ANSWERED, answered_at=now)
    )


def _kpi_value(values: dict[str, Any], currency: str | None) -> dict[str, Any]:
    """The value, or why there is none ("no_change", "unknown", "not_applicable").

    A value corrected after the plausibility question replaces the first one; a value
    confirmed there is marked so. The person's comment travels with it. Money keeps the
    currency it was reported in; one that differs from the plan's (the chat refuses it,
    but a plan's currency may change) is flagged rather than converted, because exchange
    rates are not ours to choose.
    """
    status = values.get("status")
    comment = {"comment": values["comment"]} if values.get("comment") else {}
    if status and status != "value":
        return {"status": status, **comment}
    corrected = values.get("corrected")
    value = corrected if corrected is not None else values.get("value")
    confirmed: dict[str, Any] = {"confirmed_jump": True} if values.get("confirm") is True else {}
    reported = value.get("currency") if isinstance(value, dict) else None
    if currency and reported and reported != currency:
        confirmed["expected_currency"] = currency
    return {"status": "value", "value": value, **confirmed, **comment}


# ----- what planning reads: people, partnerships, KPI plans and activities


@dataclass(frozen=True)
class Home:
    """Where a calendar comes from: an IANA time zone and a two-letter country code."""

    timezone: str
    country: str


@dataclass(frozen=True)
class Person:
    """A stakeholder as the scheduler sees them; ``home`` is None without a city."""

    id: int
    name: str | None
    language: str
    city_id: int | None
    helix_role: str | None
    home: Home | None
    timezone: str | None
    paused_until: date | None


@dataclass(frozen=True)
class Team:
    """A partnership: its settings, who has which role, and a fallback home.

    ``home`` (its first city's) stands in for members who have not told us their city.
    """

    id: int
    name: str
    follow_up_days: int
    mou_expires: date | None
    plan_review_on: date | None
    reminder_days: int | None
    roles: dict[int, str]
    home: Home | None
    titles: Mapping[str, str] = field(default_factory=dict)  # the name by language

    def title(self, language: str) -> str:
        """The partnership's name as ``language`` writes it (哥德堡–上海)."""
        return self.titles.get(language) or self.name

    def reminder_days_or(self, default: int) -> int:
        """Its own reminder delay, else the setting's; a stored value out of range is unused."""
        days = self.reminder_days
        return days if days is not None and 1 <= days <= REMINDER_DAYS_MAX else default


@dataclass(frozen=True)
class Plan:
    id: int
    partnership_id: int
    name: str
    kind: str
    frequency: str
    responsible_id: int | None
    responsible_helix: str | None
    responsible_city_id: int | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Task:
    """An activity of a partnership's plan (``Activity`` is the table's name)."""

    id: int
    partnership_id: int
    title: str
    owner_id: int | None
    owner_name: str | None
    starts_on: date | None
    due_on: date | None
    status: str
    created_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_ACTIVITY


@dataclass(frozen=True)
class Snapshot:
    """Everything planning needs, read in one go so the planners stay pure."""

    teams: dict[int, Team]
    people: dict[int, Person]
    plans: list[Plan]
    tasks: list[Task]


async def load_snapshot(session: AsyncSession) -> Snapshot:
    """Partnerships with members and homes, people, active plans and unfinished activities."""
    teams = await _teams(session)
    plans = [_plan(row) for row in await session.scalars(select(KpiPlan).where(KpiPlan.active))]
    query = select(Activity).where(Activity.status.not_in(FINISHED_ACTIVITY))
    tasks = [_task(row) for row in await session.scalars(query)]
    return Snapshot(teams, await _all_people(session), plans, tasks)


async def _teams(session: AsyncSession) -> dict[int, Team]:
    roles: dict[int, dict[int, str]] = {}
    query = select(Membership.partnership_id, Membership.stakeholder_id, Membership.role)
    for partnership_id, stakeholder_id, role in await session.execute(query):
        roles.setdefault(partnership_id, {})[stakeholder_id] = role
    return await _teams_where(session, roles, None)


async def _teams_where(
    session: AsyncSession, roles: dict[int, dict[int, str]], ids: set[int] | None
) -> dict[int, Team]:
    """Partnerships (those in ``ids``, or all) with the given roles and their homes."""
    homes = await _team_homes(session)
    titles = await partnership_titles(session, ids)
    query = select(*_TEAM_COLUMNS)
    if ids is not None:
        query = query.where(Partnership.id.in_(sorted(ids)))
    return {
        row[0]: Team(*row, roles.get(row[0], {}), homes.get(row[0]), titles.get(row[0], {}))
        for row in await session.execute(query)
    }


_TEAM_COLUMNS = (
    Partnership.id,
    Partnership.name,
    Partnership.follow_up_days,
    Partnership.mou_expires,
    Partnership.plan_review_on,
    Partnership.reminder_days,
)


async def _team_homes(session: AsyncSession) -> dict[int, Home]:
    """Each partnership's first city (European side first) as a fallback calendar."""
    query = (
        select(PartnershipCity.partnership_id, City.timezone, City.country)
        .join(City, City.id == PartnershipCity.city_id)
        .order_by(City.side.desc(), City.id)
    )
    homes: dict[int, Home] = {}
    for partnership_id, timezone, country in await session.execute(query):
        homes.setdefault(partnership_id, Home(timezone, country))
    return homes


_PERSON_COLUMNS = (
    Stakeholder.id,
    Stakeholder.name,
    Stakeholder.language,
    Stakeholder.city_id,
    Stakeholder.helix_role,
    City.timezone,
    City.country,
    Stakeholder.timezone,
    Stakeholder.paused_until,
)


def _people_query() -> Select[*tuple[Any, ...]]:
    return select(*_PERSON_COLUMNS).outerjoin(City, City.id == Stakeholder.city_id)


async def _all_people(session: AsyncSession) -> dict[int, Person]:
    return {person.id: person for person in await _read_people(session, _people_query())}


async def _people(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(ids))
    found: dict[int, Person] = {}
    for chunk in chunks(wanted, BATCH):
        query = _people_query().where(Stakeholder.id.in_(chunk))
        found.update((p.id, p) for p in await _read_people(session, query))
    return found


async def _read_people(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> list[Person]:
    return [_person(*row) for row in await session.execute(query)]


def _person(
    stakeholder_id: int,
    name: str | None,
    language: str,
    city_id: int | None,
    helix_role: str | None,
    city_timezone: str | None,
    country: str | None,
    timezone: str | None,
    paused_until: date | None,
) -> Person:
    home = Home(city_timezone, country) if city_timezone and country else None
    return Person(stakeholder_id, name, language, city_id, helix_role, home, timezone, paused_until)


def _plan(row: KpiPlan) -> Plan:
    return Plan(
        row.id,
        row.partnership_id,
        row.name,
        row.kind,
        row.frequency,
        row.responsible_id,
        row.responsible_helix,
        row.responsible_city_id,
        row.active,
        row.created_at,
    )


def _task(row: Activity) -> Task:
    return Task(
        row.id,
        row.partnership_id,
        row.title,
        row.owner_id,
        row.owner_name,
        row.starts_on,
        row.due_on,
        row.status,
        row.created_at,
    )


# ----- planned prompts: inserted idempotently, superseded ones closed


@dataclass(frozen=True)
class Planned:
    """A prompt the scheduler wants to exist; its unique key makes planning idempotent."""

    kind: str
    stakeholder_id: int
    partnership_id: int
    subject_id: int
    period_key: str
    due_at: datetime

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.kind, self.stakeholder_id, self.subject_id, self.period_key)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size``: statements stay below the drivers' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


async def insert_planned(session: AsyncSession, planned: Sequence[Planned], now: datetime) -> int:
    """Insert the prompts not planned before, in batches; how many were new."""
    unique = list({p.key: p for p in planned}.values())
    inserted = 0
    for chunk in chunks(unique, BATCH):
        statement = (
            _insert(session, Prompt)
            .values([_prompt_row(p, now) for p in chunk])
            .on_conflict_do_nothing(index_elements=_UNIQUE)
            .returning(Prompt.id)
        )
        inserted += len((await session.execute(statement)).all())
    return inserted


def _prompt_row(planned: Planned, now: datetime) -> dict[str, Any]:
    return {
        "kind": planned.kind,
        "stakeholder_id": planned.stakeholder_id,
        "partnership_id": planned.partnership_id,
        "subject_id": planned.subject_id,
        "period_key": planned.period_key,
        "due_at": planned.due_at,
        "status": PLANNED,
        "reminders": 0,
        "created_at": now,
    }


@dataclass(frozen=True)
class PromptRow:
    """A prompt as read for sending, reminding or closing."""

    id: int
    kind: str
    stakeholder_id: int
    partnership_id: int
    subject_id: int
    period_key: str
    due_at: datetime
    status: str
    sent_at: datetime | None
    reminders: int
    escalated_at: datetime | None


_ROW_COLUMNS = (
    Prompt.id,
    Prompt.kind,
    Prompt.stakeholder_id,
    Prompt.partnership_id,
    Prompt.subject_id,
    Prompt.period_key,
    Prompt.due_at,
    Prompt.status,
    Prompt.sent_at,
    Prompt.reminders,
    Prompt.escalated_at,
)


async def _rows(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> list[PromptRow]:
    return [PromptRow(*row) for row in await session.execute(query)]


async def open_answerable(session: AsyncSession) -> list[PromptRow]:
    """Every answerable prompt still open, for closing those a newer one supersedes."""
    query = select(*_ROW_COLUMNS).where(Prompt.kind.in_(ANSWERABLE), Prompt.status.in_(OPEN))
    return await _rows(session, query)


async def set_status(session: AsyncSession, ids: Sequence[int], status: str, **values: Any) -> None:
    for chunk in chunks(sorted(ids), BATCH):
        await session.execute(
            update(Prompt)
            .where(Prompt.id.in_(chunk))
            .values(status=status, **values)
            .execution_options(synchronize_session=False)
        )


async def reschedule(session: AsyncSession, due: dict[int, datetime]) -> None:
    """Move prompts that may not be sent now (quiet hours, a holiday) to a later slot."""
    if not due:
        return
    await session.execute(
        update(Prompt),
        [{"id": prompt_id, "due_at": at, "status": PLANNED} for prompt_id, at in due.items()],
    )


async def settle(
    session: AsyncSession,
    now: datetime,
    *,
    sent: Sequence[int] = (),
    notified: Sequence[int] = (),
    unreachable: Sequence[int] = (),
    closed: Sequence[int] = (),
    failed: Sequence[int] = (),
    later: dict[int, datetime] | None = None,
) -> None:
    """Record what became of a batch of claimed prompts, in the batch's transaction."""
    await set_status(session, sent, SENT, sent_at=now)
    await set_status(session, notified, NOTIFIED, sent_at=now)
    await set_status(session, unreachable, UNREACHABLE)
    await set_status(session, closed, CLOSED)
    await set_status(session, failed, FAILED)
    await reschedule(session, later or {})


# ----- sending: claim due prompts, describe them, write them to the outbox


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[PromptRow]:
    """Planned prompts whose time has come, oldest first, claimed for this transaction.

    People clearly on leave (``paused_until`` on or after tomorrow in UTC, so in every
    time zone) are left out, so their prompts wait without being rescheduled and go out
    as soon as they resume; leave ending around today is decided by their calendar.
    Claimed prompts are "sending" until ``settle`` gives each its outcome, in the same
    transaction: nobody else ever sees that status.
    """
    due = (
        select(Prompt.id)
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .where(
            Prompt.status == PLANNED,
            Prompt.due_at <= now,
            or_(Stakeholder.paused_until.is_(None), Stakeholder.paused_until <= now.date()),
        )
        .order_by(Prompt.due_at, Prompt.id)
        .limit(limit)
        .with_for_update(of=Prompt, skip_locked=True)
    )
    rows = await _claim(session, due, status=SENDING)
    return sorted(rows, key=lambda row: (row.due_at, row.id))


async def claim_awaiting(session: AsyncSession, after_id: int, limit: int) -> list[PromptRow]:
    """Sent prompts still waiting for an answer, and unreachable ones not yet reported."""
    waiting = (
        select(Prompt.id)
        .where(
            Prompt.id > after_id,
            Prompt.kind.in_(ANSWERABLE),
            or_(
                Prompt.status.in_((SENT, REMINDED)),
                and_(Prompt.status == UNREACHABLE, Prompt.escalated_at.is_(None)),
            ),
        )
        .order_by(Prompt.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await _claim(session, waiting, reminders=Prompt.reminders)  # a touch, to lock them
    return sorted(rows, key=lambda row: row.id)


async def _claim(session: AsyncSession, ids: Select[int], **values: Any) -> list[PromptRow]:
    """Lock the rows ``ids`` selects by writing to them first, and read them back.

    A write first, because SQLite's driver begins a transaction only at the first write:
    rows merely selected could be claimed by another process before this one writes.
    On PostgreSQL the ``SKIP LOCKED`` subquery lets instances claim disjoint rows.
    """
    statement = (
        update(Prompt)
        .where(Prompt.id.in_(ids.scalar_subquery()))
        .values(**values)
        .returning(*_ROW_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows: list[Any] = list(await session.execute(statement))
    return [PromptRow(*row) for row in rows]


@dataclass(frozen=True)
class Identity:
    channel: str
    chat_id: str


@dataclass
class Lookup:
    """What the messages for a batch of prompts talk about, loaded in a few queries."""

    people: dict[int, Person] = field(default_factory=dict)
    identities: dict[int, Identity] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    plans: dict[int, Plan] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    prompts: dict[int, PromptRow] = field(default_factory=dict)


async def look_up(session: AsyncSession, rows: Sequence[PromptRow]) -> Lookup:
    """People, channels, partnerships, plans, activities and reported prompts of ``rows``.

    An escalation's subject is another prompt, whose person and subject are loaded too;
    so are the people silence notices are about, and the owners of activities.
    """
    reported = [r.subject_id for r in rows if r.kind == "escalation"]
    prompts = {r.id: r for r in await _rows(session, _by_ids(reported))}
    everything = [*rows, *prompts.values()]
    tasks = await _tasks(session, _subjects(everything, (*ACTIVITY_KINDS, "overdue_note")))
    silent = [r.subject_id for r in rows if r.kind == "silent"]
    owners = [t.owner_id for t in tasks.values() if t.owner_id is not None]
    people = await _people(session, [*(r.stakeholder_id for r in everything), *silent, *owners])
    plans = await _plans(session, _subjects(everything, (KPI,)))
    teams = await _teams_by_id(session, {r.partnership_id for r in everything})
    identities = await _identities(session, {r.stakeholder_id for r in rows})
    return Lookup(people, identities, teams, plans, tasks, prompts)


def _by_ids(ids: Sequence[int]) -> Select[*tuple[Any, ...]]:
    return select(*_ROW_COLUMNS).where(Prompt.id.in_(sorted(set(ids))))


def _subjects(rows: Iterable[PromptRow], kinds: tuple[str, ...]) -> set[int]:
    return {r.subject_id for r in rows if r.kind in kinds}


async def _tasks(session: AsyncSession, ids: set[int]) -> dict[int, Task]:
    query = select(Activity).where(Activity.id.in_(sorted(ids)))
    return {row.id: _task(row) for row in await session.scalars(query)}


async def _plans(session: AsyncSession, ids: set[int]) -> dict[int, Plan]:
    query = select(KpiPlan).where(KpiPlan.id.in_(sorted(ids)))
    return {row.id: _plan(row) for row in await session.scalars(query)}


async def _teams_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Team]:
    """Names and homes of some partnerships (their members' roles are not needed here)."""
    return await _teams_where(session, {}, ids)


async def _identities(session: AsyncSession, ids: set[int]) -> dict[int, Identity]:
    """Each person's active channel identity, the most recently seen one first."""
    found: dict[int, Identity] = {}
    for chunk in chunks(sorted(ids), BATCH):
        query = (
            select(ChannelIdentity.stakeholder_id, ChannelIdentity.channel, ChannelIdentity.chat_id)
            .where(ChannelIdentity.stakeholder_id.in_(chunk), ChannelIdentity.active)
            .order_by(ChannelIdentity.last_seen_at.desc(), ChannelIdentity.id.desc())
        )
        for stakeholder_id, channel, chat_id in await session.execute(query):
            found.setdefault(stakeholder_id, Identity(channel, chat_id))
    return found


@dataclass(frozen=True)
class Letter:
    """One outbox message: where it goes, to whom, and the rendered ``Outbound`` JSON."""

    identity: Identity
    stakeholder_id: int
    payload: dict[str, Any]


async def post(session: AsyncSession, letters: Sequence[Letter], now: datetime) -> None:
    """Add messages to the outbox; the caller's transaction decides whether they exist.

    One multi-row INSERT per batch rather than ORM objects: a round's fan-out writes
    thousands of rows, and the unit of work would spend most of its time on bookkeeping.
    """
    if not letters:
        return
    await session.execute(
        insert(OutboxMessage),
        [
            outbox_row(
                letter.identity.channel,
                letter.identity.chat_id,
                letter.stakeholder_id,
                letter.payload,
                now,
            )
            for letter in letters
        ],
    )


async def mark_reminded(session: AsyncSession, ids: Sequence[int]) -> None:
    for chunk in chunks(sorted(ids), BATCH):
        await session.execute(
            update(Prompt)
            .where(Prompt.id.in_(chunk))
            .values(status=REMINDED, reminders=Prompt.reminders + 1)
        )


# ----- silence: people who stopped answering


@dataclass(frozen=True)
class Silence:
    """A person asked for four weeks without a word back; ``since`` names the episode."""

    stakeholder_id: int
    partnership_id: int
    since: int


async def silent_people(session: AsyncSession, now: datetime, days: int = 28) -> list[Silence]:
    """People with a prompt unanswered for ``days`` days and no answer of any kind since.

    ``since`` is the id of their last answer (0 if none), so one silence is flagged once,
    and a new one can be flagged after they have answered again. People on leave are not
    silent.
    """
    cutoff = now - timedelta(days=days)
    answered = select(Answer.id).where(
        Answer.stakeholder_id == Prompt.stakeholder_id, Answer.answered_at >= cutoff
    )
    query = (
        select(Prompt.stakeholder_id, Prompt.partnership_id)
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .where(
            Prompt.kind.in_(ANSWERABLE),
            Prompt.sent_at.is_not(None),
            Prompt.sent_at <= cutoff,
            Prompt.status.in_((*AWAITING, CLOSED)),
            ~answered.exists(),
            or_(Stakeholder.paused_until.is_(None), Stakeholder.paused_until < now.date()),
        )
        .distinct()
    )
    pairs = list(await session.execute(query))
    last = await _last_answers(session, {stakeholder for stakeholder, _ in pairs})
    return [Silence(s, p, last.get(s, 0)) for s, p in pairs]


async def _last_answers(session: AsyncSession, ids: set[int]) -> dict[int, int]:
    query = (
        select(Answer.stakeholder_id, func.max(Answer.id))
        .where(Answer.stakeholder_id.in_(sorted(ids)))
        .group_by(Answer.stakeholder_id)
    )
    return {stakeholder: int(last) for stakeholder, last in await session.execute(query)}


# ----- what people and coordinators change: leave, time zone, schedules


async def pause(
    session: AsyncSession, stakeholder_id: int, until: date, *, today: date | None = None
) -> None:
    """Ask this person nothing until ``until`` (inclusive); prompts wait, none are lost.

    ``today`` (the person's) refuses dates in the past and more than two years ahead.
    """
    if today is not None and not today <= until <= today + _PAUSE_LIMIT:
        raise InvalidSetting(
            N_("Please choose a date from {first} to {last}."),
            first=today.isoformat(),
            last=(today + _PAUSE_LIMIT).isoformat(),
        )
    stakeholder = await session.get_one(Stakeholder, stakeholder_id)
    stakeholder.paused_until = until


async def resume(session: AsyncSession, stakeholder_id: int) -> None:
    """End leave now: prompts held back become due and go out at the next good moment."""
    stakeholder = await session.get_one(Stakeholder, stakeholder_id)
    stakeholder.paused_until = None


async def set_timezone(session: AsyncSession, stakeholder_id: int, timezone: str | None) -> None:
    """Override the city's time zone for one person; an unknown zone is refused by name."""
    if timezone is not None:
        check_timezone(timezone)
    stakeholder = await session.get_one(Stakeholder, stakeholder_id)
    stakeholder.timezone = timezone


async def set_follow_up_days(session: AsyncSession, partnership_id: int, days: int) -> None:
    """How often activities are followed up; 0 or more than a year is refused."""
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.follow_up_days = every_days(days)


async def set_plan_review(session: AsyncSession, partnership_id: int, day: date | None) -> None:
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.plan_review_on = day


async def set_kpi_frequency(session: AsyncSession, plan_id: int, frequency: str) -> None:
    """Change how often a KPI is asked for; the next round uses the new periods."""
    plan = await session.get_one(KpiPlan, plan_id)
    plan.frequency = check_frequency(frequency)


def check_timezone(name: str) -> str:
    """An IANA time zone name, or a refusal that names it (a typo must not reach 3 a.m.)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        raise InvalidSetting(N_("Unknown time zone: {timezone}."), timezone=name) from None
    return name


def check_frequency(frequency: str) -> str:
    try:
        return Frequency(frequency).value
    except ValueError:
        raise InvalidSetting(
            N_("Please choose one of: {choices}."), choices=", ".join(f.value for f in Frequency)
        ) from None


@dataclass(frozen=True)
class Upcoming:
    """A prompt not yet answered, for a coordinator's view of the schedule."""

    prompt_id: int
    kind: str
    stakeholder_id: int
    name: str | None
    subject_id: int
    period_key: str
    due_at: datetime
    status: str


async def upcoming(session: AsyncSession, partnership_id: int, limit: int = 50) -> list[Upcoming]:
    """The partnership's open prompts, soonest first: who is asked what, and when."""
    query = (
        select(
            Prompt.id,
            Prompt.kind,
            Prompt.stakeholder_id,
            Stakeholder.name,
            Prompt.subject_id,
            Prompt.period_key,
            Prompt.due_at,
            Prompt.status,
        )
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .where(Prompt.partnership_id == partnership_id, Prompt.status.in_((*OPEN, UNREACHABLE)))
        .order_by(Prompt.due_at, Prompt.id)
        .limit(limit)
    )
    return [Upcoming(*row) for row in await session.execute(query)]


async def existing_keys(session: AsyncSession) -> set[tuple[str, int, int, str]]:
    """Keys of every prompt ever planned, so a preview shows only what would be new."""
    query = select(Prompt.kind, Prompt.stakeholder_id, Prompt.subject_id, Prompt.period_key)
    return {(k, s, sub, p) for k, s, sub, p in await session.execute(query)}


async def planned_before(session: AsyncSession, until: datetime) -> list[Planned]:
    """Prompts planned but not sent that fall due before ``until`` (for previews)."""
    query = select(
        Prompt.kind,
        Prompt.stakeholder_id,
        Prompt.partnership_id,
        Prompt.subject_id,
        Prompt.period_key,
        Prompt.due_at,
    ).where(Prompt.status == PLANNED, Prompt.due_at < until)
    return [Planned(*row) for row in await session.execute(query)]


async def identities_of(session: AsyncSession, ids: set[int]) -> dict[int, Identity]:
    """Each person's preferred active channel (for previews)."""
    return await _identities(session, ids)


# ----- one scheduler among many instances, and the job store's synchronous URL


def job_store_url(url: str) -> str:
    """APScheduler 3's job store is synchronous: the same database through a sync driver."""
    parsed = make_url(url)
    drivers = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}
    if parsed.drivername not in drivers:
        shown = parsed.render_as_string(hide_password=True)
        raise ValueError(f"the scheduler's job store cannot use {shown}")
    return parsed.set(drivername=drivers[parsed.drivername]).render_as_string(hide_password=False)


class Leadership:
    """Proof that this process runs the scheduler, held until ``release``.

    On PostgreSQL it is a session advisory lock on a connection of its own, kept open for
    the process's lifetime: if the process dies, the server ends the session and the lock
    with it. On SQLite it is an exclusive ``flock`` on a file beside the database, which
    the operating system likewise releases when the process dies.
    """

    def __init__(self, connection: AsyncConnection | None, lock_file: IO[bytes] | None) -> None:
        self._connection, self._lock_file = connection, lock_file

    async def alive(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection can break)."""
        if self._connection is None:
            return True
        try:
            await self._connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("the scheduler's leader connection broke", exc_info=True)
            return False
        return True

    async def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(select(func.pg_advisory_unlock(LEADER_KEY)))
            await _close(self._connection)


LEADER_KEY = zlib.crc32(b"c2cbot.scheduler")


async def lead(database: Database) -> Leadership | None:
    """Become the one scheduler of this database, or None if another process is it."""
    if database.is_sqlite:
        return _lead_sqlite(database.url)
    return await _lead_postgres(database.url)


async def _lead_postgres(url: str) -> Leadership | None:
    engine = create_async_engine(url, poolclass=NullPool)
    connection = await engine.connect()
    await connection.execution_options(isolation_level="AUTOCOMMIT")
    won = await connection.scalar(select(func.pg_try_advisory_lock(LEADER_KEY)))
    if won:
        return Leadership(connection, None)
    await _close(connection)
    return None


async def _close(connection: AsyncConnection) -> None:
    engine = connection.engine
    with contextlib.suppress(Exception):
        await connection.close()
    await engine.dispose()


def _lead_sqlite(url: str) -> Leadership | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return Leadership(None, None)
    handle = Path(f"{database}.scheduler-lock").open("ab")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    os.set_inheritable(handle.fileno(), False)
    return Leadership(None, handle)
