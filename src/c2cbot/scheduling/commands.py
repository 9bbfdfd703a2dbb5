"""What ``c2cbot jobs list|run|pause|resume`` and ``c2cbot prompts preview`` do.

Each function takes a ``Database`` and returns rows; ``print_*`` writes them as a table.
Job commands work on the shared job store directly, so they act on the schedule the
leading process runs, wherever that is: a paused job stays paused across restarts, and
the leader sees a change at its next wake-up (at least once a minute, for ``send_due``).
``jobs run`` runs a job here and now, in this process; jobs are idempotent, so running
one while the leader also does is harmless.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO, TypeVar

from apscheduler.schedulers.base import BaseScheduler

from c2cbot.flows.texts import Texts
from c2cbot.scheduling import jobs, rounds
from c2cbot.scheduling.calendars import Calendars
from c2cbot.scheduling.scheduler import JOB_SPECS, stored_schedule
from c2cbot.store import planning_snapshot, prompt_reads, prompts
from c2cbot.store.database import Database
from c2cbot.store.planning_snapshot import Snapshot
from c2cbot.store.prompts import Planned

T = TypeVar("T")


class UnknownJob(LookupError):
    """A job name that is not one of ours; the message lists the names there are."""

    def __init__(self, name: str) -> None:
        names = ", ".join(spec.name for spec in JOB_SPECS)
        super().__init__(f"no job called {name!r}; the jobs are {names}")


@dataclass(frozen=True)
class JobRow:
    id: str
    function: str
    trigger: str
    next_run_time: datetime | None

    @property
    def paused(self) -> bool:
        return self.next_run_time is None


async def list_jobs(database: Database) -> list[JobRow]:
    """The stored jobs, as the leading scheduler will run them."""
    return await _with_store(database, lambda s: [_row(job) for job in s.get_jobs()])


async def pause_job(database: Database, name: str) -> JobRow:
    """Stop a job from running until it is resumed (restarts keep it paused)."""
    _known(name)
    return await _with_store(database, lambda s: _row(s.pause_job(name)))


async def resume_job(database: Database, name: str) -> JobRow:
    """Let a paused job run again from its next scheduled time."""
    _known(name)
    return await _with_store(database, lambda s: _row(s.resume_job(name)))


async def run_job(
    database: Database,
    texts: Texts,
    name: str,
    now: datetime | None = None,
    reminder_days: int = jobs.DEFAULT_REMINDER_DAYS,
) -> int:
    """Run one job now, in this process; what it counted (prompts planned, messages…)."""
    job = _job(name)
    options = {"reminder_days": reminder_days} if name in jobs.USE_REMINDER_DAYS else {}
    result: int = await job(database, texts, now or database.clock(), **options)
    return result


def _job(name: str) -> Callable[..., Any]:
    """The function a job runs, found the way the scheduler finds it: by its reference."""
    spec = next((spec for spec in JOB_SPECS if spec.name == name), None)
    if spec is None:
        raise UnknownJob(name)
    return getattr(importlib.import_module(spec.module), spec.name)  # type: ignore[no-any-return]


def _known(name: str) -> None:
    _job(name)


def _row(job: Any) -> JobRow:
    return JobRow(job.id, job.func_ref, str(job.trigger), job.next_run_time)


async def _with_store(database: Database, work: Callable[[BaseScheduler], T]) -> T:
    """Run ``work`` on the stored schedule, off the event loop (the job store blocks)."""
    return await asyncio.to_thread(_on_store, database.url, work)


def _on_store(url: str, work: Callable[[BaseScheduler], T]) -> T:
    with stored_schedule(url) as schedule:
        return work(schedule)


def print_jobs(rows: Iterable[JobRow], out: TextIO = sys.stdout) -> None:
    for row in rows:
        when = "paused" if row.paused else _utc(row.next_run_time)
        print(f"{row.id:<22} {when:<22} {row.trigger}", file=out)


# ----- prompts preview


@dataclass(frozen=True)
class PreviewRow:
    """Who would be asked what and when; ``new`` prompts are not planned yet."""

    due_at: datetime
    kind: str
    stakeholder_id: int
    name: str | None
    language: str
    channel: str | None
    partnership: str
    subject: str
    period_key: str
    new: bool


async def preview_prompts(
    database: Database, now: datetime, days: int = 7, reminder_days: int = 3
) -> list[PreviewRow]:
    """Prompts due within ``days``: those planned and those planning would add. Sends nothing.

    Reminders and escalations are left out: they depend on answers not given yet.
    """
    async with database.sessions() as session:
        snapshot = await planning_snapshot.load_snapshot(session)
        existing = await prompt_reads.existing_keys(session)
        planned = await prompt_reads.planned_before(session, now + timedelta(days=days))
        fresh = _would_plan(snapshot, now, days, reminder_days, existing)
        ids = {p.stakeholder_id for p in [*planned, *fresh]}
        identities = await prompt_reads.identities_of(session, ids)
    rows = [_preview(snapshot, p, identities, new=False) for p in planned]
    rows += [_preview(snapshot, p, identities, new=True) for p in fresh]
    return sorted(rows, key=lambda r: (r.due_at, r.stakeholder_id, r.kind))


def _would_plan(
    snapshot: Snapshot,
    now: datetime,
    days: int,
    reminder_days: int,
    existing: set[tuple[str, int, int, str]],
) -> list[Planned]:
    """What the planners would add over the next ``days`` days, day by day."""
    calendars, until = Calendars(), now + timedelta(days=days)
    found: dict[tuple[str, int, int, str], Planned] = {}
    for offset in range(days + 1):
        run = rounds.Planning(snapshot, calendars, now + timedelta(days=offset), reminder_days)
        for planner in (rounds.kpi_rounds, rounds.activity_prompts, rounds.reviews):
            for prompt in planner(run):
                found.setdefault(prompt.key, prompt)
    return [p for key, p in found.items() if key not in existing and p.due_at < until]


def _preview(
    snapshot: Snapshot,
    prompt: Planned,
    identities: dict[int, prompts.Identity],
    *,
    new: bool,
) -> PreviewRow:
    person = snapshot.people.get(prompt.stakeholder_id)
    team = snapshot.teams.get(prompt.partnership_id)
    identity = identities.get(prompt.stakeholder_id)
    return PreviewRow(
        prompt.due_at,
        prompt.kind,
        prompt.stakeholder_id,
        person.name if person else None,
        person.language if person else "",
        identity.channel if identity else None,
        team.name if team else "",
        _subject(snapshot, prompt),
        prompt.period_key,
        new,
    )


def _subject(snapshot: Snapshot, prompt: Planned) -> str:
    """The KPI, activity, person or partnership a prompt is about, in English."""
    if prompt.kind == prompts.KPI:
        plans = {plan.id: plan.name for plan in snapshot.plans}
        return plans.get(prompt.subject_id, f"KPI plan {prompt.subject_id}")
    if prompt.kind in (*prompts.ACTIVITY_KINDS, "overdue_note"):
        tasks = {task.id: task.title for task in snapshot.tasks}
        return tasks.get(prompt.subject_id, f"activity {prompt.subject_id}")
    if prompt.kind == "silent":
        person = snapshot.people.get(prompt.subject_id)
        return (person.name if person else None) or f"stakeholder {prompt.subject_id}"
    if prompt.kind == "escalation":
        return f"prompt {prompt.subject_id}"
    team = snapshot.teams.get(prompt.subject_id)
    return team.name if team else ""


def print_preview(rows: Iterable[PreviewRow], out: TextIO = sys.stdout) -> None:
    for row in rows:
        name = row.name or f"#{row.stakeholder_id}"
        who = f"{name} ({row.language}, {row.channel or 'no channel'})"
        state = "would plan" if row.new else "planned"
        print(
            f"{_utc(row.due_at)}  {row.kind:<12} {who:<40} {row.subject} {row.period_key}"
            f"  [{row.partnership}] {state}",
            file=out,
        )


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
