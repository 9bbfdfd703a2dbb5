"""The scheduler's jobs, as module-level functions named ``c2cbot.scheduling.jobs:<name>``.

APScheduler pickles a job as its function's name and keyword arguments into the shared
database, so only an id travels with it: ``run``, the key under which the running
``Scheduling`` registered its database, texts and clock in this process. That registry
is the one piece of module state here; it maps ids to live objects that cannot (and
must not) be pickled.

Tests and ``c2cbot jobs run`` call the same functions with a database, texts and an
explicit ``now`` instead of a run id, so time is whatever the caller says it is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from c2cbot.clock import Clock, system_clock
from c2cbot.digests.posting import Translator
from c2cbot.flows.texts import Texts
from c2cbot.scheduling import reminders, rounds, sending
from c2cbot.scheduling.calendars import Calendars
from c2cbot.scheduling.weekly_digests import send_weekly
from c2cbot.store import planning_snapshot, prompts
from c2cbot.store.database import Database
from c2cbot.store.prompts import Planned
from c2cbot.store.retention import DEFAULT_RETENTION, Retention

log = logging.getLogger(__name__)

DEFAULT_REMINDER_DAYS = 3
Planner = Callable[[rounds.Planning], Iterator[Planned]]


@dataclass(frozen=True)
class Context:
    """What a running scheduler lends its jobs: the live objects behind a run id."""

    database: Database
    texts: Texts
    clock: Clock = system_clock
    reminder_days: int = DEFAULT_REMINDER_DAYS
    translator: Translator | None = None
    retention: Retention = DEFAULT_RETENTION


_RUNNING: dict[str, Context] = {}


def register(context: Context) -> str:
    """Lend ``context`` to jobs; the returned id is what their stored kwargs carry."""
    run = uuid.uuid4().hex
    _RUNNING[run] = context
    return run


def unregister(run: str) -> None:
    _RUNNING.pop(run, None)


@dataclass(frozen=True)
class Call:
    """One job call, resolved: from a run id, or from explicit arguments."""

    database: Database
    texts: Texts
    now: datetime
    reminder_days: int


class NotRunning(LookupError):
    """A stored job fired for a scheduler run that is not (or no longer) in this process."""


def _call(
    run: str | None,
    database: Database | None,
    texts: Texts | None,
    now: datetime | None,
    reminder_days: int | None = None,
) -> Call:
    if run is not None:
        context = _RUNNING.get(run)
        if context is None:
            raise NotRunning(f"no scheduler run {run} in this process")
        days = reminder_days or context.reminder_days
        return Call(context.database, context.texts, context.clock(), days)
    if database is None or texts is None or now is None:
        raise TypeError("a job needs database, texts and now, or the run id of a scheduler")
    return Call(database, texts, now, reminder_days or DEFAULT_REMINDER_DAYS)


async def plan_rounds(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
    reminder_days: int | None = None,
) -> int:
    """Plan KPI rounds, follow-ups, due-date reminders and overdue alerts (hourly)."""
    call = _call(run, database, texts, now, reminder_days)
    return await _plan(call, (rounds.kpi_rounds, rounds.activity_prompts), close=True)


async def send_due(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
    limit: int | None = None,
) -> int:
    """Write every prompt that is due to the outbox (every minute)."""
    call = _call(run, database, texts, now)
    posted = await sending.send_due(call.database, call.texts, call.now, limit=limit)
    _log("send_due", posted, "messages posted")
    return posted


async def remind_and_escalate(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
    reminder_days: int | None = None,
) -> int:
    """Remind, escalate unanswered prompts and flag silent people (hourly)."""
    call = _call(run, database, texts, now, reminder_days)
    tally = await reminders.remind_and_escalate(
        call.database, call.texts, call.now, call.reminder_days
    )
    _log("remind_and_escalate", tally.total, f"({tally})")
    return tally.total


async def mou_and_plan_reviews(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
) -> int:
    """Plan MoU renewal and plan-review reminders to coordinators (daily)."""
    call = _call(run, database, texts, now)
    return await _plan(call, (rounds.reviews,), close=False)


async def _plan(call: Call, planners: Sequence[Planner], *, close: bool) -> int:
    """Insert what the planners want to exist; close rounds that newer ones replaced."""
    async with call.database.sessions() as session:
        snapshot = await planning_snapshot.load_snapshot(session)
    run = rounds.Planning(snapshot, Calendars(), call.now, call.reminder_days)
    planned = [prompt for planner in planners for prompt in planner(run)]
    async with call.database.transaction() as session:
        inserted = await prompts.insert_planned(session, planned, call.now)
        stale = rounds.superseded(await prompts.open_answerable(session), run) if close else []
        await prompts.set_status(session, stale, prompts.CLOSED)
    _log(planners[0].__name__, inserted, f"prompts planned, {len(stale)} closed")
    return inserted


async def weekly_digests(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
) -> int:
    """Write the weekly digests whose local time has come (every quarter of an hour)."""
    call = _call(run, database, texts, now)
    translator = _RUNNING[run].translator if run is not None else None
    written = await send_weekly(call.database, call.texts, call.now, translator)
    _log("weekly_digests", written, "weekly digests written")
    return written


def _log(job: str, count: int, what: str) -> None:
    if count:
        log.info("%s: %d %s", job, count, what)


#: The jobs whose timing depends on the reminder delay (C2C_REMINDER_DAYS).
USE_REMINDER_DAYS = frozenset({"plan_rounds", "remind_and_escalate"})
