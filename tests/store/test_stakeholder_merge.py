"""Merging two stakeholders: every reference follows, what would be there twice is kept once."""

from __future__ import annotations

from sqlalchemy import select

from c2cbot.store.database import Database
from c2cbot.store.meeting_models import DigestDelivery
from c2cbot.store.models import Answer, Base, Membership, Prompt, Stakeholder
from c2cbot.store.stakeholder_merge import REFERENCES, merge
from tests.scheduling.conftest import add_person, build_world, utc


def test_every_reference_to_a_stakeholder_is_merged() -> None:
    """A new foreign key to stakeholders must be given a rule here, or answers could be lost."""
    referring = {
        (fk.parent.table.name, fk.parent.name)
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "stakeholders"
    }
    assert {(c.class_.__tablename__, c.key) for c in REFERENCES} == referring


def _prompt(kind: str, person: int, partnership: int, subject: int, status: str) -> Prompt:
    return Prompt(
        kind=kind,
        stakeholder_id=person,
        partnership_id=partnership,
        subject_id=subject,
        period_key="2026-04",
        due_at=utc(2026, 5, 4, 8),
        status=status,
        created_at=utc(2026, 5, 1),
    )


async def test_what_both_had_is_kept_once_and_ids_in_rows_follow(database: Database) -> None:
    world = await build_world(database)
    assert world.plan_id is not None
    async with database.transaction() as session:
        twin = await add_person(
            session, world.partnership_id, "sven2", "en", world.gothenburg, None, "coordinator"
        )
        await session.flush()
        asked = _prompt("kpi", world.sven, world.partnership_id, world.plan_id, "sent")
        answered = _prompt("kpi", twin, world.partnership_id, world.plan_id, "answered")
        silent = _prompt("silent", world.anna, world.partnership_id, twin, "notified")
        session.add_all([asked, answered, silent])
        await session.flush()
        escalation = _prompt("escalation", world.anna, world.partnership_id, asked.id, "planned")
        session.add(escalation)
        for person in (world.sven, twin):
            session.add(
                DigestDelivery(
                    kind="weekly",
                    target=f"person:{person}",
                    partnership_id=world.partnership_id,
                    period_key="2026-W18",
                    created_at=utc(2026, 5, 4),
                )
            )
        session.add(
            Answer(
                stakeholder_id=world.anna,
                partnership_id=world.partnership_id,
                conversation="plan",
                question="activities.owner",
                item=0,
                value={"type": "choice", "value": str(twin)},
                display="Sven",
                language="en",
                channel="web",
                answered_at=utc(2026, 5, 1),
            )
        )
    async with database.transaction() as session:
        await merge(session, twin, world.sven, {("plan", "activities.owner")})

    async with database.sessions() as session:
        assert await session.get(Stakeholder, twin) is None
        prompts = {p.id: p for p in (await session.execute(select(Prompt))).scalars()}
        [kpi] = [p for p in prompts.values() if p.kind == "kpi"]
        assert (kpi.id, kpi.stakeholder_id, kpi.status) == (answered.id, world.sven, "answered")
        assert prompts[escalation.id].subject_id == answered.id  # follows the prompt kept
        assert prompts[silent.id].subject_id == world.sven
        deliveries = (await session.execute(select(DigestDelivery.target))).scalars().all()
        assert deliveries == [f"person:{world.sven}"]
        [owner] = (await session.execute(select(Answer.value))).scalars().all()
        assert owner == {"type": "choice", "value": str(world.sven)}
        roles = await session.execute(
            select(Membership.role).where(Membership.stakeholder_id == world.sven)
        )
        assert roles.scalars().all() == ["coordinator"]  # the stronger of member and coordinator
