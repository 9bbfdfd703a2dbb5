"""Prompt fan-out: a KPI round to 10,000 people, through the outbox and a rate-limited channel.

Not a test: it measures. For each backend it migrates and seeds a fresh database, adds
``--people`` people (one partnership, one city, one helix role) each with a chat on a
fake channel, and one monthly KPI plan that makes every one of them responsible. Then:

1. **plan** (timed on its own): ``jobs.plan_rounds`` creates one prompt per person.
2. **fan-out** (timed): the real ``Dispatcher`` runs against the real ``SqlOutbox``
   with the fake channel registered, while ``jobs.send_due`` writes the prompts to the
   outbox (one message per prompt, in the transaction that marks it sent, 500 a batch).
   The clock stops when the channel has accepted the last message.

The fake channel paces itself as the Telegram channel does, with a ``ChatLimiter``
whose overall rate is ``--rate`` messages/s with bursts of ``--burst`` (Telegram's 30/s
would make a short run long; the limit is scaled up, and the burst by default keeps the
production limit's shape: 0.2 s worth of messages, as 5 at 25/s). With ``--burst 1``
every message waits for its own token, so event-loop timer overshoot (about a
millisecond) cannot be made up and the ratio shows it. The minimum time the limit
allows for N messages is (N − burst) / rate; the fan-out's time is reported as a ratio
of it (1.00 is perfect pacing). The script then checks, independently of the limiter:

* **lost / doubled**: every prompt reached the channel exactly once (by its button's
  ``p:<id>`` action) and every prompt and outbox row is marked sent;
* **limit violations**: in every window of 1 s and of 0.1 s, no more than
  ``burst + rate × window`` messages (the bound the ``Rate`` docstring promises).

Peak memory is the process's peak RSS (``resource.getrusage``); ``--tracemalloc`` adds
the Python heap's peak during the fan-out (it slows the run, so it is off by default).
The 1-minute load average before and after is recorded: on a shared machine, other
processes' work shows up as a worse ratio. So is the CPU time this process used during
the fan-out, all threads and the event loop's thread alone: when the loop's CPU time
comes close to the fan-out's wall time, the loop is saturated and the limit is not
what paces the round.

Experiments (not the shipped code; each prototypes a change suggested for the outbox
or the limiter, inside this script): ``--batched-marks`` (mark sent messages in one
transaction every 50 ms), ``--lean-claims`` (claim in batches with an indexed
anti-join), ``--fifo-limiter`` (waiters queue for the overall bucket).

Run from the repository root::

    .venv/bin/python bench/prompt_fanout.py                        # SQLite, 10,000 people
    .venv/bin/python bench/prompt_fanout.py --backend both         # and PostgreSQL
    .venv/bin/python bench/prompt_fanout.py --rate 2000 --burst 400 --people 20000

PostgreSQL: ``--postgres`` names a server (default the test server); the script creates
a database of its own there (``c2cbot_fanout_<pid>``) and drops it afterwards.
SQLite uses a new file in a temporary directory. ``--profile`` runs the fan-out under
cProfile and prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import aliased

from c2cbot.channels.base import Capabilities
from c2cbot.channels.ratelimit import SYSTEM_CLOCK, ChatLimiter, ChatLimits, Rate
from c2cbot.config import Settings
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.domain.reference import load_reference
from c2cbot.flows.messages import Outbound
from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import (
    ChannelIdentity,
    City,
    KpiPlan,
    Membership,
    OutboxMessage,
    Partnership,
    Prompt,
    Stakeholder,
)
from c2cbot.store.outbox import SqlOutbox
from c2cbot.store.seeding import seed_reference

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).resolve().parent / "results"
CHANNEL = "fake"
PLAN_CREATED = datetime(2026, 1, 15, tzinfo=UTC)
PLAN_AT = datetime(2026, 5, 4, 7, tzinfo=UTC)  # Monday: April's round opens in Gothenburg
DUE = datetime(2026, 5, 4, 8, tzinfo=UTC)  # 10:00 CEST


# ----- the fake channel


class FakeChannel:
    """A channel that paces itself like Telegram's and records when each message left."""

    name = CHANNEL
    capabilities = Capabilities(buttons=True, max_length=4096, markup="plain")

    def __init__(self, rate: Rate, fifo: bool = False) -> None:
        limits = ChatLimits(overall=rate, private=Rate(1.0, 2.0), group=Rate(1.0, 2.0))
        self._limiter = ChatLimiter(limits, SYSTEM_CLOCK)
        self._turn = asyncio.Lock() if fifo else contextlib.nullcontext()
        self.stamps: list[float] = []
        self.actions: Counter[str] = Counter()
        self.expected = 0
        self.done = asyncio.Event()

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        async with self._turn:  # --fifo-limiter: one waiter polls the bucket, the rest queue
            await self._limiter.wait(chat_id)
        self.stamps.append(time.monotonic())
        self.actions[message.choices[0].action if message.choices else ""] += 1
        if len(self.stamps) >= self.expected:
            self.done.set()
        return str(len(self.stamps))


class BatchedMarks:
    """Experiment (``--batched-marks``), not the shipped path: the dispatcher's queue with
    ``sent`` marks collected and written in one transaction every ``every`` seconds,
    instead of one transaction per message. Shows what that change to the outbox would
    gain; everything else is the real ``SqlOutbox``.
    """

    def __init__(self, outbox: SqlOutbox, database: Database, every: float = 0.05) -> None:
        self._outbox, self._database, self._every = outbox, database, every
        self._marks: list[dict[str, Any]] = []

    async def claim_due(self, now: datetime, limit: int = 200) -> list[Any]:
        return await self._outbox.claim_due(now, limit)

    async def sent(self, message_id: int, external_id: str | None, now: datetime) -> None:
        self._marks.append(
            {"id": message_id, "status": "sent", "sent_at": now, "external_message_id": external_id}
        )

    async def sent_many(self, marks: list[tuple[int, str | None]], now: datetime) -> None:
        await self._outbox.sent_many(marks, now)  # the dispatcher batches marks itself now

    async def retry(self, message_id: int, attempts: int, at: datetime, error: str) -> None:
        await self._outbox.retry(message_id, attempts, at, error)

    async def dead(self, message_id: int, attempts: int, error: str) -> None:
        await self._outbox.dead(message_id, attempts, error)

    async def unreachable(self, channel: str, chat_id: str) -> None:
        await self._outbox.unreachable(channel, chat_id)

    async def recover_abandoned(self, now: datetime) -> None:
        await self._outbox.recover_abandoned(now)

    async def flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            await self.flush()

    async def flush(self) -> None:
        marks, self._marks = self._marks, []
        if marks:
            async with self._database.transaction() as session:
                await session.execute(update(OutboxMessage), marks)


class LeanClaims(SqlOutbox):
    """Experiment (``--lean-claims``), not the shipped path: the outbox claim as suggested.

    * It claims only when at least ``at_least`` slots are free (or 20 ms have passed),
      instead of a query for every message that finishes;
    * the one-message-per-chat rule is an anti-join on an index of (channel, chat_id,
      id) instead of ``GROUP BY channel, chat_id`` over the whole queue.
    """

    def __init__(self, database: Database, at_least: int = 50) -> None:
        super().__init__(database)
        self._at_least, self._last = at_least, 0.0

    async def claim_due(self, now: datetime, limit: int = 200) -> list[Any]:
        if limit < self._at_least and time.monotonic() - self._last < 0.02:
            return []
        self._last = time.monotonic()
        async with self.database.transaction() as session:
            rows = list((await session.execute(_lean_claim(now, limit))).scalars())
            for row in rows:
                row.status, row.next_attempt_at = "sending", now
            return [await self._due(session, row) for row in rows]


def _lean_claim(now: datetime, limit: int) -> Any:
    earlier = aliased(OutboxMessage)
    waiting = (
        select(earlier.id)
        .where(
            earlier.channel == OutboxMessage.channel,
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.status.in_(("pending", "sending")),
            earlier.id < OutboxMessage.id,
        )
        .exists()
    )
    return (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, ~waiting)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


LEAN_INDEX = "CREATE INDEX IF NOT EXISTS ix_outbox_chat_queue ON outbox (channel, chat_id, id)"


def violations(stamps: list[float], rate: Rate, window: float) -> int:
    """Windows of ``window`` seconds holding more than ``burst + rate × window`` messages."""
    allowed = rate.burst + rate.per_second * window + 1e-9
    found, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] > window:
            start += 1
        found += end - start + 1 > allowed
    return found


# ----- setup (untimed)


@contextlib.asynccontextmanager
async def fresh_database(backend: str, server: str) -> AsyncIterator[Database]:
    """A new, migrated and seeded database of this run's own, removed afterwards."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/fanout.sqlite3"
        if backend == "postgresql":
            url = await _create_postgres(server)
        database = Database(url)
        try:
            await upgrade(database)
            async with database.transaction() as session:
                await seed_reference(session, load_reference(), database.clock())
            yield database
        finally:
            await database.close()
            if backend == "postgresql":
                await _drop_postgres(server, make_url(url).database or "")


async def _create_postgres(server: str) -> str:
    name = f"c2cbot_fanout_{os.getpid()}"
    await _drop_postgres(server, name)
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres(server: str, name: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def add_people(database: Database, people: int) -> int:
    """``people`` members in Gothenburg's government, each on the fake channel; the plan."""
    async with database.transaction() as session:
        partnership = await session.scalar(select(Partnership.id).order_by(Partnership.id))
        city = await session.scalar(select(City.id).where(City.key == "gothenburg"))
        assert partnership is not None and city is not None
        first = int(await session.scalar(select(func.coalesce(func.max(Stakeholder.id), 0))) or 0)
        for chunk in _chunks(range(first + 1, first + people + 1), 1000):
            await _insert_people(session, list(chunk), partnership, city)
        session.add(
            KpiPlan(
                partnership_id=partnership,
                kpi_key="joint_projects",
                name="Joint projects",
                kind="count",
                unit="projects",
                frequency="monthly",
                responsible_helix="government",
                created_at=PLAN_CREATED,
            )
        )
    return people


async def _insert_people(session: Any, ids: list[int], partnership: int, city: int) -> None:
    now = datetime.now(UTC)
    await session.execute(
        insert(Stakeholder),
        [
            {
                "id": i,
                "name": f"Person {i}",
                "language": "en",
                "city_id": city,
                "helix_role": "government",
                "created_at": now,
            }
            for i in ids
        ],
    )
    await session.execute(
        insert(ChannelIdentity),
        [
            {
                "channel": CHANNEL,
                "external_id": f"u{i}",
                "chat_id": f"u{i}",
                "stakeholder_id": i,
                "active": True,
                "created_at": now,
                "last_seen_at": now,
            }
            for i in ids
        ],
    )
    await session.execute(
        insert(Membership),
        [
            {"partnership_id": partnership, "stakeholder_id": i, "role": "member", "joined_at": now}
            for i in ids
        ],
    )


def _chunks(items: range, size: int) -> Iterator[range]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ----- the run


@dataclass
class Result:
    backend: str
    experiments: list[str]
    people: int
    rate: float
    burst: float
    prompts: int = 0
    plan_seconds: float = 0.0
    outbox_write_seconds: float = 0.0
    fanout_seconds: float = 0.0
    minimum_seconds: float = 0.0
    ratio: float = 0.0
    delivered: int = 0
    lost: int = 0
    doubled: int = 0
    not_marked_sent: int = 0
    violations_1s: int = 0
    violations_100ms: int = 0
    peak_rss_mb: float = 0.0
    peak_python_heap_mb: float | None = None
    cpu_seconds: float = 0.0
    loop_cpu_seconds: float = 0.0
    load_average_before: float = 0.0
    load_average_after: float = 0.0
    machine: dict[str, Any] = field(default_factory=dict)


async def run(backend: str, options: argparse.Namespace) -> Result:
    rate = Rate(options.rate, options.burst)
    result = Result(backend, _experiments(options), options.people, options.rate, options.burst)
    texts = Catalogues(Settings(_env_file=None).locale_dir, "en")  # type: ignore[call-arg]
    result.load_average_before = os.getloadavg()[0]
    async with fresh_database(backend, options.postgres) as database:
        await add_people(database, options.people)
        started = time.perf_counter()
        result.prompts = await jobs.plan_rounds(database, texts, PLAN_AT)
        result.plan_seconds = time.perf_counter() - started
        await _fan_out(database, texts, rate, result, options)
        await _check(database, result)
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.load_average_after = os.getloadavg()[0]
    result.machine = _machine()
    return result


async def _fan_out(
    database: Database, texts: Catalogues, rate: Rate, result: Result, options: argparse.Namespace
) -> None:
    channel = FakeChannel(rate, fifo=options.fifo_limiter)
    channel.expected = result.prompts
    queue: SqlOutbox | BatchedMarks = SqlOutbox(database)
    if options.lean_claims:
        async with database.transaction() as session:
            await session.execute(text(LEAN_INDEX))
        queue = LeanClaims(database)
    tasks: list[asyncio.Task[None]] = []
    if options.batched_marks:
        queue = BatchedMarks(queue, database)
        tasks.append(asyncio.create_task(queue.flush_forever()))
    dispatcher = Dispatcher(queue, {CHANNEL: channel})
    database.after_commit.append(dispatcher.wake)
    profile = cProfile.Profile() if options.profile else None
    if options.tracemalloc:
        tracemalloc.start()
    tasks.append(asyncio.create_task(dispatcher.run()))
    started, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
    if profile:
        profile.enable()
    await jobs.send_due(database, texts, DUE)
    result.outbox_write_seconds = time.perf_counter() - started
    await asyncio.wait_for(
        channel.done.wait(), timeout=max(120.0, 5 * result.prompts / rate.per_second)
    )
    result.fanout_seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    result.loop_cpu_seconds = time.thread_time() - loop_cpu
    if profile:
        profile.disable()
    if options.tracemalloc:
        result.peak_python_heap_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    await _marked(database)
    for task in reversed(tasks):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    _score(channel, rate, result)
    if profile:
        _print_profile(profile)


async def _marked(database: Database, seconds: float = 60.0) -> None:
    """Wait until the dispatcher has marked every delivered message sent."""
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        async with database.sessions() as session:
            if not await session.scalar(query):
                return
        await asyncio.sleep(0.05)


def _score(channel: FakeChannel, rate: Rate, result: Result) -> None:
    result.minimum_seconds = max(0.0, (result.prompts - rate.burst) / rate.per_second)
    result.ratio = result.fanout_seconds / result.minimum_seconds if result.minimum_seconds else 0
    result.delivered = sum(channel.actions.values())
    result.doubled = sum(n - 1 for n in channel.actions.values() if n > 1)
    result.violations_1s = violations(channel.stamps, rate, 1.0)
    result.violations_100ms = violations(channel.stamps, rate, 0.1)


async def _check(database: Database, result: Result) -> None:
    """Lost: prompts never delivered; also every prompt and outbox row marked sent."""
    async with database.sessions() as session:
        prompts = int(await session.scalar(select(func.count()).select_from(Prompt)) or 0)
        unsent_prompts = await session.scalar(
            select(func.count()).select_from(Prompt).where(Prompt.status != "sent")
        )
        unsent_rows = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
        )
        rows = int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    result.lost = prompts - (result.delivered - result.doubled)
    result.not_marked_sent = int(unsent_prompts or 0) + int(unsent_rows or 0)
    result.doubled += max(0, rows - prompts)


def _print_profile(profile: cProfile.Profile) -> None:
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).sort_stats(order).print_stats(25)
        print(buffer.getvalue())


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
    }


def _report(result: Result) -> None:
    print(
        f"{result.backend}"
        f"{' (experiment: ' + ', '.join(result.experiments) + ')' if result.experiments else ''}: "
        f"{result.prompts} prompts to {result.people} people at "
        f"{result.rate:g}/s (burst {result.burst:g})\n"
        f"  plan_rounds     {result.plan_seconds:8.2f} s\n"
        f"  outbox written  {result.outbox_write_seconds:8.2f} s (send_due)\n"
        f"  fan-out         {result.fanout_seconds:8.2f} s; minimum {result.minimum_seconds:.2f} s;"
        f" ratio {result.ratio:.3f}\n"
        f"  delivered {result.delivered}, lost {result.lost}, doubled {result.doubled}, "
        f"not marked sent {result.not_marked_sent}\n"
        f"  limit violations: {result.violations_1s} (1 s windows), "
        f"{result.violations_100ms} (0.1 s windows)\n"
        f"  CPU during the fan-out: {result.cpu_seconds:.2f} s in this process, "
        f"{result.loop_cpu_seconds:.2f} s of it on the event loop's thread\n"
        f"  load average {result.load_average_before:.2f} before, "
        f"{result.load_average_after:.2f} after (on {os.cpu_count()} CPUs)\n"
        f"  peak RSS {result.peak_rss_mb:.0f} MB"
        + (
            f"; peak Python heap during fan-out {result.peak_python_heap_mb:.0f} MB"
            if result.peak_python_heap_mb is not None
            else ""
        )
    )


def _experiments(options: argparse.Namespace) -> list[str]:
    names = ("batched_marks", "lean_claims", "fifo_limiter")
    return [name.replace("_", "-") for name in names if getattr(options, name)]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second")
    parser.add_argument(
        "--burst",
        type=float,
        default=None,
        help="bucket size in messages; default 0.2 s of the rate, the shape of the "
        "Telegram channel's overall limit (25/s, burst 5)",
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--fifo-limiter",
        action="store_true",
        help="experiment: waiters queue for the overall bucket instead of all polling it",
    )
    parser.add_argument(
        "--lean-claims",
        action="store_true",
        help="experiment: claim in larger batches with an indexed query (see LeanClaims)",
    )
    parser.add_argument(
        "--batched-marks",
        action="store_true",
        help="experiment: mark sent messages in batches (see BatchedMarks)",
    )
    return parser.parse_args(argv)


async def main(argv: list[str] | None = None) -> int:
    options = _arguments(argv)
    options.burst = options.rate * 0.2 if options.burst is None else options.burst
    backends = ("sqlite", "postgresql") if options.backend == "both" else (options.backend,)
    RESULTS.mkdir(exist_ok=True)
    for backend in backends:
        result = await run(backend, options)
        _report(result)
        day = datetime.now(UTC).date().isoformat()
        variant = "".join(f"-{name}" for name in _experiments(options))
        out = RESULTS / f"fanout-{backend}{variant}-{day}.json"
        out.write_text(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
