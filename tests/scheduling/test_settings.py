"""What people and coordinators change: leave, time zones, frequencies; and bad input."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import update

from c2cbot.domain.worktime import InvalidSetting
from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.store import schedule_settings
from c2cbot.store.database import Database
from c2cbot.store.models import KpiPlan, Partnership, Stakeholder
from tests.scheduling.conftest import World, build_world, outbox, prompts, utc


async def _round(database: Database, texts: Catalogues, *moments: datetime) -> None:
    for now in moments:
        await jobs.plan_rounds(database, texts, now)
        await jobs.send_due(database, texts, now)


async def _pause(database: Database, world: World, until: date, today: date | None = None) -> None:
    async with database.transaction() as session:
        await schedule_settings.pause(session, world.sven, until, today=today)


async def test_paused_prompts_wait_and_go_out_on_resume(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await _pause(database, world, date(2026, 5, 20), today=date(2026, 5, 3))
    await _round(database, texts, utc(2026, 5, 4, 7), utc(2026, 5, 4, 8), utc(2026, 5, 5, 9))
    assert await outbox(database, "sven") == []
    assert [p.status for p in await prompts(database, stakeholder_id=world.sven)] == ["planned"]
    async with database.transaction() as session:
        await schedule_settings.resume(session, world.sven)
    await jobs.send_due(database, texts, utc(2026, 5, 5, 10))  # 12:00 in Gothenburg
    assert [m.at for m in await outbox(database, "sven")] == [utc(2026, 5, 5, 10)]


async def test_prompts_wait_for_the_end_of_leave(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    await _pause(database, world, date(2026, 5, 5))  # the last day of leave
    await _round(database, texts, utc(2026, 5, 4, 7), utc(2026, 5, 4, 8), utc(2026, 5, 5, 8))
    assert await outbox(database, "sven") == []
    await _round(database, texts, utc(2026, 5, 6, 8))
    assert [m.at for m in await outbox(database, "sven")] == [utc(2026, 5, 6, 8)]


async def test_leave_must_be_a_sensible_date(database: Database) -> None:
    world = await build_world(database)
    with pytest.raises(InvalidSetting, match="from 2026-05-03 to 2028-05-03"):
        await _pause(database, world, date(2026, 5, 2), today=date(2026, 5, 3))
    with pytest.raises(InvalidSetting):
        await _pause(database, world, date(2031, 1, 1), today=date(2026, 5, 3))


async def test_a_personal_time_zone(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        await schedule_settings.set_timezone(session, world.sven, "Asia/Tokyo")
        with pytest.raises(InvalidSetting, match="Unknown time zone: Mars/Olympus"):
            await schedule_settings.set_timezone(session, world.sven, "Mars/Olympus")
    await jobs.plan_rounds(database, texts, utc(2026, 5, 3, 12))
    sven = await prompts(database, stakeholder_id=world.sven)
    assert [p.due_at for p in sven] == [utc(2026, 5, 4, 1)]  # 10:00 in Tokyo, Swedish holidays


async def test_a_broken_stored_setting_skips_one_person_only(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        await session.execute(
            update(Stakeholder).where(Stakeholder.id == world.sven).values(timezone="Mars/Olympus")
        )
    await jobs.plan_rounds(database, texts, utc(2026, 5, 5, 12))
    assert [p.stakeholder_id for p in await prompts(database)] == [world.li]


async def test_schedules_refuse_impossible_values(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    assert world.plan_id is not None
    async with database.transaction() as session:
        with pytest.raises(InvalidSetting, match="from 1 to 366"):
            await schedule_settings.set_follow_up_days(session, world.partnership_id, 0)
        with pytest.raises(InvalidSetting, match="weekly, biweekly, monthly"):
            await schedule_settings.set_kpi_frequency(
                session, world.partnership_id, world.plan_id, "fortnightly"
            )
        assert await schedule_settings.set_kpi_frequency(
            session, world.partnership_id, world.plan_id, "weekly"
        )
    await jobs.plan_rounds(database, texts, utc(2026, 5, 5, 12))
    assert [p.period_key for p in await prompts(database, stakeholder_id=world.sven)] == [
        "2026-W18"
    ]
    # Shanghai's round for week 18 waits for the end of the Labour Day holiday.
    assert [p.period_key for p in await prompts(database, stakeholder_id=world.li)] == [
        "2026-W17",
        "2026-W18",
    ]


async def test_an_unknown_stored_frequency_skips_the_plan(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        await session.execute(
            update(KpiPlan).where(KpiPlan.id == world.plan_id).values(frequency="hourly")
        )
    assert await jobs.plan_rounds(database, texts, utc(2026, 5, 5, 12)) == 0


async def test_a_coordinator_sees_the_schedule(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 5, 12))
    async with database.sessions() as session:
        upcoming = await schedule_settings.upcoming(session, world.partnership_id)
    assert [(u.name, u.kind, u.period_key, u.due_at) for u in upcoming] == [
        ("Sven", "kpi", "2026-04", utc(2026, 5, 6, 8)),
        ("Li", "kpi", "2026-04", utc(2026, 5, 6, 2)),
    ][::-1]


async def test_mou_renewal_and_plan_review_reminders(database: Database, texts: Catalogues) -> None:
    world = await build_world(database, plan_created=None)
    async with database.transaction() as session:
        await session.execute(
            update(Partnership)
            .where(Partnership.id == world.partnership_id)
            .values(mou_expires=date(2026, 8, 10))
        )
        await schedule_settings.set_plan_review(session, world.partnership_id, date(2026, 5, 12))
    for day in range(8, 13):
        await jobs.mou_and_plan_reviews(database, texts, utc(2026, 5, day, 0, 15))
        await jobs.send_due(database, texts, utc(2026, 5, day, 2))
        await jobs.send_due(database, texts, utc(2026, 5, day, 8))
    anna, wang = await outbox(database, "anna"), await outbox(database, "wang")
    # Three months before 10 August is Sunday 10 May: the next working day, Monday.
    assert [m.at for m in anna] == [utc(2026, 5, 11, 8), utc(2026, 5, 12, 8)]
    assert [m.at for m in wang] == [utc(2026, 5, 11, 2), utc(2026, 5, 12, 2)]
    assert "expires on August 10, 2026" in anna[0].text
    assert "due for review on May 12, 2026" in anna[1].text
    assert await outbox(database, "sven") == []
