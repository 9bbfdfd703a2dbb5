"""A year in the life of many partnerships, written with bulk inserts: the data set the
digest and workspace benchmarks share.

Each partnership (Bonn–Chengdu's two cities) has people, half in each city (the first of
each city coordinates, the rest are members), and a year of life:

* ``answers_per_week`` answers a week for ``weeks`` weeks (a fifth of them progress
  updates, some saying "done"), spread over the people;
* monthly KPI plans with a value for each of the last ``months`` months;
* action items due across the year (a quarter done), and a prompt per person, two of
  them sent and still unanswered.

``Shape`` says how much of each; ``DIGEST`` is what ``digest_weekly.py`` has always
generated. ``step_answers`` adds, for chosen partnerships, answers to the steps' real
questions, each changed ``revisions`` times over the year: the digests do not read them,
the workspace's step pages do. Both benchmarks import this module, so they measure the
same data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from c2cbot.flows.schema import Conversation, Kind, Question
from c2cbot.store.database import Database
from c2cbot.store.models import (
    Activity,
    Answer,
    City,
    KpiPlan,
    KpiValue,
    Membership,
    Partnership,
    PartnershipCity,
    Prompt,
    Stakeholder,
)

WEEK_END = date(2026, 11, 29)  # a Sunday: the digest's week ends here
FIRST_ID = 100_000  # ids of the generated rows start here, clear of the reference data
CHUNK = 5_000
KPIS = (
    ("joint_projects", "Joint projects", "count", "projects", None),
    ("trade_volume", "Trade volume with the partner", "money", None, "EUR"),
    ("partnership_quality", "Quality of the partnership", "rating", None, None),
    ("visitors", "Foreign visitors and tourists", "count", "visitors", None),
)
CONVERSATIONS = ("plan", "do", "measure", "progress", "kpi_count")
ITEMS = 3  # answers to a group's questions: three items each
BEGAN = datetime(2025, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Shape:
    """How much one partnership holds."""

    people: int = 6  # even: half in each city
    weeks: int = 52
    answers_per_week: int = 5
    kpis: int = len(KPIS)
    months: int = 12
    activities: int = 24


DIGEST = Shape()


@dataclass(frozen=True)
class Generated:
    """What ``generate`` wrote: the partnerships, and each one's people and coordinators."""

    partnerships: list[int]
    people: dict[int, list[int]]
    coordinators: dict[int, list[int]]


def _chunks(
    rows: Sequence[dict[str, Any]], size: int = CHUNK
) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _bulk(database: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    async with database.transaction() as session:
        for chunk in _chunks(rows):
            await session.execute(insert(table), list(chunk))


async def generate(database: Database, count: int, shape: Shape = DIGEST) -> Generated:
    """``count`` partnerships with a year of answers, KPI values, action items and prompts."""
    async with database.transaction() as session:
        bonn = await session.scalar(select(City.id).where(City.key == "bonn"))
        chengdu = await session.scalar(select(City.id).where(City.key == "chengdu"))
    ids = list(range(FIRST_ID, FIRST_ID + count))
    await _bulk(
        database,
        Partnership,
        [
            {
                "id": p,
                "name": f"Bench {p}",
                "loop": "new_partnership",
                "step": "do",
                "follow_up_days": 14,
                "created_at": BEGAN,
            }
            for p in ids
        ],
    )
    await _bulk(
        database,
        PartnershipCity,
        [{"partnership_id": p, "city_id": city} for p in ids for city in (bonn, chengdu)],
    )
    size, half = shape.people, shape.people // 2
    people = {p: [FIRST_ID * 10 + (p - FIRST_ID) * size + n for n in range(size)] for p in ids}
    await _bulk(
        database,
        Stakeholder,
        [
            {
                "id": s,
                "name": f"Person {s}",
                "language": "en" if n < half else "zh_Hans",
                "city_id": bonn if n < half else chengdu,
                "created_at": BEGAN,
            }
            for p in ids
            for n, s in enumerate(people[p])
        ],
    )
    coordinators = {p: [people[p][0], people[p][half]] for p in ids}
    await _bulk(database, Membership, list(_memberships(people, coordinators)))
    await _bulk(database, Answer, list(_answers(ids, people, shape)))
    plans = [
        {
            "id": FIRST_ID * 10 + (p - FIRST_ID) * shape.kpis + n,
            "partnership_id": p,
            "kpi_key": key,
            "name": name,
            "kind": kind,
            "unit": unit,
            "currency": currency,
            "frequency": "monthly",
            "target": 1000 * (n + 1) if kind != "rating" else 5,
            "active": True,
            "created_at": BEGAN,
        }
        for p in ids
        for n, (key, name, kind, unit, currency) in enumerate(KPIS[: shape.kpis])
    ]
    await _bulk(database, KpiPlan, plans)
    await _bulk(database, KpiValue, list(_kpi_values(plans, people, shape.months)))
    await _bulk(database, Activity, list(_activities(ids, people, shape.activities)))
    await _bulk(database, Prompt, list(_prompts(ids, people, plans)))
    return Generated(ids, people, coordinators)


def _memberships(
    people: dict[int, list[int]], coordinators: dict[int, list[int]]
) -> Iterator[dict[str, Any]]:
    for p, everyone in people.items():
        for s in everyone:
            role = "coordinator" if s in coordinators[p] else "member"
            yield {"partnership_id": p, "stakeholder_id": s, "role": role, "joined_at": BEGAN}


def _answers(
    ids: list[int], people: dict[int, list[int]], shape: Shape
) -> Iterator[dict[str, Any]]:
    start = datetime.combine(WEEK_END - timedelta(days=364), datetime.min.time(), UTC)
    for p in ids:
        everyone = people[p]
        for week in range(52 - shape.weeks, 52):
            for n in range(shape.answers_per_week):
                conversation = CONVERSATIONS[(week + n) % len(CONVERSATIONS)]
                progress = conversation == "progress"
                yield {
                    "stakeholder_id": everyone[(week + n) % len(everyone)],
                    "partnership_id": p,
                    "conversation": conversation,
                    "step": None,
                    "question": "status" if progress else "q",
                    "item": None,
                    "value": {"type": "choice", "value": "done" if week % 4 == 0 else "on_track"}
                    if progress
                    else {"type": "text", "value": "An answer"},
                    "display": "x",
                    "language": "en",
                    "channel": "web",
                    "answered_at": start + timedelta(days=7 * week + n % 7, hours=9 + n),
                }


def _kpi_values(
    plans: list[dict[str, Any]], people: dict[int, list[int]], months: int
) -> Iterator[dict[str, Any]]:
    for plan in plans:
        everyone = people[plan["partnership_id"]]
        for month in range(12 - months, 12):
            day = WEEK_END.replace(day=1) - timedelta(days=30 * (11 - month))
            value = (
                min(5, 1 + month // 3) if plan["kind"] == "rating" else 50 * month + plan["id"] % 7
            )
            stored: Any = (
                {"amount": str(value * 1000), "currency": "EUR"}
                if plan["kind"] == "money"
                else str(value)
            )
            yield {
                "kpi_plan_id": plan["id"],
                "period_key": f"{day.year}-{day.month:02d}",
                "value": {"status": "value", "value": stored},
                "reported_by": everyone[month % len(everyone)],
                "late": False,
                "reported_at": datetime.combine(day + timedelta(days=2), datetime.min.time(), UTC),
            }


def _activities(
    ids: list[int], people: dict[int, list[int]], count: int
) -> Iterator[dict[str, Any]]:
    for p in ids:
        everyone = people[p]
        for n in range(count):
            due = WEEK_END - timedelta(days=330) + timedelta(days=15 * n)
            yield {
                "partnership_id": p,
                "title": f"Action item {n}" if n % 2 else f"行动项 {n}",
                "owner_id": everyone[n % len(everyone)],
                "owner_name": None,
                "starts_on": None,
                "due_on": due,
                "status": "done" if n % 4 == 0 else "on_track",
                "percent_done": None,
                "source": "plan",
                "created_at": BEGAN,
            }


def _prompts(
    ids: list[int], people: dict[int, list[int]], plans: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    first_plan = {plan["partnership_id"]: plan["id"] for plan in reversed(plans)}
    sent = datetime.combine(WEEK_END - timedelta(days=5), datetime.min.time(), UTC)
    for p in ids:
        for n, person in enumerate(people[p]):
            yield {
                "kind": "kpi",
                "stakeholder_id": person,
                "partnership_id": p,
                "subject_id": first_plan[p],
                "period_key": "2026-10",
                "due_at": sent,
                "status": "sent" if n in (1, 4) else "answered",
                "sent_at": sent,
                "answered_at": None if n in (1, 4) else sent + timedelta(hours=3),
                "reminders": 0,
                "created_at": sent,
            }


async def step_answers(
    database: Database,
    generated: Generated,
    partnerships: Sequence[int],
    conversations: Mapping[str, Conversation],
    revisions: int,
) -> int:
    """Everyone of ``partnerships`` answers every question of every step that takes a
    written answer, a fixed choice or a rating, ``revisions`` times over the year (each
    newer answer replaces the older one, which stays as history). Returns the rows."""
    rows = [
        row
        for p in partnerships
        for conversation in conversations.values()
        if conversation.step is not None
        for row in _step_answers(p, generated.people[p], conversation, revisions)
    ]
    await _bulk(database, Answer, rows)
    return len(rows)


def _step_answers(
    partnership_id: int, people: list[int], conversation: Conversation, revisions: int
) -> Iterator[dict[str, Any]]:
    start = datetime.combine(WEEK_END - timedelta(days=364), datetime.min.time(), UTC)
    for n, person in enumerate(people):
        language = "en" if n < len(people) // 2 else "zh_Hans"
        for revision in range(revisions):
            at = start + timedelta(days=30 * (12 - revisions + revision), hours=n)
            for key, item, value in _answerable(conversation.questions, revision, language):
                yield {
                    "stakeholder_id": person,
                    "partnership_id": partnership_id,
                    "conversation": conversation.id,
                    "step": conversation.step,
                    "question": key,
                    "item": item,
                    "value": value,
                    "display": str(value["value"]),
                    "language": language,
                    "channel": "web",
                    "answered_at": at,
                }


def _answerable(
    questions: Sequence[Question], revision: int, language: str
) -> Iterator[tuple[str, int | None, dict[str, Any]]]:
    """(question key, item, stored value) for the questions a stored value is easy to
    write for; a group's written questions are answered for ``ITEMS`` items."""
    for question in questions:
        if question.type is Kind.GROUP:
            for item in range(ITEMS):
                for inner in question.questions or []:
                    value = _value(inner, revision, language)
                    if value is not None:
                        yield f"{question.id}.{inner.id}", item, value
            continue
        value = _value(question, revision, language)
        if value is not None:
            yield question.id, None, value


def _value(question: Question, revision: int, language: str) -> dict[str, Any] | None:
    kind, options = question.type, [o.id for o in question.options or []]
    if kind is Kind.TEXT:
        said = (
            f"第{revision + 1}版回答"
            if language == "zh_Hans"
            else f"Answer, version {revision + 1}"
        )
        return {"type": "text", "value": said}
    if kind is Kind.CHOICE and options:
        return {"type": "choice", "value": options[revision % len(options)]}
    if kind is Kind.MULTI and options:
        return {"type": "multi", "value": options[: 1 + revision % len(options)]}
    if kind is Kind.RATING:
        return {"type": "rating", "value": 1 + revision % 5}
    return None


# ----- a scratch PostgreSQL database


async def create_postgres(server: str, name: str) -> str:
    """A new, empty database ``name`` on ``server`` (one of that name is dropped first)."""
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(server: str, name: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()
