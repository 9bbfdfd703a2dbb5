"""Reminders after N working days, escalation to coordinators, silence after four weeks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.scheduling.prompt_texts import SILENT, UNREACHABLE_PERSON
from c2cbot.store.database import Database
from c2cbot.store.models import Answer, ChannelIdentity, Prompt
from tests.scheduling.conftest import build_world, outbox, prompts, says, utc, walk


async def test_reminded_after_three_working_days_then_escalated(
    database: Database, texts: Catalogues
) -> None:
    """Walk two weeks of May 2026: holidays in both countries, a Chinese make-up Saturday."""
    world = await build_world(database)
    await walk(database, texts, utc(2026, 5, 3, 22), utc(2026, 5, 13, 4))
    april = {p.stakeholder_id: p.id for p in await prompts(database, period_key="2026-04")}
    sven, li = await outbox(database, "sven"), await outbox(database, "li")
    # Sven: asked Monday 4 May at 10:00 CEST, reminded three working days later.
    assert [(m.at, m.action) for m in sven] == [
        (utc(2026, 5, 4, 8), f"p:{april[world.sven]}"),
        (utc(2026, 5, 7, 8), f"p:{april[world.sven]}"),
    ]
    assert sven[1].text.startswith("A reminder")
    # Li: asked Wednesday 6 May; the third working day is Saturday 9 May, a make-up day.
    assert [m.at for m in li] == [utc(2026, 5, 6, 2), utc(2026, 5, 9, 2)]
    # Three more working days without an answer: each city's coordinator hears of it.
    anna, wang = await outbox(database, "anna"), await outbox(database, "wang")
    assert [m.at for m in anna] == [utc(2026, 5, 12, 8)]  # 14 May is Ascension Day
    assert [m.at for m in wang] == [utc(2026, 5, 13, 2)]
    assert "Sven has not answered" in anna[0].text and "Joint projects" in anna[0].text
    assert anna[0].action is None
    statuses = {p.stakeholder_id: p.status for p in await prompts(database, period_key="2026-04")}
    assert statuses == {world.sven: "escalated", world.li: "escalated"}


async def test_no_reminder_at_night_or_on_a_holiday(database: Database, texts: Catalogues) -> None:
    await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    await jobs.send_due(database, texts, utc(2026, 5, 4, 8))
    # 13 May 21:00 in Gothenburg is quiet; 14 May is Ascension Day.
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 7, 7, 59))
    assert len(await outbox(database, "sven")) == 1
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 7, 19))  # 21:00 local
    assert len(await outbox(database, "sven")) == 1
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 8, 6))  # 08:00 local
    assert len(await outbox(database, "sven")) == 2


async def test_answered_prompts_are_not_reminded(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    await jobs.send_due(database, texts, utc(2026, 5, 4, 8))
    async with database.transaction() as session:
        prompt = (await prompts(database, stakeholder_id=world.sven))[0]
        (await session.get_one(Prompt, prompt.id)).status = "answered"
    await walk(database, texts, utc(2026, 5, 5, 8), utc(2026, 5, 20, 8), step=timedelta(days=1))
    assert len(await outbox(database, "sven")) == 1
    assert await outbox(database, "anna") == []


async def test_an_unreachable_person_is_reported_to_their_coordinator(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.stakeholder_id == world.li)
            .values(active=False)
        )
    await jobs.plan_rounds(database, texts, utc(2026, 5, 6, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 2))
    assert [p.status for p in await prompts(database, stakeholder_id=world.li)] == ["unreachable"]
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 6, 3))
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 6, 4))  # reported once
    await jobs.send_due(database, texts, utc(2026, 5, 7, 2))
    wang = await outbox(database, "wang")
    assert [m.at for m in wang] == [utc(2026, 5, 7, 2)]
    assert says(texts, "zh_Hans", UNREACHABLE_PERSON) in wang[0].text and "Li" in wang[0].text
    assert await outbox(database, "anna") == []


async def test_silent_for_four_weeks_is_flagged_once(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 6, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 2))
    silent = {"kind": "silent", "subject_id": world.li}
    await jobs.remind_and_escalate(database, texts, utc(2026, 6, 3, 1))  # 27 days, 23 hours
    assert await prompts(database, **silent) == []
    await jobs.remind_and_escalate(database, texts, utc(2026, 6, 3, 2))  # four weeks
    await jobs.remind_and_escalate(database, texts, utc(2026, 6, 4, 2))
    flags = await prompts(database, **silent)
    assert [(p.stakeholder_id, p.due_at) for p in flags] == [(world.wang, utc(2026, 6, 3, 2))]
    await jobs.send_due(database, texts, utc(2026, 6, 4, 2))
    flagged = (await outbox(database, "wang"))[-1].text
    assert says(texts, "zh_Hans", SILENT) in flagged and flagged.startswith("Li")


async def test_someone_who_answered_lately_is_not_silent(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 6, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 2))
    async with database.transaction() as session:
        session.add(
            Answer(
                stakeholder_id=world.li,
                partnership_id=world.partnership_id,
                conversation="aim",
                question="vision",
                value={"type": "text", "value": "x"},
                display="x",
                language="zh_Hans",
                channel="web",
                answered_at=utc(2026, 5, 20),
            )
        )
    await jobs.remind_and_escalate(database, texts, utc(2026, 6, 10, 2))
    assert await prompts(database, kind="silent") == []
