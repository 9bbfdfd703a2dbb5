"""Telegram throughput: updates per second end to end, c2cbot against a bare echo bot.

Not a test: it measures. The fake Bot API of the tests (``tests/fakes/telegram_api.py``)
runs in a process of its own, wrapped with a few control routes (``/_push``, ``/_stats``,
``/_wait``, ``/_replies``, ``/_quit``). Each run gets a fresh fake process and the same
timed updates: ``--updates`` typed messages from ``--users`` people, each person's
messages in order, people interleaved. A run is timed *by the fake* from the first
``getUpdates`` answer that carries a timed update until the fake has received the last
expected ``sendMessage``: the whole pipeline, Bot API → bot → database → reply sent.

1. **echo**: python-telegram-bot's ``Application`` with default settings and
   ``concurrent_updates(True)``, a ``MessageHandler(filters.TEXT, echo)`` that replies
   with ``reply_text(message.text)``, polling. No database.
2. **c2cbot** on SQLite (and on PostgreSQL with ``--postgres``): ``Bot(Settings(…))`` as
   ``c2cbot run`` builds it, polling loop and outbox dispatcher. Setup (untimed): each
   person sends ``/start <invite code>`` through the fake and presses and types their
   way through onboarding into the Aim step, whose questions they then answer in the
   timed phase with typed answers (``answer_plan`` from ``engine_throughput.py``): every
   timed update is one answer stored in the database and one reply (the next question),
   plus a read-back ("Noted: …") before it where the answer was a typed choice, figure
   or date (since issue 13); the run ends when all those replies have been sent.

The per-chat limiter (1 message/s per chat, 25/s overall) would make c2cbot's time a
property of the limiter, so c2cbot runs with relaxed limits; ``--default-limits`` adds a
run with the production limits, and the lower bound they impose is always reported.

Run from the repository root::

    .venv/bin/python bench/telegram_throughput.py                # echo vs c2cbot on SQLite
    .venv/bin/python bench/telegram_throughput.py --postgres     # … and on PostgreSQL
    .venv/bin/python bench/telegram_throughput.py --rounds 3     # repeated, medians

See bench/README.md for what the numbers mean and their caveats.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiohttp import web
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from c2cbot.channels.ratelimit import SYSTEM_CLOCK, ChatLimiter, ChatLimits, Rate
from c2cbot.channels.telegram import SPEC as TELEGRAM
from c2cbot.channels.telegram import TelegramOptions
from c2cbot.config import Settings
from c2cbot.flows import walk
from c2cbot.flows.loader import load_all
from c2cbot.flows.readback import NOTED, READ_KINDS
from c2cbot.flows.schema import Conversation
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot, tune_gc_for_serving
from c2cbot.store.database import Database
from c2cbot.store.models import ConversationState, OutboxMessage
from c2cbot.store.write_lock import WriteLock

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):  # the sibling script and the project's test fake
    if _path not in sys.path:
        sys.path.insert(0, _path)

from engine_throughput import (  # noqa: E402 - a sibling script, importable once on sys.path
    CONVERSATION,
    LANGUAGE,
    RESULTS,
    Planned,
    _version,
    answer_plan,
    code_version,
    log,
    machine,
    prepare_database,
    scratch_sqlite_url,
    server_version,
    shares,
    stored_answers,
    write_profile,
)
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402 - the project's fake Bot API

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TOKEN = "123:ABC"  # the fake's token, not a secret
FIRST_USER = 10_000_001
TARGET_RATIO, AIM_RATIO, TARGET_UPDATES_PER_S = 5.0, 10.0, 500.0
GRACE = 0.5  # seconds to wait after the last expected reply, to catch extra sends
UNLIMITED = Rate(1e9, 1e9)
RELAXED = ChatLimits(overall=UNLIMITED, private=UNLIMITED, group=UNLIMITED)
PROGRESS = re.compile(r"(\d+)/(\d+)\s*$")
NOTED_PREFIX = NOTED.split("{", 1)[0]  # "Noted: ", the English the benchmark people read

LimitsMode = Literal["relaxed", "production"]


# ----- the fake Bot API, in its own process


@dataclass
class Window:
    """What the fake saw in the timed phase, from the push of the timed updates on."""

    first_update_id: int
    target: int
    violations_before: int
    requests: int = 0
    get_updates: int = 0
    sent: int = 0
    edits: int = 0
    answered: int = 0
    errors: int = 0
    started_at: float | None = None
    last_sent_at: float | None = None
    cpu_started: float | None = None
    cpu_at_last: float | None = None
    connections: set[int] = field(default_factory=set)
    replies: dict[int, list[str]] = field(default_factory=dict)


def _press_matches(data: str, rule: dict[str, str]) -> bool:
    if "equals" in rule:
        return data == rule["equals"]
    if "endswith" in rule:
        return data.endswith(rule["endswith"])
    return not data.endswith(rule["not_endswith"])


class BenchFake(FakeTelegram):
    """``FakeTelegram`` plus control routes and timing of the timed phase (in the fake)."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self.window: Window | None = None
        self.reached = asyncio.Event()
        self.quit = asyncio.Event()

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._control_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def _control_routes(self, app: web.Application) -> None:
        """The benchmark's own routes beside the Bot API's."""
        app.router.add_post("/_push", self._control_push)
        app.router.add_get("/_stats", self._control_stats)
        app.router.add_get("/_wait", self._control_wait)
        app.router.add_get("/_replies", self._control_replies)
        app.router.add_post("/_quit", self._control_quit)

    # ----- the Bot API, counted

    async def _handle(self, request: web.Request) -> web.Response:
        window = self.window
        if window is not None:
            window.requests += 1
            peer = request.transport.get_extra_info("peername") if request.transport else None
            if peer:
                window.connections.add(int(peer[1]))  # the client's port: one TCP connection
        response = await super()._handle(request)
        if window is not None and response.status != 200:
            window.errors += 1
        return response

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await super()._api_getUpdates(params)
        window = self.window
        if window is not None:
            window.get_updates += 1
            if window.started_at is None and any(
                u["update_id"] >= window.first_update_id for u in updates
            ):
                window.started_at, window.cpu_started = time.monotonic(), time.process_time()
        return updates

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._api_sendMessage(params)
        window = self.window
        if window is not None:
            window.sent += 1
            window.last_sent_at, window.cpu_at_last = time.monotonic(), time.process_time()
            first_line = str(params.get("text", "")).split("\n", 1)[0]
            window.replies.setdefault(int(params["chat_id"]), []).append(first_line)
            if window.sent >= window.target:
                self.reached.set()
        return result

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._api_editMessageText(params)
        if self.window is not None:
            self.window.edits += 1
        return result

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        result = await super()._api_answerCallbackQuery(params)
        if self.window is not None:
            self.window.answered += 1
        return result

    # ----- control routes

    def _press(self, user: int, rule: dict[str, str]) -> dict[str, Any]:
        """Press the first button matching ``rule`` on the newest message that has one."""
        for sent in reversed(self.chat(user)):
            for button in sent.buttons:
                data = str(button.get("callback_data", ""))
                if _press_matches(data, rule):
                    return self.user_clicks(user, sent.message_id, data)
        raise LookupError(f"no button {rule} in chat {user}: {self.sent_texts(user)[-1:]}")

    async def _control_push(self, request: web.Request) -> web.Response:
        """Queue updates: ``{"updates": [{"user", "text"} | {"user", "press"}], "timed"}``."""
        body = await request.json()
        ids = []
        try:
            for item in body["updates"]:
                user = int(item["user"])
                if "text" in item:
                    update = self.user_sends(user, str(item["text"]))
                else:
                    update = self._press(user, item["press"])
                ids.append(int(update["update_id"]))
        except LookupError as error:
            return web.json_response({"error": str(error)}, status=400)
        if body.get("timed"):  # no await since the first push: no getUpdates saw them yet
            self.window = Window(ids[0], int(body.get("expect", len(ids))), len(self.violations))
            self.reached.clear()
        return web.json_response({"first": ids[0], "last": ids[-1]})

    def stats(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "confirmed_offset": self.confirmed_offset,
            "pending": len(self._pending),
            "requests_total": len(self.requests),
            "window": None,
        }
        window = self.window
        if window is not None:
            done = window.started_at is not None and window.last_sent_at is not None
            cpu_done = window.cpu_started is not None and window.cpu_at_last is not None
            body["window"] = {
                "target": window.target,
                "sent": window.sent,
                "edits": window.edits,
                "answered": window.answered,
                "errors": window.errors,
                "requests": window.requests,
                "get_updates": window.get_updates,
                "connections": len(window.connections),
                "flood_breaches": len(self.violations) - window.violations_before,
                "seconds": (window.last_sent_at or 0) - (window.started_at or 0) if done else None,
                "fake_cpu_seconds": (
                    (window.cpu_at_last or 0) - (window.cpu_started or 0) if cpu_done else None
                ),
            }
        return body

    async def _control_stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _control_wait(self, request: web.Request) -> web.Response:
        """Answer once the timed phase's expected replies have all arrived (or on timeout)."""
        if self.window is not None and self.window.sent < self.window.target:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.reached.wait(), float(request.query["timeout"]))
        return web.json_response(self.stats())

    async def _control_replies(self, _request: web.Request) -> web.Response:
        replies = self.window.replies if self.window is not None else {}
        return web.json_response({str(chat): lines for chat, lines in replies.items()})

    async def _control_quit(self, _request: web.Request) -> web.Response:
        asyncio.get_running_loop().call_later(0.05, self.quit.set)
        return web.json_response({"ok": True})


def serve_fake(connection: Connection, token: str, kind: type[BenchFake] = BenchFake) -> None:
    """The fake's process: serve on a free loopback port, send its URL, run until /_quit."""

    async def serve() -> None:
        fake = kind(token)
        connection.send(await fake.start())
        await fake.quit.wait()
        await fake.close()

    asyncio.run(serve())


class FakeProcess:
    """Starts ``serve_fake`` in a spawned process and talks to its control routes."""

    kind: type[BenchFake] = BenchFake  # the fake it serves

    def __init__(self, token: str) -> None:
        self._token = token
        self._process: multiprocessing.process.BaseProcess | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/bot"

    async def __aenter__(self) -> FakeProcess:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(
            target=serve_fake,
            args=(child, self._token, self.kind),
            name="fake-bot-api",
            daemon=True,
        )
        self._process.start()
        deadline = time.monotonic() + 60
        while not parent.poll():
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Bot API process did not start")
            await asyncio.sleep(0.05)
        self.url = parent.recv()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            with contextlib.suppress(aiohttp.ClientError):
                await self._session.post(f"{self.url}/_quit")
            await self._session.close()
        if self._process is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._process.join, 5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()

    async def _json(self, method: str, path: str, **options: Any) -> Any:
        assert self._session is not None
        async with self._session.request(method, f"{self.url}{path}", **options) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"fake {path}: {body}")
            return body

    async def push(
        self, updates: list[dict[str, Any]], *, timed: bool = False, expect: int | None = None
    ) -> dict[str, int]:
        body: dict[str, Any] = {"updates": updates, "timed": timed}
        if expect is not None:
            body["expect"] = expect  # replies the timed phase ends with, if not one each
        result: dict[str, int] = await self._json("POST", "/_push", json=body)
        return result

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("GET", "/_stats")
        return result

    async def wait_sent(self, limit: float) -> dict[str, Any]:
        """The stats once the timed phase's replies are in, or after ``limit`` seconds."""
        result: dict[str, Any] = await self._json("GET", "/_wait", params={"timeout": limit})
        return result

    async def replies(self) -> dict[int, list[str]]:
        body = await self._json("GET", "/_replies")
        return {int(chat): lines for chat, lines in body.items()}


# ----- CPU accounting


def _clock_ticks() -> int:
    with contextlib.suppress(AttributeError, ValueError, OSError):
        return os.sysconf("SC_CLK_TCK")
    return 100


def _machine_busy() -> float | None:
    """CPU-seconds all CPUs spent not idle since boot, from /proc/stat."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (sum(fields[:8]) - fields[3] - fields[4]) / _clock_ticks()  # minus idle, iowait
    return None


def _postgres_ticks(database: str | None) -> dict[int, int]:
    """CPU ticks of local postgres processes: the backends serving ``database`` by process id,
    and under key 0 the postmaster's children that exited (cutime + cstime)."""
    ticks: dict[int, int] = {}
    if database is None:
        return ticks
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = stat.read_text()
            if raw[raw.index("(") + 1 : raw.rindex(")")] != "postgres":
                continue
            fields = raw[raw.rindex(")") + 2 :].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not command.startswith("postgres:"):  # the postmaster
                ticks[0] = ticks.get(0, 0) + int(fields[13]) + int(fields[14])
            elif f" {database} " in command:  # "postgres: 15/main: user database host(port) …"
                ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


@dataclass(frozen=True)
class Cpu:
    """A reading of CPU-seconds: this process, its main thread, the machine, postgres."""

    process: float
    main_thread: float
    machine: float | None
    postgres: dict[int, int]

    @classmethod
    def now(cls, database: str | None = None) -> Cpu:
        return cls(
            time.process_time(), time.thread_time(), _machine_busy(), _postgres_ticks(database)
        )

    def _postgres_since(self, earlier: Cpu) -> float | None:
        """Backends alive at the end, plus backends that exited in between (counted by the
        postmaster, for any database), minus what the exited ones had used before."""
        if not self.postgres:
            return None
        ticks = sum(t - earlier.postgres.get(pid, 0) for pid, t in self.postgres.items())
        ticks -= sum(t for pid, t in earlier.postgres.items() if pid not in self.postgres)
        return max(0, ticks) / _clock_ticks()

    def since(self, earlier: Cpu, fake: float | None) -> dict[str, float | None]:
        """CPU-seconds used between two readings; ``other`` is everything not accounted for."""
        process = self.process - earlier.process
        postgres = self._postgres_since(earlier)
        other = None
        if self.machine is not None and earlier.machine is not None:
            used = process + (postgres or 0.0) + (fake or 0.0)
            other = max(0.0, self.machine - earlier.machine - used)
        values = {
            "process": process,
            "main_thread": self.main_thread - earlier.main_thread,
            "postgres_server": postgres,
            "fake_bot_api": fake,
            "other": other,
        }
        return {k: None if v is None else round(v, 2) for k, v in values.items()}


# ----- the timed updates


@dataclass(frozen=True)
class Timed:
    """One timed update: a person and what they type."""

    user: int
    text: str
    replies: int = 1  # c2cbot reads a typed choice, figure or date back before moving on


def arrival(counts: Sequence[int], order: str, seed: int) -> list[tuple[int, int]]:
    """(person, their n-th message) in arrival order; each person's messages stay in order."""
    if order == "round-robin":
        return [(p, n) for n in range(max(counts)) for p, c in enumerate(counts) if n < c]
    slots = [p for p, c in enumerate(counts) for _ in range(c)]
    random.Random(seed).shuffle(slots)
    following = [0] * len(counts)
    arrivals = []
    for person in slots:
        arrivals.append((person, following[person]))
        following[person] += 1
    return arrivals


def timed_updates(
    users: Sequence[int],
    plan: Sequence[Planned],
    conversation: Conversation,
    args: argparse.Namespace,
) -> list[Timed]:
    counts = shares(args.updates, len(users))
    if max(counts) >= len(plan):
        raise SystemExit(
            f"{max(counts)} updates per person, but a pass through {CONVERSATION!r} asks "
            f"{len(plan)} questions: use at most {len(plan) - 1} per person, so every "
            "update is an answer with exactly one reply"
        )
    replies = [1 + said_back(conversation, planned) for planned in plan]
    return [
        Timed(users[p], plan[n].text, replies[n]) for p, n in arrival(counts, args.order, args.seed)
    ]


def said_back(conversation: Conversation, planned: Planned) -> int:
    """1 when c2cbot answers this typed answer with a read-back before the next question."""
    question = walk.question_at(conversation, walk.Position(planned.key))
    return int(question.type in READ_KINDS)


def as_pushes(timed: Sequence[Timed]) -> list[dict[str, Any]]:
    return [{"user": t.user, "text": t.text} for t in timed]


def sent_per_chat(timed: Sequence[Timed]) -> dict[int, list[str]]:
    texts: dict[int, list[str]] = {}
    for t in timed:
        texts.setdefault(t.user, []).append(t.text)
    return texts


# ----- measuring one run


@dataclass
class Run:
    bot: str
    database: str | None
    limits: str
    updates: int
    users: int
    seconds: float
    updates_per_s: float
    replies: int
    extra_replies_after: int
    edits: int
    errors: int
    connections: int
    get_updates_calls: int
    flood_breaches: int
    out_of_order_chats: int
    fake_cpu_seconds: float | None
    fake_cpu_share: float | None
    cpu_seconds: dict[str, float | None]
    setup_seconds: float
    other_cpu_share: float | None = None
    transactions: int | None = None
    transactions_per_update: float | None = None
    sql_statements_per_update: float | None = None
    database_connections_opened: int | None = None
    sqlite_lock_busy_share: float | None = None
    server: str | None = None
    profiled: bool = False
    round: int = 1
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Which variant this is: echo, sqlite, postgresql, sqlite_production_limits."""
        if self.database is None:
            return self.bot
        return self.database + ("" if self.limits == "relaxed" else f"_{self.limits}_limits")

    @property
    def label(self) -> str:
        if self.database is None:
            text = f"{self.bot} (PTB defaults)"
        else:
            text = f"{self.bot} {self.database} ({self.limits} limits)"
        flags = (" profiled" if self.profiled else "") + (" FAILED CHECKS" if self.problems else "")
        return text + flags + f" #{self.round}"


def measured(
    bot: str,
    database: str | None,
    limits: str,
    users: int,
    window: dict[str, Any],
    final: dict[str, Any],
    cpu: tuple[Cpu, Cpu],
    out_of_order: int,
    setup_seconds: float,
) -> Run:
    seconds = float(window["seconds"])
    fake_cpu = window["fake_cpu_seconds"]
    cpu_report = cpu[1].since(cpu[0], fake_cpu)
    other = cpu_report["other"]
    if other is not None and other > 0.1 * seconds:
        log(
            f"[{bot}] WARNING: other processes used {other:.1f} CPU-seconds during the "
            f"{seconds:.1f} s timed phase; the numbers are disturbed"
        )
    return Run(
        bot=bot,
        database=database,
        limits=limits,
        updates=window["target"],
        users=users,
        seconds=round(seconds, 3),
        updates_per_s=round(window["target"] / seconds, 1),
        replies=window["sent"],
        extra_replies_after=final["window"]["sent"] - window["sent"],
        edits=final["window"]["edits"],
        errors=final["window"]["errors"],
        connections=window["connections"],
        get_updates_calls=window["get_updates"],
        flood_breaches=window["flood_breaches"],
        out_of_order_chats=out_of_order,
        fake_cpu_seconds=None if fake_cpu is None else round(fake_cpu, 2),
        fake_cpu_share=None if fake_cpu is None else round(fake_cpu / seconds, 2),
        cpu_seconds=cpu_report,
        setup_seconds=round(setup_seconds, 1),
        other_cpu_share=None if other is None else round(other / seconds, 2),
    )


async def finish_window(fake: FakeProcess, limit: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wait for the last expected reply; then, after a grace period, the final counts."""
    stats = await fake.wait_sent(limit)
    window = stats["window"]
    if window["sent"] < window["target"] or window["seconds"] is None:
        raise RuntimeError(f"only {window['sent']} of {window['target']} replies in {limit} s")
    await asyncio.sleep(GRACE)
    return window, await fake.stats()


# ----- the bare echo bot


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


async def run_echo(timed: Sequence[Timed], users: int, args: argparse.Namespace) -> Run:
    async with FakeProcess(TOKEN) as fake:
        await fake.push(as_pushes(timed), timed=True)  # preloaded: queued before polling starts
        application = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(fake.api_url)
            .concurrent_updates(True)
            .build()
        )
        application.add_handler(MessageHandler(filters.TEXT, echo))
        await application.initialize()
        await application.start()
        assert application.updater is not None
        started = Cpu.now()
        await application.updater.start_polling(poll_interval=0.0)
        try:
            window, final = await finish_window(fake, args.timeout)
            cpu = (started, Cpu.now())
            replies = await fake.replies()
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
    expected = sent_per_chat(timed)
    out_of_order = sum(1 for chat, texts in expected.items() if replies.get(chat) != texts)
    return measured("echo", None, "none", users, window, final, cpu, out_of_order, 0.0)


# ----- c2cbot


class TimedLock(WriteLock):
    """SQLite's process-wide write lock, measuring how long it is held."""

    def __init__(self) -> None:
        super().__init__()
        self.held = 0.0
        self._since = 0.0

    async def acquire(self, urgent: bool = False) -> None:
        await super().acquire(urgent)
        self._since = time.perf_counter()

    def release(self) -> None:
        self.held += time.perf_counter() - self._since
        super().release()


class DatabaseCounters:
    """Write transactions, SQL statements and database connections opened, and on SQLite
    the write lock's busy time.

    Diagnostics reach into ``Database``: ``transaction`` is wrapped on the instance and
    the private ``_write_lock`` is swapped for a ``TimedLock``.
    """

    def __init__(self, database: Database) -> None:
        self.transactions = 0
        self.statements = 0
        self.connections = 0
        self.lock: TimedLock | None = None
        if database.is_sqlite:
            self.lock = TimedLock()
            database._write_lock = self.lock
        original = database.transaction

        @contextlib.asynccontextmanager
        async def counted(*, urgent: bool = False) -> AsyncIterator[Any]:
            self.transactions += 1
            async with original(urgent=urgent) as session:
                yield session

        database.transaction = counted  # type: ignore[method-assign]
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(database.engine.sync_engine, "connect", self._connected)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _connected(self, *_args: Any) -> None:
        self.connections += 1

    def reset(self) -> None:
        self.transactions = self.statements = self.connections = 0
        if self.lock is not None:
            self.lock.held = 0.0


@dataclass(frozen=True)
class Step:
    """One onboarding step for everybody: a typed text, or a button press."""

    text: Callable[[str, int], str] | None = None
    press: dict[str, str] | None = None


ONBOARDING = (
    Step(text=lambda code, _n: f"/start {code}"),
    Step(press={"endswith": f":{LANGUAGE}"}),
    Step(press={"endswith": ":yes"}),  # consent to the privacy notice
    Step(text=lambda _code, n: f"Bench Person {n}"),
    Step(press={"not_endswith": ":/skip"}),  # city
    Step(text=lambda _code, n: f"Benchmark organisation {n % 50}"),
    Step(press={"not_endswith": ":/skip"}),  # helix role
    Step(press={"equals": f"s:{CONVERSATION}"}),  # from the menu, start Aim
)


async def outbox_backlog(database: Database) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    async with database.sessions() as session:
        return {status: int(n) for status, n in await session.execute(query)}


async def settle(bot: Bot, fake: FakeProcess, last_update_id: int, limit: float) -> None:
    """Until the bot confirmed ``last_update_id`` and its outbox has nothing left to send."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        stats = await fake.stats()
        if stats["confirmed_offset"] > last_update_id:
            backlog = await outbox_backlog(bot.database)
            if backlog.get("dead"):
                raise RuntimeError(f"outbox dead letters during setup: {backlog}")
            if not backlog.get("pending") and not backlog.get("sending"):
                return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"setup step did not settle in {limit} s")


def step_updates(step: Step, users: Sequence[int], code: str) -> list[dict[str, Any]]:
    """What each of ``users`` sends for one onboarding step: the text they type, or the
    button they press (the fake makes the Telegram update of it)."""
    if step.text is not None:
        return [{"user": user, "text": step.text(code, n)} for n, user in enumerate(users)]
    return [{"user": user, "press": step.press} for user in users]


async def onboard_all(
    bot: Bot, fake: FakeProcess, users: Sequence[int], code: str, limit: float
) -> None:
    """Everybody onboards through Telegram (the fake) and ends up at Aim's first question."""
    for step in ONBOARDING:
        pushed = await fake.push(step_updates(step, users, code))
        await settle(bot, fake, pushed["last"], limit)
    async with bot.database.sessions() as session:
        states = list((await session.execute(select(ConversationState.data))).scalars())
    started = sum(1 for s in states if s.get("conv") == CONVERSATION and s.get("onboarded"))
    if started != len(users):
        raise RuntimeError(f"only {started} of {len(users)} people are in {CONVERSATION!r}")


def progress_in_order(lines: Sequence[str]) -> bool:
    """c2cbot's replies are the next questions: their numbers ("· 3/12") must rise. Read-backs
    ("Noted: …") come between them and carry no number."""
    numbers = []
    for line in lines:
        if line.startswith(NOTED_PREFIX):
            continue
        found = PROGRESS.search(line)
        if found is None:
            return False
        numbers.append(int(found.group(1)))
    return all(a < b for a, b in itertools.pairwise(numbers))


async def run_c2cbot(
    database: str,
    url: str,
    timed: Sequence[Timed],
    users: Sequence[int],
    args: argparse.Namespace,
    limits: LimitsMode,
) -> tuple[Run, cProfile.Profile | None]:
    async with FakeProcess(TOKEN) as fake:
        settings = Settings(
            database_url=url,
            telegram_token=TOKEN,
            telegram_api_url=fake.api_url,
            _env_file=None,
        )
        # Relaxed limits, so the bot and not the limiter is measured (see bench/README.md).
        bot = Bot(settings, options={"telegram": TelegramOptions(limits=RELAXED)})
        channel = bot.running(TELEGRAM)
        counters = DatabaseCounters(bot.database)
        profiler = cProfile.Profile() if args.profile else None
        try:
            setup_started = time.perf_counter()
            code = await prepare_database(bot.database, uses=len(users) + 10)
            await bot.start("127.0.0.1", 0)
            tune_gc_for_serving()  # as `c2cbot run` does
            log(f"[c2cbot {database}] onboarding {len(users)} people through the fake (untimed) …")
            await onboard_all(bot, fake, users, code, args.timeout)
            if limits == "production":  # onboarding ran relaxed; the timed phase does not
                channel._limiter = ChatLimiter(ChatLimits(), SYSTEM_CLOCK)
            setup_seconds = time.perf_counter() - setup_started
            log(f"[c2cbot {database}] setup took {setup_seconds:.1f} s; timed: {len(timed)} …")
            before = await stored_answers(bot.database)
            counters.reset()
            database_name = make_url(url).database if database == "postgresql" else None
            started = Cpu.now(database_name)
            if profiler is not None:
                profiler.enable()
            await fake.push(as_pushes(timed), timed=True, expect=sum(t.replies for t in timed))
            try:
                stats = await fake.wait_sent(args.timeout)
            finally:
                if profiler is not None:
                    profiler.disable()
            cpu = (started, Cpu.now(database_name))
            transactions, statements = counters.transactions, counters.statements
            opened = counters.connections
            lock_held = counters.lock.held if counters.lock is not None else None
            window = stats["window"]
            if window["sent"] < window["target"] or window["seconds"] is None:
                raise RuntimeError(f"only {window['sent']} of {window['target']} replies")
            window = {**window, "target": len(timed)}  # updates, not replies, are the rate
            await asyncio.sleep(GRACE)
            final = await fake.stats()
            replies = await fake.replies()
            stored = await stored_answers(bot.database) - before
            backlog = await outbox_backlog(bot.database)
            server = await server_version(bot.database)
        finally:
            await bot.stop()
    out_of_order = sum(1 for user in users if not progress_in_order(replies.get(user, [])))
    problems = [
        f"{stored} answers stored for {len(timed)} updates" if stored != len(timed) else "",
        f"outbox not fully sent {GRACE} s after the last expected reply: {backlog}"
        if set(backlog) != {"sent"}
        else "",
        f"{final['window']['sent'] - window['sent']} replies more than expected"
        if final["window"]["sent"] != window["sent"]
        else "",
        f"{final['window']['errors']} error answers from the fake"
        if final["window"]["errors"]
        else "",
        f"{out_of_order} chats whose replies' question numbers did not rise"
        if out_of_order
        else "",
    ]
    problems = [p for p in problems if p]
    if problems and limits == "relaxed":
        raise RuntimeError(f"c2cbot {database} failed its checks: " + "; ".join(problems))
    if problems:  # with production limits the time is the limiter's; keep it, flagged
        log(f"[c2cbot {database}] WARNING: {limits} limits: " + "; ".join(problems))
    run = measured(
        "c2cbot", database, limits, len(users), window, final, cpu, out_of_order, setup_seconds
    )
    run.transactions = transactions
    run.transactions_per_update = round(transactions / len(timed), 2)
    run.sql_statements_per_update = round(statements / len(timed), 1)
    run.database_connections_opened = opened
    if lock_held is not None:
        run.sqlite_lock_busy_share = round(lock_held / run.seconds, 2)
    run.server = server
    run.profiled = profiler is not None
    run.problems = problems
    return run, profiler


@contextlib.asynccontextmanager
async def scratch_postgres(url: str, name: str | None = None) -> AsyncIterator[str]:
    """A new database ``name`` (``c2cbot_bench_<pid>``) next to the one in ``url``, dropped
    afterwards; one a crashed run left under that name is dropped first."""
    base = make_url(url)
    name = name or f"c2cbot_bench_{os.getpid()}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


# ----- reporting


def limiter_bound(limits: ChatLimits, counts: Sequence[int]) -> dict[str, Any]:
    """The shortest time token buckets that start full allow for these replies."""
    overall = max(0.0, sum(counts) - limits.overall.burst) / limits.overall.per_second
    per_chat = max(max(0.0, n - limits.private.burst) / limits.private.per_second for n in counts)
    seconds = max(overall, per_chat)
    return {
        "overall": asdict(limits.overall),
        "private_chat": asdict(limits.private),
        "lower_bound_seconds": round(seconds, 1),
        "max_updates_per_s": round(sum(counts) / seconds, 1) if seconds else None,
    }


HEADER = (
    "run",
    "updates",
    "users",
    "seconds",
    "updates/s",
    "× echo",
    "conns",
    "db conns",
    "tx/upd",
    "lock busy",
    "fake CPU",
    "bot CPU",
)


def table(runs: Sequence[Run]) -> str:
    """One row per run; "× echo" is against the echo run of the same round."""
    echo = {r.round: r.updates_per_s for r in runs if r.bot == "echo"}

    def cell(value: float | None, form: str) -> str:
        return "-" if value is None else format(value, form)

    rows = [HEADER] + [
        (
            r.label,
            str(r.updates),
            str(r.users),
            f"{r.seconds:.2f}",
            f"{r.updates_per_s:.1f}",
            cell(r.updates_per_s / echo[r.round] if r.round in echo else None, ".2f"),
            str(r.connections),
            "-" if r.database_connections_opened is None else str(r.database_connections_opened),
            cell(r.transactions_per_update, ".2f"),
            cell(r.sqlite_lock_busy_share, ".0%"),
            cell(r.fake_cpu_share, ".0%"),
            cell((r.cpu_seconds["process"] or 0) / r.seconds, ".0%"),
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def code_state() -> dict[str, Any]:
    """``code_version()`` plus a hash of the uncommitted changes to src/."""
    state = code_version()
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        state["src_diff_sha256"] = hashlib.sha256(diff).hexdigest() if diff else None
    return state


def medians(runs: Sequence[Run]) -> dict[str, float]:
    """Median updates/s of each variant over the rounds."""
    rates: dict[str, list[float]] = {}
    for run in runs:
        rates.setdefault(run.key, []).append(run.updates_per_s)
    return {key: round(statistics.median(values), 1) for key, values in rates.items()}


def report(runs: Sequence[Run], args: argparse.Namespace, counts: Sequence[int]) -> dict[str, Any]:
    middle = medians(runs)
    postgres = next((r.server for r in runs if r.database == "postgresql"), None)
    host = machine("postgresql" if postgres else "sqlite", postgres or "")
    host.update(
        load_average_before=args.load_before,
        python_telegram_bot=_version("python-telegram-bot"),
        httpx=_version("httpx"),
        aiohttp=_version("aiohttp"),
    )
    ratios = (
        {key: round(rate / middle["echo"], 2) for key, rate in middle.items() if key != "echo"}
        if "echo" in middle
        else {}
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "code": code_state(),
        "updates": args.updates,
        "users": args.users,
        "order": args.order,
        "seed": args.seed,
        "rounds": args.rounds,
        "runs": [{"variant": r.key, **asdict(r)} for r in runs],
        "median_updates_per_s": middle,
        "ratio_c2cbot_to_echo": ratios,
        "target": {
            "ratio": TARGET_RATIO,
            "aim_ratio": AIM_RATIO,
            "sqlite_updates_per_s": TARGET_UPDATES_PER_S,
        },
        "production_limits": limiter_bound(ChatLimits(), counts),
        "profiled": args.profile,
        "notes": [
            "seconds: from the fake's first getUpdates answer carrying a timed update to the "
            "fake's receipt of the last expected sendMessage, both timed in the fake's process",
            "c2cbot runs use relaxed per-chat and overall limits unless limits is 'production'; "
            "production_limits gives the lower bound the default limiter imposes",
            "ratio_c2cbot_to_echo: median c2cbot updates/s over the rounds divided by the "
            "median echo updates/s; each round runs echo first, then each c2cbot variant",
            "every c2cbot update is a typed Aim answer: one Answer row and one reply; checked. "
            "A relaxed-limits run that fails a check raises; a production-limits run keeps "
            "its number and lists what failed in problems",
            "out_of_order_chats: chats whose replies came in another order than the messages "
            "(echo) or whose question numbers did not rise (c2cbot)",
            "database_connections_opened: new DBAPI connections during the timed phase "
            "(SQLAlchemy pool churn); connections is TCP connections to the fake Bot API",
            "cpu_seconds over the timed phase: this process, its main thread, local postgres "
            "(the scratch database's live backends plus every backend that exited meanwhile, "
            "of any database), the fake Bot API process, and other (everything else; "
            "other_cpu_share above 0.1 means other load disturbed the run)",
        ],
    }


# ----- main


async def main(args: argparse.Namespace) -> dict[str, Any]:
    args.load_before = [round(n, 2) for n in os.getloadavg()]
    settings = Settings(_env_file=None)
    conversation = load_all(settings.conversations_dir)[CONVERSATION]
    plan = await answer_plan(
        conversation, Catalogues(settings.locale_dir, settings.default_language)
    )
    users = [FIRST_USER + n for n in range(args.users)]
    timed = timed_updates(users, plan, conversation, args)
    counts = shares(args.updates, args.users)
    runs: list[Run] = []
    stamp = datetime.now().date().isoformat()
    suffix = ("-default-limits" if args.default_limits else "") + (
        "-profiled" if args.profile else ""
    )
    variants: list[tuple[str, LimitsMode]] = [("sqlite", "relaxed")]
    if args.default_limits:
        variants.append(("sqlite", "production"))
    if args.postgres:
        variants.append(("postgresql", "relaxed"))
    for number in range(1, args.rounds + 1):
        if not args.skip_echo:
            log(f"[echo #{number}] {len(timed)} updates from {len(users)} people, PTB defaults …")
            runs.append(await run_echo(timed, len(users), args))
            runs[-1].round = number
            print("\n" + table(runs), flush=True)
        for database, limits in variants:
            async with contextlib.AsyncExitStack() as stack:
                if database == "sqlite":
                    url = stack.enter_context(scratch_sqlite_url())
                else:
                    url = await stack.enter_async_context(scratch_postgres(args.postgres))
                run, profiler = await run_c2cbot(database, url, timed, users, args, limits)
            run.round = number
            runs.append(run)
            if profiler is not None:
                stem = f"telegram-c2cbot-{run.key}-{stamp}{suffix}"
                stem += f"-r{number}" if args.rounds > 1 else ""
                for path in write_profile(profiler, stem):
                    log(f"[c2cbot {database}] wrote {path}")
            print("\n" + table(runs), flush=True)
    result = report(runs, args, counts)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix += "-no-echo" if args.skip_echo else ""
    path = RESULTS / f"telegram-{stamp}{suffix}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"wrote {path}")
    for run in runs:
        for problem in run.problems:
            print(f"{run.label}: {problem}", flush=True)
    bound = result["production_limits"]
    print(
        f"\nmedian updates/s: {result['median_updates_per_s']}\n"
        f"ratio c2cbot / echo: {result['ratio_c2cbot_to_echo']} "
        f"(target ≥ {TARGET_RATIO:g}×, aim {AIM_RATIO:g}×)\n"
        f"with the production limiter the timed phase takes at least "
        f"{bound['lower_bound_seconds']} s (≤ {bound['max_updates_per_s']} updates/s)",
        flush=True,
    )
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Updates per second end to end (fake Bot API in its own process → bot → database → "
            "reply sent): c2cbot against a bare python-telegram-bot echo bot."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--updates", type=int, default=3000, help="timed updates in total")
    parser.add_argument("--users", type=int, default=300, help="people sending them")
    parser.add_argument(
        "--order",
        choices=["random", "round-robin"],
        default="random",
        help="how people's messages interleave (each person's stay in order)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the random order")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        default=None,
        metavar="URL",
        help=f"also run c2cbot on PostgreSQL (URL defaults to {DEFAULT_POSTGRES}); a scratch "
        "database c2cbot_bench_<pid> is created there and dropped afterwards",
    )
    parser.add_argument(
        "--default-limits",
        action="store_true",
        help="also run c2cbot on SQLite with the production rate limits (slow by design)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat everything this often (echo first in each round) and report medians",
    )
    parser.add_argument(
        "--skip-echo",
        action="store_true",
        help="run c2cbot only (quicker while tuning; no ratio is reported)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for a phase to finish"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run c2cbot's timed phases under cProfile; .prof/.txt to bench/results/",
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.updates < args.users:
        parser.error("need at least one user and at least one update per user")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(main(parse_args()))
