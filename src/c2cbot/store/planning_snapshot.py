"""What planning reads: people, partnerships, KPI plans and activities, as frozen views.

``c2cbot.scheduling`` plans over these plain values, never over ORM rows, so the planners
stay pure functions that tests feed directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.activities import FINISHED_ACTIVITY
from c2cbot.store.models import (
    Activity,
    City,
    KpiPlan,
    Membership,
    Partnership,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.partnership_names import partnership_titles
from c2cbot.store.prompts import BATCH, chunks

COORDINATING = ("coordinator", "admin")
#: Working days before a reminder, as a partnership or C2C_REMINDER_DAYS may set them.
REMINDER_DAYS_MAX = 30


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
    plans = [plan_view(row) for row in await session.scalars(select(KpiPlan).where(KpiPlan.active))]
    query = select(Activity).where(Activity.status.not_in(FINISHED_ACTIVITY))
    tasks = [task_view(row) for row in await session.scalars(query)]
    return Snapshot(teams, await _all_people(session), plans, tasks)


async def _teams(session: AsyncSession) -> dict[int, Team]:
    roles: dict[int, dict[int, str]] = {}
    query = select(Membership.partnership_id, Membership.stakeholder_id, Membership.role)
    for partnership_id, stakeholder_id, role in await session.execute(query):
        roles.setdefault(partnership_id, {})[stakeholder_id] = role
    return await teams_where(session, roles, None)


async def teams_where(
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


async def people_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Person]:
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


def plan_view(row: KpiPlan) -> Plan:
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


def task_view(row: Activity) -> Task:
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
