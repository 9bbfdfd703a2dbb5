"""The scheduler: jobs kept in the database, one leader among instances, missed runs run once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from c2cbot.i18n import Catalogues
from c2cbot.scheduling import commands, jobs
from c2cbot.scheduling.scheduler import JOB_SPECS, Scheduling, stored_schedule
from c2cbot.store.database import Database
from c2cbot.store.job_store import job_store_url
from c2cbot.store.leadership import LEADER_KEY
from tests.scheduling.conftest import build_world, outbox, prompts, utc
from tests.support.waiting import eventually

FAST = {"standby_every": 0.05, "check_every": 0.05}


def _move_job(url: str, job_id: str, when: datetime) -> None:
    """What downtime does to a job: its next run time passes while nobody runs it."""
    with stored_schedule(url) as schedule:
        schedule.modify_job(job_id, next_run_time=when)


async def test_only_one_instance_leads_and_another_takes_over(
    database: Database, texts: Catalogues
) -> None:
    other = Database(database.url)
    first, second = Scheduling(database, texts, **FAST), Scheduling(other, texts, **FAST)
    try:
        assert await first.start() is True
        assert await second.start() is False
        await asyncio.sleep(0.2)  # the second keeps trying, and keeps failing
        assert (first.is_leader, second.is_leader) == (True, False)
        stored = await commands.list_jobs(database)
        assert sorted(j.id for j in stored) == sorted(s.name for s in JOB_SPECS)
        assert {j.function for j in stored} == {s.ref for s in JOB_SPECS}
        assert not any(j.paused for j in stored)
        await first.stop()
        await eventually(lambda: second.is_leader, within=10, what="the standby to lead")
        assert not first.is_leader
    finally:
        await first.stop()
        await second.stop()
        await other.close()


async def test_a_missed_run_runs_once_after_a_restart(
    database: Database, texts: Catalogues
) -> None:
    """Down for an hour: send_due missed sixty runs, and runs once, with the bot's clock."""
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    before = Scheduling(database, texts)
    await before.start()
    await before.stop()
    down_since = datetime.now(UTC) - timedelta(hours=1)
    await asyncio.to_thread(_move_job, database.url, "send_due", down_since)
    await commands.pause_job(database, "plan_rounds")
    restarted = Scheduling(database, texts, lambda: utc(2026, 5, 4, 8))
    started = datetime.now(UTC)
    try:
        await restarted.start()
        await eventually(lambda: restarted.runs["send_due"] >= 1, within=10, what="the missed run")
        await asyncio.sleep(0.3)  # room for the other 59 runs, were they not coalesced
        # One run for the sixty missed minutes (plus one more if a minute began meanwhile).
        assert 1 <= restarted.runs["send_due"] <= 2
        catch_up = next(r for r in restarted.recent if r.job_id == "send_due")
        assert catch_up.ok and down_since < catch_up.scheduled <= datetime.now(UTC)
        stored = {j.id: j for j in await commands.list_jobs(database)}
        assert stored["plan_rounds"].paused  # a pause survives a restart
        next_run = stored["send_due"].next_run_time
        assert next_run is not None and next_run > started
    finally:
        await restarted.stop()
    sven = await prompts(database, stakeholder_id=world.sven)
    assert [m.at for m in await outbox(database, "sven")] == [utc(2026, 5, 4, 8)]
    assert [p.status for p in sven] == ["sent"]


async def test_a_broken_lock_connection_hands_the_lead_over(
    database: Database, texts: Catalogues
) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL's advisory lock lives on a connection; SQLite's is a file")
    other = Database(database.url)
    first, second = Scheduling(database, texts, **FAST), Scheduling(other, texts, **FAST)
    try:
        await first.start()
        await second.start()
        async with database.engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND objid = :key AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": LEADER_KEY},
            )
            await connection.commit()
        await eventually(
            lambda: first.leaderships + second.leaderships == 2, within=10, what="two leaderships"
        )
        await eventually(
            lambda: first.is_leader != second.is_leader, within=10, what="exactly one leader"
        )
    finally:
        await first.stop()
        await second.stop()
        await other.close()


def test_the_job_store_uses_a_synchronous_driver() -> None:
    assert (
        job_store_url("sqlite+aiosqlite:///./var/c2cbot.sqlite3")
        == "sqlite:///./var/c2cbot.sqlite3"
    )
    assert (
        job_store_url("postgresql+asyncpg://bot:secret@db:5432/c2cbot")
        == "postgresql+psycopg://bot:secret@db:5432/c2cbot"
    )
    with pytest.raises(ValueError, match="cannot use"):
        job_store_url("mysql+aiomysql://db/c2cbot")


async def test_a_database_down_at_start_is_waited_for(texts: Catalogues) -> None:
    gone = Database("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    scheduling = Scheduling(gone, texts, **FAST)
    try:
        assert await scheduling.start() is False
        await asyncio.sleep(0.2)  # it keeps trying in the background, quietly
        assert not scheduling.is_leader
    finally:
        await scheduling.stop()
        await gone.close()
