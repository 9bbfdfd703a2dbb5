"""The scheduling tests' world: Gothenburg–Shanghai with one KPI plan and one activity.

Sven (Gothenburg) and Li (Shanghai) are both in government, so a KPI plan whose
responsible helix role is "government" asks one person in each city. Anna and Wang
coordinate in Gothenburg and Shanghai. Everybody has a web chat identity named after
them, so the outbox shows who was told what, and when.

Time never passes by itself here: each job is called with an explicit ``now``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from c2cbot.config import Settings
from c2cbot.flows.messages import Outbound
from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.models import (
    Activity,
    ChannelIdentity,
    City,
    ConversationState,
    KpiPlan,
    Membership,
    OutboxMessage,
    Partnership,
    Prompt,
    Stakeholder,
)
from tests.support.consent import consented

PARTNERSHIP = "gothenburg_shanghai"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


APRIL = utc(2026, 4, 1)


@pytest.fixture(scope="session")
def texts() -> Catalogues:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Catalogues(settings.locale_dir, "en")


@dataclass(frozen=True)
class World:
    partnership_id: int
    sven: int
    li: int
    anna: int
    wang: int
    plan_id: int | None
    activity_id: int | None
    gothenburg: int
    shanghai: int


async def build_world(
    database: Database,
    *,
    plan_created: datetime | None = APRIL,
    frequency: str = "monthly",
    due_on: date | None = None,
    starts_on: date | None = None,
    consent: bool = True,
) -> World:
    """The partnership, its four people, and optionally a KPI plan and an activity.

    The people have consented to the privacy notice, unless ``consent`` is false."""
    async with database.transaction() as session:
        partnership = (
            await session.execute(select(Partnership).where(Partnership.key == PARTNERSHIP))
        ).scalar_one()
        partnership.mou_expires, partnership.plan_review_on = None, None
        cities = {
            c.key: c.id
            for c in await session.scalars(
                select(City).where(City.key.in_(("gothenburg", "shanghai")))
            )
        }
        people = {
            "sven": ("en", "gothenburg", "government", "member"),
            "li": ("zh_Hans", "shanghai", "government", "member"),
            "anna": ("en", "gothenburg", None, "coordinator"),
            "wang": ("zh_Hans", "shanghai", None, "coordinator"),
        }
        ids: dict[str, int] = {}
        for name, (language, city, helix, role) in people.items():
            ids[name] = await add_person(
                session, partnership.id, name, language, cities[city], helix, role, consent
            )
        plan_id = activity_id = None
        if plan_created is not None:
            plan = KpiPlan(
                partnership_id=partnership.id,
                kpi_key="joint_projects",
                name="Joint projects",
                kind="count",
                unit="projects",
                frequency=frequency,
                responsible_helix="government",
                created_at=plan_created,
            )
            session.add(plan)
            await session.flush()
            plan_id = plan.id
        if due_on is not None:
            activity = Activity(
                partnership_id=partnership.id,
                title="Joint urban mobility study",
                owner_id=ids["sven"],
                starts_on=starts_on,
                due_on=due_on,
                created_at=utc(2026, 4, 1),
            )
            session.add(activity)
            await session.flush()
            activity_id = activity.id
        return World(
            partnership.id,
            ids["sven"],
            ids["li"],
            ids["anna"],
            ids["wang"],
            plan_id,
            activity_id,
            cities["gothenburg"],
            cities["shanghai"],
        )


async def add_person(
    session: Any,
    partnership_id: int,
    name: str,
    language: str,
    city_id: int,
    helix: str | None,
    role: str,
    consent: bool = True,
) -> int:
    """A member as onboarding leaves them; ``consent``: they consented to the notice."""
    stakeholder = Stakeholder(
        name=name.title(),
        language=language,
        city_id=city_id,
        helix_role=helix,
        created_at=utc(2026, 1, 1),
    )
    session.add(stakeholder)
    await session.flush()
    session.add(
        ChannelIdentity(
            channel="web",
            external_id=name,
            chat_id=name,
            stakeholder_id=stakeholder.id,
            created_at=utc(2026, 1, 1),
            last_seen_at=utc(2026, 1, 1),
        )
    )
    session.add(
        Membership(
            partnership_id=partnership_id,
            stakeholder_id=stakeholder.id,
            role=role,
            joined_at=utc(2026, 1, 1),
        )
    )
    if consent:
        side = await session.scalar(select(City.side).where(City.id == city_id))
        session.add(
            ConversationState(
                stakeholder_id=stakeholder.id,
                partnership_id=partnership_id,
                data=consented(side),
                updated_at=utc(2026, 1, 1),
            )
        )
    return stakeholder.id


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


# ----- reading what happened


@dataclass(frozen=True)
class Sent:
    """An outbox message as the tests read it."""

    chat: str
    at: datetime
    text: str
    action: str | None


async def outbox(database: Database, chat: str | None = None) -> list[Sent]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if chat is not None:
        query = query.where(OutboxMessage.chat_id == chat)
    async with database.sessions() as session:
        rows = list(await session.scalars(query))
    return [_sent(row) for row in rows]


def _sent(row: OutboxMessage) -> Sent:
    message = Outbound.from_json(row.payload)
    action = message.choices[0].action if message.choices else None
    return Sent(row.chat_id, row.created_at, message.text, action)


def says(texts: Catalogues, language: str, message: str) -> str:
    """The longest fixed part of ``message`` in ``language``: what a reply must contain
    whatever the placeholders were filled with (Wang and Li read Chinese)."""
    parts = re.split(r"\{[a-z_]+\}", texts.gettext(language, message))
    return max(parts, key=len).strip()


async def prompts(database: Database, **where: Any) -> list[Prompt]:
    query = select(Prompt).order_by(Prompt.due_at, Prompt.id)
    for column, value in where.items():
        query = query.where(getattr(Prompt, column) == value)
    async with database.sessions() as session:
        return list(await session.scalars(query))


async def count(database: Database, model: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


Job = Callable[..., Awaitable[int]]
EVERY_JOB: tuple[Job, ...] = (
    jobs.plan_rounds,
    jobs.mou_and_plan_reviews,
    jobs.remind_and_escalate,
    jobs.send_due,
)


async def walk(
    database: Database,
    texts: Catalogues,
    start: datetime,
    end: datetime,
    step: timedelta = timedelta(hours=2),
    run: Sequence[Job] = EVERY_JOB,
) -> None:
    """Run the jobs at every ``step`` from ``start`` to ``end``, as the scheduler would."""
    now = start
    while now <= end:
        for job in run:
            if job is not jobs.mou_and_plan_reviews or now.hour < step.total_seconds() / 3600:
                await job(database, texts, now)  # that one is daily, after midnight UTC
        now += step
