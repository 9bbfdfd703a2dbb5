"""``c2cbot jobs list|run|pause|resume`` and ``c2cbot prompts preview``, as functions."""

from __future__ import annotations

import io

import pytest

from c2cbot.i18n import Catalogues
from c2cbot.scheduling import commands
from c2cbot.scheduling.scheduler import JOB_SPECS, Scheduling
from c2cbot.store.database import Database
from c2cbot.store.models import Prompt
from tests.scheduling.conftest import build_world, count, prompts, utc


async def test_jobs_list_pause_and_resume(database: Database, texts: Catalogues) -> None:
    assert await commands.list_jobs(database) == []  # nobody has run the scheduler yet
    scheduling = Scheduling(database, texts)
    await scheduling.start()
    await scheduling.stop()
    paused = await commands.pause_job(database, "remind_and_escalate")
    assert paused.paused
    listed = {job.id: job for job in await commands.list_jobs(database)}
    assert listed["remind_and_escalate"].paused and not listed["send_due"].paused
    resumed = await commands.resume_job(database, "remind_and_escalate")
    assert resumed.next_run_time is not None
    out = io.StringIO()
    commands.print_jobs(await commands.list_jobs(database), out)
    assert "send_due" in out.getvalue() and "cron[minute='*']" in out.getvalue()
    with pytest.raises(commands.UnknownJob, match="the jobs are plan_rounds, send_due"):
        await commands.pause_job(database, "digest")


async def test_jobs_run_now(database: Database, texts: Catalogues) -> None:
    await build_world(database)
    assert await commands.run_job(database, texts, "plan_rounds", utc(2026, 5, 5, 12)) == 2
    assert await commands.run_job(database, texts, "send_due", utc(2026, 5, 6, 2)) == 1


async def test_prompts_preview_sends_and_stores_nothing(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    rows = await commands.preview_prompts(database, utc(2026, 5, 3, 12), days=7)
    assert [(r.name, r.kind, r.due_at, r.channel, r.new) for r in rows] == [
        ("Sven", "kpi", utc(2026, 5, 4, 8), "web", True),
        ("Li", "kpi", utc(2026, 5, 6, 2), "web", True),
    ]
    assert await count(database, Prompt) == 0
    await commands.run_job(database, texts, "plan_rounds", utc(2026, 5, 4, 7))
    rows = await commands.preview_prompts(database, utc(2026, 5, 4, 7), days=7)
    assert [(r.stakeholder_id, r.new) for r in rows] == [(world.sven, False), (world.li, True)]
    out = io.StringIO()
    commands.print_preview(rows, out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2026-05-04 08:00 UTC  kpi")
    assert "Sven (en, web)" in lines[0] and "Joint projects 2026-04" in lines[0]
    assert lines[1].endswith("would plan")
    assert len(await prompts(database)) == 1


@pytest.mark.parametrize("name", [spec.name for spec in JOB_SPECS])
async def test_every_scheduled_job_runs_by_name(
    name: str, database: Database, texts: Catalogues
) -> None:
    """``c2cbot jobs run`` knows every job the scheduler runs, wherever it lives."""
    assert await commands.run_job(database, texts, name, utc(2026, 5, 5, 12)) >= 0
