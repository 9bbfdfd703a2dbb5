"""A round's fan-out survives crashes: every prompt is sent exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import delete, select

from c2cbot.config import Settings
from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.models import KpiPlan, OutboxMessage, Prompt, Stakeholder
from tests.scheduling.conftest import World, add_person, build_world, outbox, prompts, utc

PEOPLE = 120
DUE = utc(2026, 5, 4, 8)


class Crash(BaseException):
    """The process dies here (not an error a job could catch and carry on from)."""


class CrashingTexts:
    """The real catalogues until the ``after``-th translation, then a crash mid-batch."""

    def __init__(self, texts: Catalogues, after: int) -> None:
        self._texts, self._left = texts, after

    def __getattr__(self, name: str) -> object:
        return getattr(self._texts, name)

    def gettext(self, language: str, message: str) -> str:
        self._left -= 1
        if self._left < 0:
            raise Crash
        return self._texts.gettext(language, message)


async def _crowd(database: Database, texts: Catalogues) -> World:
    """Sven, Li and 120 more people in Gothenburg's government, all asked at once."""
    world = await build_world(database)
    async with database.transaction() as session:
        for n in range(PEOPLE):
            await add_person(
                session,
                world.partnership_id,
                f"p{n}",
                "en",
                world.gothenburg,
                "government",
                "member",
            )
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    return world


async def _sends_per_prompt(database: Database) -> Counter[str]:
    return Counter(m.action or "" for m in await outbox(database))


async def test_a_crash_mid_fanout_loses_nothing_and_doubles_nothing(
    settings: Settings, database: Database, texts: Catalogues
) -> None:
    await _crowd(database, texts)
    due = [p.id for p in await prompts(database, kind="kpi", due_at=DUE)]
    assert len(due) == PEOPLE + 1  # Sven and the crowd; Li is asked on Wednesday
    assert await jobs.send_due(database, texts, DUE, limit=50) == 50
    with pytest.raises(Crash):  # dies rendering the 31st message of the next batch
        await jobs.send_due(database, CrashingTexts(texts, after=60), DUE)  # type: ignore[arg-type]
    await database.close()
    restarted = Database(settings.database_url)
    try:
        assert await jobs.send_due(restarted, texts, DUE) == PEOPLE + 1 - 50
        assert await jobs.send_due(restarted, texts, DUE) == 0
        sends = await _sends_per_prompt(restarted)
    finally:
        await restarted.close()
    assert sends == Counter({f"p:{prompt_id}": 1 for prompt_id in due})


async def test_sending_twice_at_once_sends_once(database: Database, texts: Catalogues) -> None:
    """Two instances sending the same round (PostgreSQL: SKIP LOCKED; SQLite: one writer)."""
    await _crowd(database, texts)
    other = Database(database.url)
    try:
        counts = await asyncio.gather(
            jobs.send_due(database, texts, DUE), jobs.send_due(other, texts, DUE)
        )
    finally:
        await other.close()
    assert sum(counts) == PEOPLE + 1
    assert set((await _sends_per_prompt(database)).values()) == {1}


async def test_a_person_deleted_with_prompts_pending(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 6, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 2))
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 13, 2))  # Li's reminder
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 20, 2))  # escalated to Wang
    assert [p.kind for p in await prompts(database, stakeholder_id=world.wang)] == ["escalation"]
    async with database.transaction() as session:
        await session.execute(delete(Stakeholder).where(Stakeholder.id == world.li))
    async with database.sessions() as session:
        left = list(await session.scalars(select(Prompt.stakeholder_id)))
    assert world.li not in left  # the cascade took Li's prompts with them
    for job in (jobs.plan_rounds, jobs.remind_and_escalate, jobs.send_due):
        await job(database, texts, utc(2026, 5, 20, 3))
    assert [p.status for p in await prompts(database, stakeholder_id=world.wang)] == ["closed"]
    assert await outbox(database, "wang") == []
    async with database.sessions() as session:
        orphans = await session.scalars(
            select(OutboxMessage.stakeholder_id).where(OutboxMessage.chat_id == "li")
        )
        assert set(orphans) == {None}  # Li's sent messages stay, anonymous


async def test_a_prompt_that_cannot_be_written_does_not_block_the_round(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database, due_on=date(2026, 5, 7))
    async with database.transaction() as session:
        (await session.get_one(Stakeholder, world.sven)).language = "tlh"  # no such locale
        (await session.get_one(KpiPlan, world.plan_id)).name = "Joint {projects}"  # braces
    await jobs.plan_rounds(database, texts, utc(2026, 5, 5, 23))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 8))
    statuses = {(p.stakeholder_id, p.kind): p.status for p in await prompts(database)}
    assert statuses[(world.sven, "due_day")] == "failed"  # its date cannot be written
    assert statuses[(world.li, "kpi")] == "sent"
    assert "Joint {projects}" in (await outbox(database, "li"))[0].text
