"""The real scheduler, driven by a controlled clock through six weeks and a clock change.

Bonn (Europe/Berlin) and Chengdu (Asia/Shanghai) report a monthly KPI and follow up one
activity each, from 27 September to 3 November 2026. On the way: Germany's Unity Day
(Saturday 3 October), China's National Day week (1–7 October) with its make-up working
Saturday 10 October, and the end of summer time in Europe on Sunday 25 October, after
which 10:00 in Bonn is 09:00 UTC instead of 08:00 UTC. China keeps 02:00 UTC throughout.

``time_machine`` moves the wall clock (``datetime.now``, which APScheduler and the jobs
read); the event loop's own clock is left alone, so after each move the test calls the
scheduler's public ``wakeup()`` instead of waiting for its timer. Each step therefore
runs every job that fell due since the last one exactly once (APScheduler coalesces),
with "now" being the step's time: this is what the bot does after a pause of any length.

The steps are the moments that matter, each day: 01:35, 02:00 and 02:35 UTC around 10:00
in Chengdu, and 07:35 to 09:35 UTC around 10:00 in Bonn in summer and in winter. At :00
only ``send_due`` (and the digests) are due; at :35 the planning and the reminders run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from c2cbot.i18n import Catalogues
from c2cbot.scheduling import scheduler as scheduler_module
from c2cbot.scheduling.prompt_texts import ESCALATION, SILENT
from c2cbot.scheduling.scheduler import JOB_SPECS, Scheduling
from c2cbot.store.database import Database
from c2cbot.store.models import Activity, City, KpiPlan, Partnership, Prompt
from tests.scheduling.conftest import add_person, outbox, prompts, says, utc

FIRST_DAY, LAST_DAY = date(2026, 9, 27), date(2026, 11, 3)
STEP_TIMES = tuple(time(h, m) for h, m in ((1, 35), (2, 0), (2, 35), (7, 35), (8, 0)))
STEP_TIMES += (time(8, 35), time(9, 0), time(9, 35))
PEOPLE = {  # name: (language, city, helix role, partnership role)
    "klaus": ("en", "bonn", "government", "member"),
    "mei": ("zh_Hans", "chengdu", "government", "member"),
    "anna": ("en", "bonn", None, "coordinator"),
    "wang": ("zh_Hans", "chengdu", None, "coordinator"),
}
# The partnership's own reminder delay: two working days to a reminder, two more to the
# coordinators (the bot-wide default, three, must not apply).
REMINDER_DAYS = 2

# Each question: when it was sent (= due, 10:00 local), when it was reminded, when it was
# escalated, and which coordinator heard of it when. Times are UTC.
Row = tuple[datetime, datetime | None, datetime | None, tuple[str, datetime] | None]
EXPECTED: dict[tuple[str, str, str], Row] = {
    # Bonn, summer time (UTC+2): 10:00 is 08:00 UTC.
    ("klaus", "progress", "2026-09-28"): (
        utc(2026, 9, 28, 8),  # Monday, fourteen days after the start on 14 September
        utc(2026, 9, 30, 8, 35),  # two working days later, at the next run of the job
        utc(2026, 10, 2, 8, 35),  # two more
        ("anna", utc(2026, 10, 5, 8)),  # next working 10:00: 3 October is Unity Day
    ),
    ("klaus", "kpi", "2026-09"): (
        utc(2026, 10, 1, 8),  # the first working day after September
        utc(2026, 10, 5, 8, 35),  # Friday 2, then Monday 5 (Saturday 3 is a holiday anyway)
        utc(2026, 10, 7, 8, 35),
        ("anna", utc(2026, 10, 8, 8)),
    ),
    ("klaus", "progress", "2026-10-12"): (
        utc(2026, 10, 12, 8),
        utc(2026, 10, 14, 8, 35),
        utc(2026, 10, 16, 8, 35),
        ("anna", utc(2026, 10, 19, 8)),
    ),
    # Bonn, winter time from Sunday 25 October (UTC+1): 10:00 is 09:00 UTC.
    ("klaus", "progress", "2026-10-26"): (
        utc(2026, 10, 26, 9),
        utc(2026, 10, 28, 9, 35),
        utc(2026, 10, 30, 9, 35),
        ("anna", utc(2026, 11, 2, 9)),
    ),
    ("klaus", "kpi", "2026-10"): (utc(2026, 11, 2, 9), None, None, None),
    # Chengdu (UTC+8 all year): 10:00 is 02:00 UTC.
    ("mei", "progress", "2026-10-01"): (
        utc(2026, 10, 8, 2),  # due on 1 October, in the National Day week: asked after it
        utc(2026, 10, 10, 2, 35),  # Friday 9, then the make-up working Saturday 10
        utc(2026, 10, 13, 2, 35),  # Monday 12, Tuesday 13
        ("wang", utc(2026, 10, 14, 2)),
    ),
    ("mei", "kpi", "2026-09"): (
        utc(2026, 10, 8, 2),  # the first working day after September in China
        utc(2026, 10, 10, 2, 35),
        utc(2026, 10, 13, 2, 35),
        ("wang", utc(2026, 10, 14, 2)),
    ),
    ("mei", "progress", "2026-10-15"): (
        utc(2026, 10, 15, 2),
        utc(2026, 10, 19, 2, 35),  # Friday 16, Monday 19: this weekend is no make-up one
        utc(2026, 10, 21, 2, 35),
        ("wang", utc(2026, 10, 22, 2)),
    ),
    ("mei", "progress", "2026-10-29"): (
        utc(2026, 10, 29, 2),
        utc(2026, 11, 2, 2, 35),
        None,  # due on Wednesday 4 November, after the walk
        None,
    ),
    ("mei", "kpi", "2026-10"): (utc(2026, 11, 2, 2), None, None, None),
}
# Four weeks after his first unanswered question (28 September 08:00 UTC) Klaus is
# flagged at the 08:35 run; Anna hears at 10:00 Bonn time, now 09:00 UTC.
SILENCE = ("anna", "klaus", utc(2026, 10, 26, 9))


def _days() -> range:
    return range(FIRST_DAY.toordinal(), LAST_DAY.toordinal() + 1)


def steps() -> Iterator[datetime]:
    """The moments the clock is moved to, in order."""
    for day in map(date.fromordinal, _days()):
        for moment in STEP_TIMES:
            yield utc(day.year, day.month, day.day, moment.hour, moment.minute)


async def bonn_chengdu(database: Database) -> dict[str, int]:
    """The Bonn–Chengdu partnership with its four people, a KPI plan and two activities."""
    async with database.transaction() as session:
        partnership = (
            await session.execute(select(Partnership).where(Partnership.key == "bonn_chengdu"))
        ).scalar_one()
        partnership.mou_expires = partnership.plan_review_on = None
        partnership.reminder_days = REMINDER_DAYS
        cities = {
            c.key: c.id
            for c in await session.scalars(select(City).where(City.key.in_(("bonn", "chengdu"))))
        }
        ids = {
            name: await add_person(
                session, partnership.id, name, language, cities[city], helix, role
            )
            for name, (language, city, helix, role) in PEOPLE.items()
        }
        session.add(
            KpiPlan(
                partnership_id=partnership.id,
                kpi_key="joint_projects",
                name="Joint projects",
                kind="count",
                unit="projects",
                frequency="monthly",
                responsible_helix="government",
                created_at=utc(2026, 9, 1),
            )
        )
        for owner, title, start in (
            ("klaus", "Climate neighbourhood pilot", date(2026, 9, 14)),
            ("mei", "Metro ridership study", date(2026, 9, 17)),  # next: 1 October
        ):
            session.add(
                Activity(
                    partnership_id=partnership.id,
                    title=title,
                    owner_id=ids[owner],
                    starts_on=start,
                    due_on=date(2026, 12, 18),
                    created_at=utc(2026, 9, 1),
                )
            )
    return ids


@dataclass
class Captured:
    """The scheduler ``Scheduling`` makes, and every job execution it reports."""

    schedulers: list[AsyncIOScheduler] = field(default_factory=list)
    runs: list[JobExecutionEvent] = field(default_factory=list)

    def ran(self, job: str) -> list[datetime]:
        """When the runs of ``job`` were scheduled for: one per step, the latest missed."""
        return [event.scheduled_run_time for event in self.runs if event.job_id == job]


def _capture(monkeypatch: pytest.MonkeyPatch) -> Captured:
    """Hold on to the scheduler, to wake it: the wall clock moves but its timer does not."""
    captured = Captured()
    real = scheduler_module.new_scheduler

    def capture(url: str) -> AsyncIOScheduler:
        scheduler = real(url)
        scheduler.add_listener(captured.runs.append, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        captured.schedulers.append(scheduler)
        return scheduler

    monkeypatch.setattr(scheduler_module, "new_scheduler", capture)
    return captured


class Clock:
    """The test's hand on the clock: move it, wake the scheduler, wait for the jobs."""

    def __init__(self, traveller: time_machine.Traveller, captured: Captured) -> None:
        self.traveller, self.captured = traveller, captured
        self.scheduler = captured.schedulers[0]

    async def to(self, when: datetime) -> None:
        """Move to ``when`` and wait until every job that fell due has run."""
        due = [j for j in await self._jobs() if j.next_run_time <= when]
        expected = len(self.captured.runs) + len(due)
        self.traveller.move_to(when)
        self.scheduler.wakeup()
        deadline = asyncio.get_running_loop().time() + 30
        while len(self.captured.runs) < expected:
            assert asyncio.get_running_loop().time() < deadline, f"jobs at {when} hang"
            await asyncio.sleep(0.001)
        # Reading the jobs waits for the scheduler's store work (it holds the same lock).
        assert all(j.next_run_time > when for j in await self._jobs())

    async def _jobs(self) -> list[Job]:
        return await asyncio.to_thread(self.scheduler.get_jobs)


async def _walk(
    database: Database, texts: Catalogues, monkeypatch: pytest.MonkeyPatch
) -> tuple[Captured, list[datetime]]:
    """Start the scheduler just before the first day, then step through every step."""
    captured = _capture(monkeypatch)
    walked = list(steps())
    with time_machine.travel(utc(2026, 9, 26, 23, 59, 30), tick=False) as traveller:
        scheduling = Scheduling(database, texts)
        assert await scheduling.start() is True
        try:
            clock = Clock(traveller, captured)
            for when in walked:
                await clock.to(when)
        finally:
            await scheduling.stop()
    return captured, walked


async def test_six_weeks_of_rounds_follow_ups_reminders_and_escalations(
    database: Database, texts: Catalogues, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await bonn_chengdu(database)
    names = {i: name for name, i in ids.items()}
    captured, walked = await _walk(database, texts, monkeypatch)

    # The scheduler fired every job, once per step for all the runs it had missed
    # meanwhile, as scheduled by the controlled clock; none failed.
    assert [e for e in captured.runs if e.exception is not None] == []
    assert captured.ran("send_due") == walked  # every minute: the step's own minute
    at_35 = [when for when in walked if when.minute == 35]
    assert captured.ran("remind_and_escalate") == at_35
    assert captured.ran("plan_rounds") == [when - timedelta(minutes=30) for when in at_35]
    assert captured.ran("mou_and_plan_reviews") == [
        utc(d.year, d.month, d.day, 0, 15) for d in map(date.fromordinal, _days())
    ]
    assert {e.job_id for e in captured.runs} == {spec.name for spec in JOB_SPECS}

    everything = await prompts(database)
    asked = [p for p in everything if p.kind in ("kpi", "progress")]
    notices = {p.subject_id: p for p in everything if p.kind == "escalation"}
    actual: dict[tuple[str, str, str], Row] = {}
    for prompt in asked:
        name = names[prompt.stakeholder_id]
        assert prompt.sent_at == prompt.due_at, (name, prompt.kind, prompt.period_key)
        mine = [m for m in await outbox(database, name) if m.action == f"p:{prompt.id}"]
        assert [m.at for m in mine][:1] == [prompt.due_at]
        notice = notices.get(prompt.id)
        told = None
        if notice is not None:
            assert notice.sent_at == notice.due_at
            told = (names[notice.stakeholder_id], notice.due_at)
        reminded = mine[1].at if len(mine) > 1 else None
        assert len(mine) <= 2  # one reminder, never more
        actual[(name, prompt.kind, prompt.period_key)] = (
            prompt.due_at,
            reminded,
            prompt.escalated_at,
            told,
        )
    assert actual == EXPECTED

    # Only those notices, and one flag for four weeks of silence, reached the coordinators.
    others = [p for p in everything if p.kind not in ("kpi", "progress", "escalation")]
    assert [(names[p.stakeholder_id], p.kind, names[p.subject_id], p.sent_at) for p in others] == [
        (SILENCE[0], "silent", SILENCE[1], SILENCE[2])
    ]
    await _check_coordinators_read(database, texts, everything, names)


async def _check_coordinators_read(
    database: Database, texts: Catalogues, everything: list[Prompt], names: dict[int, str]
) -> None:
    """Each notice is in the coordinator's chat at its time, in their language."""
    subjects = {p.id: names[p.stakeholder_id] for p in everything}
    for coordinator, language in (("anna", "en"), ("wang", "zh_Hans")):
        chat = {m.at: m.text for m in await outbox(database, coordinator)}
        mine = [p for p in everything if names[p.stakeholder_id] == coordinator]
        for notice in mine:
            assert notice.sent_at is not None
            escalation = notice.kind == "escalation"
            about = (subjects if escalation else names)[notice.subject_id]
            message = ESCALATION if escalation else SILENT
            assert says(texts, language, message) in chat[notice.sent_at]
            assert about.title() in chat[notice.sent_at]
