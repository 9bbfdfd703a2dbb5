"""Engine throughput: inbound answers per second and their latency, through engine and database.

Not a test: it measures. For each backend it builds a real bot with ``Bot(settings)``,
migrates and seeds a fresh database, onboards ``--people`` people through the real
engine (untimed) and starts the Aim step for each. The timed phase then sends
``--messages`` typed answers to Aim questions: every person at once, each person's
messages one after the other, at most ``--concurrency`` ``Engine.handle`` calls in
flight. A person who finishes Aim presses its menu button (``s:aim``) to start again;
those restarts are sent but not counted. Only the engine and database are measured:
replies are written to the outbox in the same transaction, and no dispatcher runs.

Run from the repository root, for example::

    .venv/bin/python bench/engine_throughput.py                      # SQLite only
    .venv/bin/python bench/engine_throughput.py --backend both       # resets PostgreSQL!

See bench/README.md for what the numbers mean and their caveats.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import math
import os
import platform
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.flows import walk
from c2cbot.flows.answering import Option
from c2cbot.flows.engine import Engine
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.options import options_for
from c2cbot.flows.ports import Joined, Person, Place
from c2cbot.flows.schema import Conversation, Kind, Question
from c2cbot.flows.texts import Texts
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.invites import create_invite
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import Answer, ConversationState, OutboxMessage
from c2cbot.store.partnership_lookup import find_partnership
from c2cbot.store.seeding import seed_reference

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).resolve().parent / "results"
CONVERSATION = "aim"
LANGUAGE = "en"
SENTENCE = "A greener, better connected city with good jobs and clean air for everyone."

# One valid typed answer per question type; the timed phase never reads state back.
TYPED: dict[Kind, str] = {
    Kind.TEXT: SENTENCE,
    Kind.CHOICE: "1",
    Kind.MULTI: "1 2",
    Kind.YESNO: "yes",
    Kind.RATING: "4",
    Kind.NUMBER: "5",
    Kind.MONEY: "€1,000",
    Kind.DATE: "2026-12-01",
}


# ----- the answers people send


@dataclass(frozen=True)
class Planned:
    """One answer in a pass through the conversation: where it is asked and what is typed."""

    key: str
    text: str


class _NoPeople:
    """Options computed from the database are not needed to plan an answer; refuse them."""

    async def person(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> Person:
        raise NotImplementedError

    async def update_profile(self, stakeholder_id: int, field: str, value: Any) -> None:
        raise NotImplementedError

    async def redeem_invite(self, code: str, stakeholder_id: int, now: datetime) -> Joined:
        raise NotImplementedError

    async def partnership_cities(self, partnership_id: int) -> list[Place]:
        return []


def _clamped(default: Decimal, question: Question) -> Decimal:
    low = Decimal(str(question.min)) if question.min is not None else None
    high = Decimal(str(question.max)) if question.max is not None else None
    value = max(default, low) if low is not None else default
    value = min(value, high) if high is not None else value
    return value.to_integral_value(rounding=ROUND_CEILING) if question.integer else value


def typed_answer(question: Question, options: list[Option]) -> tuple[str, Any]:
    """A valid typed answer to ``question`` and the value the engine will store for it.

    The value only matters for ``when`` conditions of later questions, so that the plan
    follows the same path through the conversation as the engine does.
    """
    kind = question.type
    if kind is Kind.TEXT:
        return SENTENCE[: question.max_length], SENTENCE[: question.max_length]
    if kind is Kind.CHOICE:
        return TYPED[kind], options[0].id if options else None
    if kind is Kind.MULTI:
        count = min(len(options), max(2, question.min_selected))
        return " ".join(str(n) for n in range(1, count + 1)), [o.id for o in options[:count]]
    if kind is Kind.YESNO:
        return TYPED[kind], True
    if kind is Kind.RATING:
        return TYPED[kind], int(TYPED[kind])
    if kind is Kind.NUMBER:
        number = _clamped(Decimal(TYPED[kind]), question)
        return str(number), str(number)
    if kind is Kind.MONEY:
        amount = _clamped(Decimal(1000), question)
        shown = f"€{amount:,}" if amount == amount.to_integral_value() else f"€{amount}"
        return shown, {"amount": str(amount), "currency": "EUR"}
    if kind is Kind.DATE:
        return TYPED[kind], TYPED[kind]
    raise ValueError(f"cannot plan a typed answer to a {kind} question ({question.id})")


async def answer_plan(conversation: Conversation, texts: Texts) -> list[Planned]:
    """Every answer of one pass through ``conversation``, in the order the engine asks."""
    values: dict[str, Any] = {}
    plan: list[Planned] = []
    position = walk.first(conversation, values)
    while position is not None:
        question = walk.question_at(conversation, position)
        if question.type is Kind.INVITE:  # the engine skips it for members of a partnership
            position = walk.after(conversation, position, values)
            continue
        if position.more:  # "add another?" after a repeat-group item: no
            answer, value = "no", False
        else:
            options = await options_for(question, texts, LANGUAGE, _NoPeople(), None)
            answer, value = typed_answer(question, options)
        plan.append(Planned(position.key, answer))
        values[position.key] = value
        position = walk.after(conversation, position, values)
    if not plan:
        raise ValueError(f"conversation {conversation.id!r} asks nothing")
    return plan


# ----- setup: database, invite, onboarding (untimed)


async def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema: everything in that database is lost."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def prepare_database(database: Database, uses: int) -> str:
    """Migrate, seed and create one invite code with ``uses`` uses; returns the code."""
    await upgrade(database)
    reference = load_reference()
    async with database.transaction() as session:
        await seed_reference(session, reference, database.clock())
    async with database.transaction() as session:
        partnership = await find_partnership(session, reference.partnerships[0].key)
        invite = await create_invite(
            session,
            partnership,
            role="member",
            uses=uses,
            now=datetime.now(UTC),
            valid_for=timedelta(days=30),
        )
        return invite.code


class Chat:
    """One person talking to the engine during setup, reading replies from the outbox."""

    def __init__(self, bot: Bot, user: str) -> None:
        self.bot, self.user, self.channel = bot, user, bot.webchat.name
        self._sent = 0
        self._seen = 0
        self.last: Outbound | None = None

    async def send(self, text: str | None = None, action: str | None = None) -> None:
        self._sent += 1
        inbound = Inbound(
            self.channel,
            self.user,
            self.user,
            f"bench:{self.user}:setup:{self._sent}",
            text=text,
            action=action,
        )
        if not await self.bot.engine.handle(inbound):
            raise RuntimeError(f"{self.user}: setup message {self._sent} was taken for a duplicate")
        await self._read_replies()

    async def press(self, wanted: str, pick: Callable[[Choice], bool]) -> None:
        """Press the button in the last reply that ``pick(choice)`` accepts."""
        choices: tuple[Choice, ...] = self.last.choices if self.last else ()
        found = [c for c in choices if pick(c)]
        if not found:
            text = self.last.text if self.last else "(no reply)"
            raise RuntimeError(f"{self.user}: no {wanted} button in the last reply: {text!r}")
        await self.send(action=found[0].action)

    async def _read_replies(self) -> None:
        # Range over the primary key: the outbox has no index on chat_id.
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.id > self._seen,
                OutboxMessage.channel == self.channel,
                OutboxMessage.chat_id == self.user,
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        async with self.bot.database.sessions() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        if row is not None:
            self._seen, self.last = row.id, Outbound.from_json(row.payload)


async def onboard(bot: Bot, user: str, number: int, invite: str) -> None:
    """Onboarding as a person does it, then start the benchmarked conversation."""
    chat = Chat(bot, user)
    await chat.send(text="hi")
    await chat.press("language", lambda c: c.action.endswith(f":{LANGUAGE}"))
    await chat.press("consent", lambda c: c.action.endswith(":yes"))
    await chat.send(text=invite)
    await chat.send(text=f"Bench Person {number}")
    await chat.press("city", lambda c: not c.action.endswith(":/skip"))
    # One organisation each: SqlPeople._organisation is select-then-insert, so two people
    # naming the same new organisation at once fail with a unique violation on PostgreSQL.
    await chat.send(text=f"Benchmark organisation {number}")
    await chat.press("helix role", lambda c: not c.action.endswith(":/skip"))
    await chat.press(f"{CONVERSATION} step", lambda c: c.action == f"s:{CONVERSATION}")


async def onboard_all(bot: Bot, users: list[str], invite: str, concurrency: int) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def one(number: int, user: str) -> None:
        async with limit:
            await onboard(bot, user, number, invite)

    async with asyncio.TaskGroup() as group:
        for number, user in enumerate(users):
            group.create_task(one(number, user))
    async with bot.database.sessions() as session:
        states = list((await session.execute(select(ConversationState.data))).scalars())
    started = sum(1 for s in states if s.get("conv") == CONVERSATION and s.get("onboarded"))
    if started != len(users):
        raise RuntimeError(f"only {started} of {len(users)} people are in {CONVERSATION!r}")


# ----- the timed phase


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    restarts: int = 0


def shares(messages: int, people: int) -> list[int]:
    """How many answers each person sends: as even as possible, the first ones one more."""
    base, extra = divmod(messages, people)
    return [base + (1 if i < extra else 0) for i in range(people)]


async def answer_all(
    engine: Engine,
    channel: str,
    users: list[str],
    counts: list[int],
    plan: list[Planned],
    concurrency: int,
    tally: Tally,
) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def handle(inbound: Inbound) -> float:
        async with limit:
            started = time.perf_counter()
            handled = await engine.handle(inbound)
            elapsed = time.perf_counter() - started
        if not handled:
            raise RuntimeError(f"{inbound.dedupe_key} was taken for a duplicate")
        return elapsed

    async def person(user: str, count: int) -> None:
        step = 0
        for n in range(count):
            if step == len(plan):  # finished the conversation: start it again from the menu
                await handle(
                    Inbound(
                        channel, user, user, f"bench:{user}:restart:{n}", action=f"s:{CONVERSATION}"
                    )
                )
                tally.restarts += 1
                step = 0
            inbound = Inbound(channel, user, user, f"bench:{user}:answer:{n}", text=plan[step].text)
            tally.latencies.append(await handle(inbound))
            step += 1

    async with asyncio.TaskGroup() as group:
        for user, count in zip(users, counts, strict=True):
            group.create_task(person(user, count))


async def stored_answers(database: Database) -> int:
    query = select(func.count()).select_from(Answer).where(Answer.conversation == CONVERSATION)
    async with database.sessions() as session:
        return int((await session.execute(query)).scalar_one())


# ----- reporting


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "cpu model"):
                return value.strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _nproc() -> int | None:
    """CPUs this process may run on, like nproc(1)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


async def server_version(database: Database) -> str:
    async with database.engine.connect() as connection:
        if database.is_sqlite:
            return str((await connection.execute(text("SELECT sqlite_version()"))).scalar_one())
        return str((await connection.execute(text("SHOW server_version"))).scalar_one())


def machine(backend: str, version: str) -> dict[str, Any]:
    return {
        "nproc": _nproc(),
        "memory_gib": _memory_gib(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": version if backend == "postgresql" else None,
        "sqlalchemy": _version("sqlalchemy"),
        "aiosqlite": _version("aiosqlite"),
        "asyncpg": _version("asyncpg"),
    }


def _clock_ticks() -> int:
    with contextlib.suppress(AttributeError, ValueError, OSError):
        return os.sysconf("SC_CLK_TCK")
    return 100


def _system_busy() -> float | None:
    """CPU-seconds all CPUs spent not idle since boot, from /proc/stat."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return (sum(fields[:8]) - idle) / _clock_ticks()
    return None


def _postgres_ticks(database: str | None) -> dict[int, int] | None:
    """CPU ticks of each local postgres process serving ``database`` or the whole server.

    Client backends are named ``postgres: 15/main: user database host(port) state``; those
    of other databases (a test run next door) count as other load, not as our server.
    """
    if database is None or not Path("/proc/self/stat").exists():
        return None
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = stat.read_text()
            if raw[raw.index("(") + 1 : raw.rindex(")")] != "postgres":
                continue
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "(" in command and f" {database} " not in command:
                continue
            fields = raw[raw.rindex(")") + 2 :].split()
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


@dataclass(frozen=True)
class CpuTimes:
    """CPU-seconds of this process, its main thread, the machine, the postgres server."""

    process: float
    main_thread: float
    system: float | None
    postgres: float | None
    postgres_ticks: dict[int, int] | None = field(default=None, repr=False)

    @classmethod
    def now(cls, database: str | None) -> CpuTimes:
        ticks = _postgres_ticks(database)
        return cls(time.process_time(), time.thread_time(), _system_busy(), None, ticks)

    def __sub__(self, earlier: CpuTimes) -> CpuTimes:
        system = None
        if self.system is not None and earlier.system is not None:
            system = self.system - earlier.system
        postgres = None
        if self.postgres_ticks is not None and earlier.postgres_ticks is not None:
            before = earlier.postgres_ticks
            used = sum(t - before.get(pid, 0) for pid, t in self.postgres_ticks.items())
            postgres = max(0, used) / _clock_ticks()  # processes that exited are not counted
        return CpuTimes(
            self.process - earlier.process, self.main_thread - earlier.main_thread, system, postgres
        )

    @property
    def other(self) -> float | None:
        if self.system is None:
            return None
        return max(0.0, self.system - self.process - (self.postgres or 0.0))

    def report(self) -> dict[str, float | None]:
        values = {
            "process": self.process,
            "main_thread": self.main_thread,
            "postgres_server": self.postgres,
            "other": self.other,
        }
        return {k: None if v is None else round(v, 2) for k, v in values.items()}


def code_version() -> dict[str, Any]:
    """The commit benchmarked, and whether the working tree had changes on top of it."""
    root = Path(__file__).resolve().parents[1]

    def git(*command: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *command], cwd=root, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return None
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return {
        "commit": git("rev-parse", "HEAD"),
        "src_changed": None if changed is None else bool(changed),
    }


@dataclass
class Measured:
    """What one backend's run produced, before it is summarised."""

    tally: Tally
    seconds: float
    setup_seconds: float
    cpu: CpuTimes
    server: str


@dataclass
class Result:
    date: str
    backend: str
    database: str
    machine: dict[str, Any]
    messages: int
    people: int
    concurrency: int
    seconds: float
    messages_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    restarts: int
    inbound_per_s: float
    setup_seconds: float
    cpu_seconds: dict[str, float | None]
    code: dict[str, Any]
    profiled: bool
    notes: list[str]


def summarise(
    backend: str, url: str, args: argparse.Namespace, run: Measured, source: dict[str, Any]
) -> Result:
    ordered = sorted(run.tally.latencies)
    count, seconds = len(ordered), run.seconds
    return Result(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        backend=backend,
        database=make_url(url).render_as_string(hide_password=True),
        machine=machine(backend, run.server),
        messages=count,
        people=args.people,
        concurrency=args.concurrency,
        seconds=round(seconds, 3),
        messages_per_s=round(count / seconds, 1),
        p50_ms=round(percentile(ordered, 0.50) * 1000, 2),
        p90_ms=round(percentile(ordered, 0.90) * 1000, 2),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
        max_ms=round(ordered[-1] * 1000, 2),
        mean_ms=round(sum(ordered) / count * 1000, 2),
        restarts=run.tally.restarts,
        inbound_per_s=round((count + run.tally.restarts) / seconds, 1),
        setup_seconds=round(run.setup_seconds, 1),
        cpu_seconds=run.cpu.report(),
        code=source,
        profiled=args.profile,
        notes=[
            "messages counts answers only; restarts (s:aim button presses) are sent in the "
            "timed phase but not counted in messages, messages_per_s or the latencies",
            "latency is Engine.handle only (one transaction); it includes waiting for the "
            "SQLite write lock or a PostgreSQL pool connection, not the --concurrency slot",
            "cpu_seconds over the timed phase: this process (all threads and its main "
            "thread), local postgres server processes, and everything else on the machine "
            "(other; should be near 0, else the numbers are disturbed)",
        ],
    )


HEADER = ("backend", "messages", "people", "conc", "seconds", "msg/s", "p50 ms", "p99 ms", "max ms")


def table(results: list[Result]) -> str:
    rows = [HEADER] + [
        (
            r.backend + (" (profiled)" if r.profiled else ""),
            str(r.messages),
            str(r.people),
            str(r.concurrency),
            f"{r.seconds:.2f}",
            f"{r.messages_per_s:.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.max_ms:.1f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(result: Result, stem: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stem}.json"
    path.write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False) + "\n")
    return path


def write_profile(profiler: cProfile.Profile, stem: str, top: int = 40) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"{stem}.prof"
    profiler.dump_stats(raw)
    report = io.StringIO()
    for order in ("tottime", "cumulative"):
        report.write(f"===== top {top} by {order} =====\n")
        stats = pstats.Stats(profiler, stream=report)
        stats.strip_dirs().sort_stats(order).print_stats(top)
    summary = RESULTS / f"{stem}.txt"
    summary.write_text(report.getvalue())
    return raw, summary


# ----- one backend


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def scratch_sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="c2cbot-bench-") as directory:
        yield f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"


async def run_backend(
    backend: str, url: str, args: argparse.Namespace, source: dict[str, Any]
) -> Result:
    if backend == "postgresql":
        log(f"[{backend}] resetting the public schema of {make_url(url).render_as_string()}")
        await reset_postgres(url)
    bot = Bot(Settings(database_url=url, _env_file=None))
    try:
        users = [f"bench-{n:05d}" for n in range(args.people)]
        setup_started = time.perf_counter()
        invite = await prepare_database(bot.database, uses=args.people + 10)
        log(f"[{backend}] onboarding {args.people} people (untimed) …")
        await onboard_all(bot, users, invite, args.concurrency)
        setup_seconds = time.perf_counter() - setup_started
        log(f"[{backend}] setup took {setup_seconds:.1f} s")
        plan = await answer_plan(bot.conversations[CONVERSATION], bot.texts)
        before = await stored_answers(bot.database)
        tally = Tally()
        counts = shares(args.messages, args.people)
        log(
            f"[{backend}] timed: {args.messages} answers, {len(plan)} per pass through "
            f"{CONVERSATION!r}, concurrency {args.concurrency} …"
        )
        profiler = cProfile.Profile() if args.profile else None
        server_database = make_url(url).database if backend == "postgresql" else None
        cpu_started = CpuTimes.now(server_database)
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        await answer_all(bot.engine, bot.webchat.name, users, counts, plan, args.concurrency, tally)
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - started
        cpu = CpuTimes.now(server_database) - cpu_started
        if cpu.other is not None and cpu.other > 0.1 * seconds:
            log(
                f"[{backend}] WARNING: other processes used {cpu.other:.1f} CPU-seconds during "
                f"the {seconds:.1f} s timed phase; the numbers are disturbed"
            )
        stored = await stored_answers(bot.database) - before
        if stored != len(tally.latencies):
            raise RuntimeError(
                f"{stored} answers stored for {len(tally.latencies)} sent: "
                "some answers were refused; the plan does not fit the conversation"
            )
        run = Measured(tally, seconds, setup_seconds, cpu, await server_version(bot.database))
    finally:
        await bot.stop()
    result = summarise(backend, url, args, run, source)
    stem = f"engine-{backend}-{datetime.now().date().isoformat()}"
    stem += "-profiled" if args.profile else ""
    log(f"[{backend}] wrote {write_json(result, stem)}")
    if profiler is not None:
        for path in write_profile(profiler, stem):
            log(f"[{backend}] wrote {path}")
    return result


async def main(args: argparse.Namespace) -> list[Result]:
    results = []
    source = code_version()  # before the runs: the code imported is the code at start
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            with scratch_sqlite_url() as url:
                results.append(await run_backend(backend, url, args, source))
        else:
            results.append(await run_backend(backend, args.postgres, args, source))
        print(table(results[-1:]), flush=True)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark inbound answers per second and per-message latency through "
            "Engine.handle and the database. "
            "WARNING: with --backend postgresql or both, the script DROPS AND RECREATES THE "
            "PUBLIC SCHEMA of the --postgres database, deleting everything in it. Point it "
            "only at a scratch database."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql", "both"],
        default="sqlite",
        help="which database to benchmark; SQLite uses a file in a temp dir",
    )
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="PostgreSQL URL (postgresql+asyncpg://…). !!! ITS PUBLIC SCHEMA IS DROPPED AND "
        "RECREATED: EVERYTHING IN THIS DATABASE IS DELETED. USE A SCRATCH DATABASE. !!!",
    )
    parser.add_argument("--people", type=int, default=1000, help="people who answer")
    parser.add_argument(
        "--messages",
        type=int,
        default=10_000,
        help="timed answers in total, shared evenly among the people",
    )
    parser.add_argument(
        "--concurrency", type=int, default=100, help="most Engine.handle calls in flight at once"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the timed phase under cProfile and write .prof and .txt to "
        "bench/results/ (slows the run; results are marked profiled)",
    )
    args = parser.parse_args(argv)
    for name in ("people", "messages", "concurrency"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


if __name__ == "__main__":
    options = parse_args()
    outcome = asyncio.run(main(options))
    if len(outcome) > 1:
        print("\n" + table(outcome))
