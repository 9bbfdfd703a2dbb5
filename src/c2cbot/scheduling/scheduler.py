"""APScheduler wiring: one scheduler per database, its jobs kept in that database.

* Jobs live in APScheduler's ``SQLAlchemyJobStore`` in the shared database (through a
  synchronous driver, as APScheduler 3 needs), so they survive restarts. A run missed
  while the bot was down runs once when it comes back: ``coalesce`` folds the missed
  runs into one and ``misfire_grace_time=None`` lets it run however late it is.
* Jobs are ``"c2cbot.scheduling.jobs:<name>"`` with one keyword argument, the run id of
  this process's registry entry, and fixed job ids. On start they are re-added with
  ``replace_existing=True`` but keep their stored next run time (or their pause).
* Only one process runs the scheduler: the one holding the leader lock (a PostgreSQL
  advisory lock, or a file lock beside a SQLite database). The others stand by and try
  again every ``standby_every`` seconds, so one takes over when the leader stops.
* The job store is synchronous, so this ``AsyncIOScheduler`` does its job-store work in a
  worker thread. On the event loop it could block the loop while waiting for SQLite's
  write lock, held by a transaction that needs the loop to finish: a stall until the
  busy timeout. Jobs themselves run on the event loop, as coroutines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler, run_in_event_loop
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from c2cbot.clock import Clock, system_clock
from c2cbot.digests.posting import Translator
from c2cbot.flows.texts import Texts
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.job_store import job_store_url
from c2cbot.store.leadership import Leadership, lead
from c2cbot.store.retention import DEFAULT_RETENTION, Retention

log = logging.getLogger(__name__)

MODULE = "c2cbot.scheduling.jobs"


@dataclass(frozen=True)
class JobSpec:
    """A job as the scheduler stores it: fixed id, function reference, cron schedule."""

    name: str
    cron: dict[str, Any]
    module: str = MODULE  # the function ``name`` in this module runs the job

    @property
    def ref(self) -> str:
        return f"{self.module}:{self.name}"

    def trigger(self) -> CronTrigger:
        return CronTrigger(timezone=UTC, **self.cron)


JOB_SPECS: tuple[JobSpec, ...] = (
    JobSpec("plan_rounds", {"minute": 5}),
    JobSpec("send_due", {"minute": "*"}),
    JobSpec("remind_and_escalate", {"minute": 35}),
    JobSpec("mou_and_plan_reviews", {"hour": 0, "minute": 15}),
    JobSpec("weekly_digests", {"minute": "*/15"}),
    JobSpec("meeting_digests", {"second": "*/20"}, "c2cbot.scheduling.meeting_digests"),
    JobSpec("prune_records", {"hour": 2, "minute": 40}, "c2cbot.scheduling.retention"),
)
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


def job_store(database_url: str) -> SQLAlchemyJobStore:
    """APScheduler's table in the shared database, reached through a synchronous driver."""
    url = job_store_url(database_url)
    if url.startswith("sqlite"):
        options: dict[str, Any] = {"connect_args": {"timeout": 30}}
    else:
        options = {"pool_pre_ping": True, "pool_size": 1, "max_overflow": 2}
    return SQLAlchemyJobStore(url=url, engine_options=options)


def new_scheduler(database_url: str) -> AsyncIOScheduler:
    """A scheduler on the shared job store, not started."""
    return _ThreadedStoreScheduler(
        jobstores={"default": job_store(database_url)},
        executors={"default": _LoopExecutor()},
        job_defaults=JOB_DEFAULTS,
        timezone=UTC,
    )


class _ScheduleEditor(BaseScheduler):  # type: ignore[misc]
    """A scheduler that never runs a job: it only reads and edits the stored schedule.

    A started ``BackgroundScheduler``, even a paused one, processes due jobs while it
    shuts down, which would consume a missed run in the wrong process.
    """

    def wakeup(self) -> None:
        """Jobs run in the leading process only, never here."""

    def shutdown(self, wait: bool = True) -> None:
        BaseScheduler.shutdown(self, wait)


@contextlib.contextmanager
def stored_schedule(database_url: str) -> Iterator[BaseScheduler]:
    """The jobs stored in the shared database, to list, pause or resume (blocking I/O)."""
    editor = _ScheduleEditor(jobstores={"default": job_store(database_url)}, timezone=UTC)
    editor.start(paused=True)
    try:
        yield editor
    finally:
        editor.shutdown(wait=False)


class _LoopExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """Submits coroutine jobs to the event loop from the scheduler's worker thread."""

    _closed = False

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        self._eventloop.call_soon_threadsafe(self._submit_on_loop, job, run_times)

    def _submit_on_loop(self, job: Any, run_times: list[datetime]) -> None:
        if not self._closed:  # not after a shutdown that came in between
            super()._do_submit_job(job, run_times)

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        super().shutdown(wait)


class _ThreadedStoreScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """``AsyncIOScheduler`` whose job-store I/O (``_process_jobs``) runs in a worker thread."""

    _processing: asyncio.Future[float | None] | None = None
    _again = False

    @run_in_event_loop  # type: ignore[untyped-decorator]
    def wakeup(self) -> None:
        self._stop_timer()
        if self._processing is not None and not self._processing.done():
            self._again = True
            return
        loop = cast(asyncio.AbstractEventLoop, self._eventloop)
        self._processing = loop.run_in_executor(None, self._process_jobs)
        self._processing.add_done_callback(self._processed)

    def _processed(self, future: asyncio.Future[float | None]) -> None:
        if self._eventloop is None or future.cancelled():
            return  # shut down meanwhile
        try:
            wait = future.result()
        except Exception:
            log.exception("the scheduler could not process its jobs; trying again")
            wait = self.jobstore_retry_interval
        if self._again:
            self._again = False
            self.wakeup()
        else:
            self._start_timer(wait)

    def shutdown(self, wait: bool = True) -> None:
        """Shut down now, on the loop's thread, rather than at the loop's next turn."""
        BaseScheduler.shutdown(self, wait)
        self._stop_timer()
        self._eventloop = None

    async def finish_processing(self) -> None:
        """Wait for job-store work in flight, so the store is not closed under it."""
        if self._processing is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._processing)


@dataclass(frozen=True)
class JobRun:
    """One execution of a job in this process: which, for when, whether it succeeded."""

    job_id: str
    scheduled: datetime
    ok: bool


class Scheduling:
    """Runs the scheduler in whichever process holds the leader lock of the database.

    ``start`` returns whether this process leads; if it does not, it stands by and takes
    over when the lock comes free. ``runs`` counts job executions in this process and
    ``recent`` keeps the last hundred; ``leaderships`` counts the times it took the lead.
    """

    def __init__(
        self,
        database: Database,
        texts: Texts,
        clock: Clock = system_clock,
        *,
        reminder_days: int = jobs.DEFAULT_REMINDER_DAYS,
        standby_every: float = 30.0,
        check_every: float = 30.0,
        translator: Translator | None = None,
        retention: Retention = DEFAULT_RETENTION,
    ) -> None:
        self._context = jobs.Context(database, texts, clock, reminder_days, translator, retention)
        self._standby_every, self._check_every = standby_every, check_every
        self._leadership: Leadership | None = None
        self._scheduler: _ThreadedStoreScheduler | None = None
        self._run: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.runs: Counter[str] = Counter()
        self.recent: deque[JobRun] = deque(maxlen=100)
        self.leaderships = 0

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    async def start(self) -> bool:
        """Lead if the lock is free, else stand by; whether this process leads now."""
        if self._tasks or self.is_leader:
            return self.is_leader
        try:
            if await self._try_lead():
                return True
        except Exception:  # the database may be down at start: keep trying, do not crash
            log.warning("could not start the scheduler; trying again", exc_info=True)
        self._spawn(self._stand_by(), "scheduler-standby")
        return False

    async def stop(self) -> None:
        """Stop standing by or leading, and free the lock for another process."""
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self._step_down()

    def _spawn(self, work: Any, name: str) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _try_lead(self) -> bool:
        leadership = await lead(self._context.database)
        if leadership is None:
            return False
        self._leadership = leadership
        try:
            await self._start_scheduler()
        except BaseException:
            await self._step_down()
            raise
        self._spawn(self._watch(), "scheduler-leadership")
        self.leaderships += 1
        log.info("this process runs the scheduler")
        return True

    async def _start_scheduler(self) -> None:
        self._run = jobs.register(self._context)
        scheduler = new_scheduler(self._context.database.url)
        scheduler.add_listener(self._ran, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.start(paused=True)
        self._scheduler = scheduler
        await asyncio.to_thread(_add_jobs, scheduler, self._run)
        scheduler.resume()

    def _ran(self, event: JobExecutionEvent) -> None:
        self.runs[event.job_id] += 1
        self.recent.append(JobRun(event.job_id, event.scheduled_run_time, event.exception is None))

    async def _stand_by(self) -> None:
        """Try for the lock now and then, until this process leads."""
        while True:
            await asyncio.sleep(self._standby_every)
            try:
                if await self._try_lead():
                    return
            except Exception:
                log.warning("could not take over the scheduler; trying again", exc_info=True)

    async def _watch(self) -> None:
        """Step down when the lock is lost (its connection broke), then stand by."""
        while True:
            await asyncio.sleep(self._check_every)
            if self._leadership is None or not await self._leadership.alive():
                log.error("lost the scheduler's leader lock; standing by")
                await self._step_down()
                self._spawn(self._stand_by(), "scheduler-standby")
                return

    async def _step_down(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            await scheduler.finish_processing()
            scheduler.shutdown(wait=False)
        if self._run is not None:
            jobs.unregister(self._run)
            self._run = None
        leadership, self._leadership = self._leadership, None
        if leadership is not None:
            await leadership.release()


def _add_jobs(scheduler: AsyncIOScheduler, run: str) -> None:
    """Add or refresh every job, keeping stored next run times (so missed runs still run)."""
    stored = {job.id: job for job in scheduler.get_jobs()}
    for spec in JOB_SPECS:
        options: dict[str, Any] = {}
        if spec.name in stored:
            options["next_run_time"] = stored[spec.name].next_run_time
        scheduler.add_job(
            spec.ref,
            trigger=spec.trigger(),
            id=spec.name,
            name=spec.name,
            kwargs={"run": run},
            replace_existing=True,
            **options,
        )
