"""``c2cbot run --workers N`` measured as an operator runs it: Telegram webhook throughput with
1 and 2 workers against a bare echo bot, WeChat callback latency at 500 requests/s with 1 and
2 workers, and PostgreSQL against SQLite for one process, side by side in one invocation.

Not a test: it measures. Every c2cbot here is the real command, ``c2cbot seed``, ``c2cbot
invite`` and ``c2cbot run [--workers N]`` as subprocesses on a scratch database (a
PostgreSQL database ``c2cbot_benchworkers_<pid>_<n>`` per run, dropped afterwards, or a
temporary SQLite file), on a free loopback port, against the fakes of the tests.

1. **Telegram** (``C2C_TELEGRAM_MODE=webhook``). The fake Bot API of
   ``bench/telegram_throughput.py`` runs in a process of its own; this process is only the
   load generator and posts updates to ``/telegram`` as Telegram does: at most
   ``--connections`` requests at once (Telegram's default ``max_connections`` is 40), a
   person's next update only once the webhook answered their previous one, people
   interleaved in the order ``telegram_throughput.py`` uses. Setup, untimed: everybody
   onboards through the webhook into the Aim step; timed: ``--updates`` typed Aim answers,
   each one stored answer and one reply (plus a read-back where the answer is a typed
   choice, figure or date). Timed from the moment the first timed update is posted to the
   fake's receipt of the last expected ``sendMessage``. c2cbot's Telegram runs use relaxed
   send limits (see ``RELAXED_LIMITS``): with the production limiter (1 message/s per chat,
   25/s overall) the limiter, not the bot, would be measured.
2. **Echo**: python-telegram-bot's ``Application`` with defaults, ``concurrent_updates`` and
   a ``reply_text`` echo, no database: polling exactly as ``telegram_throughput.py`` runs it
   (the bot in this process), and a webhook variant in a process of its own (an aiohttp
   handler that puts each update on ``Application.update_queue`` and answers at once, as
   PTB's own webhook server does; that server needs tornado, not installed here).
3. **WeChat**: ``bench/wechat_latency.py``'s open-loop load (``--wechat-rate`` sealed,
   signed texts a second for ``--wechat-seconds``, followers onboarded untimed from the QR
   code) against ``c2cbot run --workers 2`` and ``--workers 1`` on PostgreSQL, unchanged
   settings: p50/p99 callback latency, the share answered passively, whether every message
   was stored once and every reply went out.

Run from the repository root::

    .venv/bin/python bench/workers.py                      # everything, about 4 minutes
    .venv/bin/python bench/workers.py --runs tg-pg-2 wechat-pg-2
    .venv/bin/python bench/workers.py --help
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import multiprocessing
import os
import re
import signal
import socket
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):  # the sibling scripts and the tests' fakes
    if _path not in sys.path:
        sys.path.insert(0, _path)

from engine_throughput import (  # noqa: E402 - sibling scripts, importable once on sys.path
    CONVERSATION,
    _version,
    answer_plan,
    code_version,
    log,
    machine,
    percentile,
    scratch_sqlite_url,
    server_version,
    stored_answers,
)
from telegram_throughput import (  # noqa: E402
    DEFAULT_POSTGRES,
    FIRST_USER,
    GRACE,
    ONBOARDING,
    TOKEN,
    BenchFake,
    Cpu,
    FakeProcess,
    Timed,
    Window,
    _clock_ticks,
    _machine_busy,
    echo,
    outbox_backlog,
    progress_in_order,
    run_echo,
    scratch_postgres,
    sent_per_chat,
    step_updates,
    timed_updates,
)
from tests.fakes.wechat_api import (  # noqa: E402
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
)
from wechat_latency import (  # noqa: E402
    REQUEST_TIMEOUT,
    TARGET_P99,
    Result,
    counts,
    follow_all,
    open_loop,
    plan,
    scripts,
    summarise,
)

from c2cbot.channels.telegram.channel import SECRET_HEADER  # noqa: E402
from c2cbot.config import Settings  # noqa: E402
from c2cbot.domain.reference import load_reference  # noqa: E402
from c2cbot.flows.loader import load_all  # noqa: E402
from c2cbot.i18n import Catalogues  # noqa: E402
from c2cbot.store.database import Database  # noqa: E402
from c2cbot.store.models import ConversationState  # noqa: E402

C2CBOT = str(Path(sys.executable).with_name("c2cbot"))
RESULTS = ROOT / "var" / "bench"
WEBHOOK_SECRET = "bench-workers-secret-of-32-characters"  # the fake's, not a secret
TARGET_RATIO = 5.0  # issue 17: two workers at least 5× the echo bot
TARGET_PASSIVE = 0.95
START_WITHIN = 90.0  # seconds `c2cbot run` may take to say it serves
STOP_WITHIN = 40.0
DRAIN_TIMEOUT = 180.0
WEBHOOK_ATTEMPTS = 20  # Telegram retries a delivery that failed; so does the generator
LOG_LINES = 20  # worker log lines kept in the report for each run
#: The only change to `c2cbot run` in the Telegram runs: every ChatLimits() the bot builds
#: (one process, or each worker's share) gets these rates instead of Telegram's, through
#: a sitecustomize on PYTHONPATH that the command's processes import at start.
RELAXED_LIMITS = "Rate(1e9, 1e9) for overall, private and group chats"
SITECUSTOMIZE = """\
import os
import sys

if os.environ.get("C2C_BENCH_RELAXED_LIMITS") == "1":
    from c2cbot.channels import ratelimit as _ratelimit

    _free = _ratelimit.Rate(1e9, 1e9)
    _ratelimit.ChatLimits.__init__.__defaults__ = (_free, _free, _free)
    print("bench: relaxed send limits in pid", os.getpid(), file=sys.stderr, flush=True)
"""
RELAXED_MARK = "bench: relaxed send limits in pid"
NUMBERED = re.compile(r"\S*\d\S*")  # ids and counts in log lines, so alike lines group
RUNS = (
    "echo-polling",
    "echo-webhook",
    "tg-pg-1",
    "tg-pg-2",
    "tg-sqlite-1",
    "wechat-pg-1",
    "wechat-pg-2",
)


# ----- processes started here: stopped at the end, whatever happens

_STARTED: set[int] = set()  # process ids to SIGKILL at exit if still running


def _kill_leftovers() -> None:
    for pid in list(_STARTED):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


atexit.register(_kill_leftovers)


def free_port() -> int:
    """A loopback port nobody listens on now (`--workers` needs a fixed one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ticks(pid: int) -> int:
    """CPU ticks (user + system) a process used so far; 0 once it is gone."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        raw = Path(f"/proc/{pid}/stat").read_text()
        fields = raw[raw.rindex(")") + 2 :].split()
        return int(fields[11]) + int(fields[12])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = stat.read_text()
            if int(raw[raw.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def tree_ticks(pid: int) -> dict[int, int]:
    """CPU ticks of a process and its children (the supervisor and its workers)."""
    return {p: _ticks(p) for p in (pid, *_children(pid))}


def cpu_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU-seconds a process tree used between two readings (processes gone since count 0)."""
    ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return round(max(0, ticks) / _clock_ticks(), 2)


def load_average() -> list[float]:
    return [round(n, 2) for n in os.getloadavg()]


# ----- c2cbot as the operator runs it


class Command:
    """``c2cbot`` commands on one database, with one environment, in one directory."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd

    async def once(self, *arguments: str) -> str:
        """Run a command to its end; its standard output, or an error with its stderr."""
        process = await asyncio.create_subprocess_exec(
            C2CBOT,
            *arguments,
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        _STARTED.add(process.pid)
        try:
            out, err = await asyncio.wait_for(process.communicate(), 120)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            _STARTED.discard(process.pid)
        if process.returncode != 0:
            raise RuntimeError(f"c2cbot {' '.join(arguments)} failed: {err.decode()[-2000:]}")
        return out.decode()


class Served:
    """``c2cbot run --workers N`` running: started, watched, stopped (also on failure)."""

    def __init__(self, command: Command, workers: int, name: str) -> None:
        self.command, self.workers = command, workers
        self.out = command.cwd / f"{name}.out"
        self.err = command.cwd / f"{name}.err"
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Served:
        with self.out.open("wb") as stdout, self.err.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                *(C2CBOT, "run", "--workers", str(self.workers)),
                env=self.command.env,
                cwd=self.command.cwd,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # a Ctrl-C here reaches it only through __aexit__
            )
        _STARTED.add(self.process.pid)
        deadline = time.monotonic() + START_WITHIN
        while "c2cbot is running" not in self.out.read_text(errors="replace"):
            if self.process.returncode is not None or time.monotonic() > deadline:
                await self.__aexit__()
                raise RuntimeError(f"c2cbot run did not start:\n{self.stderr()[-3000:]}")
            await asyncio.sleep(0.1)
        for pid in self.worker_pids():
            _STARTED.add(pid)
        return self

    def worker_pids(self) -> list[int]:
        pids = []
        for line in self.out.read_text(errors="replace").splitlines():
            if line.startswith("c2cbot worker ") and "(pid " in line:
                pids.append(int(line.split("(pid ", 1)[1].split(")", 1)[0]))
        return pids

    def ticks(self) -> dict[int, int]:
        assert self.process is not None
        return tree_ticks(self.process.pid)

    def stderr(self) -> str:
        return self.err.read_text(errors="replace") if self.err.exists() else ""

    async def __aexit__(self, *_exc: object) -> None:
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_WITHIN)
            except (TimeoutError, asyncio.CancelledError):
                process.kill()
                await process.wait()
        _STARTED.discard(process.pid)
        for pid in self.worker_pids():  # each worker is in a process group of its own
            await _gone(pid)

    def log_report(self) -> dict[str, Any]:
        """What the command's logs say beyond the expected: errors, warnings, restarts."""
        lines = [
            line
            for line in self.stderr().splitlines()
            if line.strip() and not line.startswith(RELAXED_MARK)
        ]
        serious = [line for line in lines if "ERROR" in line or "Traceback" in line]
        kinds: dict[str, int] = {}
        for line in lines:
            for level in (" ERROR ", " WARNING "):
                if level in line:
                    said = NUMBERED.sub("…", line.split(level, 1)[1])[:90]
                    kind = level.strip() + " " + said
                    kinds[kind] = kinds.get(kind, 0) + 1
        return {
            "stderr_lines": len(lines),
            "error_lines": len(serious),
            "warning_lines": sum("WARNING" in line for line in lines),
            "kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:LOG_LINES]),
            "worker_starts": len(self.worker_pids()),
            "first_lines": lines[:LOG_LINES],
        }


async def _gone(pid: int, within: float = 5.0) -> None:
    """Wait for a worker to stop by itself (its supervisor is gone); SIGKILL it if not."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        await asyncio.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    _STARTED.discard(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the pid went to another user's process meanwhile
        return False
    return True


@contextlib.asynccontextmanager
async def scratch_database(kind: str, postgres: str, number: int) -> AsyncIterator[str]:
    """A fresh database for one run: PostgreSQL (created, dropped after) or a SQLite file."""
    if kind == "sqlite":
        with scratch_sqlite_url() as url:
            yield url
        return
    async with scratch_postgres(postgres, f"c2cbot_benchworkers_{os.getpid()}_{number}") as url:
        yield url


def base_environment(
    database_url: str, port: int, home: Path, event_loop: str = "auto"
) -> dict[str, str]:
    """What ``c2cbot`` gets: its settings, PATH and PYTHONPATH; no .env file (a fresh
    directory). PYTHONPATH passes through so that another checkout's code can be measured
    side by side with this one (``PYTHONPATH=../before/src``)."""
    return {
        "C2C_EVENT_LOOP": event_loop,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "HOME": str(home),
        "PTB_TIMEDELTA": "true",
        "C2C_DATABASE_URL": database_url,
        "C2C_HTTP_PORT": str(port),
        "C2C_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "C2C_METRICS_PORT": "0",
    }


async def prepared(command: Command, uses: int) -> str:
    """Migrate and seed with ``c2cbot seed``; an invite code for ``uses`` people."""
    await command.once("seed")
    partnership = load_reference().partnerships[0].key
    code = await command.once(
        "invite", "--partnership", partnership, "--uses", str(uses), "--days", "30"
    )
    return code.strip()


# ----- the fake Bot API, in its own process, making updates for the webhook


class WebhookFake(BenchFake):
    """``BenchFake`` that hands the updates it makes to the caller, who posts them to the
    webhook; the timed phase starts when the caller says it posts the first one."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.arrivals: dict[int, list[float]] = {}

    def _control_routes(self, app: web.Application) -> None:
        super()._control_routes(app)
        app.router.add_post("/_make", self._control_make)
        app.router.add_post("/_begin", self._control_begin)
        app.router.add_get("/_arrivals", self._control_arrivals)

    async def _control_make(self, request: web.Request) -> web.Response:
        """``{"updates": [{"user", "text"} | {"user", "press"}], "timed", "expect"}``:
        the updates' JSON, as Telegram would post them."""
        body = await request.json()
        made = []
        try:
            for item in body["updates"]:
                user = int(item["user"])
                if "text" in item:
                    made.append(self.user_sends(user, str(item["text"])))
                else:
                    made.append(self._press(user, item["press"]))
        except LookupError as error:
            return web.json_response({"error": str(error)}, status=400)
        self._pending.clear()  # nobody polls: delivered by webhook
        if body.get("timed"):
            first = int(made[0]["update_id"])
            self.window = Window(first, int(body.get("expect", len(made))), len(self.violations))
            self.arrivals = {}
            self.reached.clear()
        return web.json_response({"updates": made})

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._api_sendMessage(params)
        if self.window is not None:
            self.arrivals.setdefault(int(params["chat_id"]), []).append(time.monotonic())
        return result

    async def _control_arrivals(self, _request: web.Request) -> web.Response:
        """When each reply of the timed phase arrived, per chat (``time.monotonic``)."""
        return web.json_response({str(chat): times for chat, times in self.arrivals.items()})

    async def _control_begin(self, _request: web.Request) -> web.Response:
        window = self.window
        if window is None:
            return web.json_response({"error": "no timed updates made"}, status=400)
        window.started_at, window.cpu_started = time.monotonic(), time.process_time()
        return web.json_response({"ok": True})


class WebhookFakeProcess(FakeProcess):
    """``FakeProcess`` serving ``WebhookFake``."""

    kind = WebhookFake

    async def __aenter__(self) -> WebhookFakeProcess:
        await super().__aenter__()
        assert self._process is not None and self._process.pid is not None
        _STARTED.add(self._process.pid)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await super().__aexit__(*exc)
        if self._process is not None and self._process.pid is not None:
            _STARTED.discard(self._process.pid)

    async def make(
        self, items: list[dict[str, Any]], *, timed: bool = False, expect: int | None = None
    ) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"updates": items, "timed": timed}
        if expect is not None:
            body["expect"] = expect
        made: list[dict[str, Any]] = (await self._json("POST", "/_make", json=body))["updates"]
        return made

    async def begin(self) -> None:
        await self._json("POST", "/_begin")

    async def arrivals(self) -> dict[int, list[float]]:
        body = await self._json("GET", "/_arrivals")
        return {int(chat): times for chat, times in body.items()}

    @property
    def pid(self) -> int:
        assert self._process is not None and self._process.pid is not None
        return self._process.pid


# ----- posting updates as Telegram does


@dataclass
class Delivery:
    """How the webhook answered: deliveries, failed attempts (retried), by status; and
    when each update was first posted and finally answered (``time.monotonic``, which is
    the same clock in every process here: CLOCK_MONOTONIC)."""

    updates: int = 0
    failed_attempts: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    undelivered: int = 0
    posted: list[float] = field(default_factory=list, repr=False)
    answered: list[float] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        answer = [b - a for a, b in zip(self.posted, self.answered, strict=True)]
        return {
            "updates": self.updates,
            "failed_attempts": self.failed_attempts,
            "statuses": self.statuses,
            "undelivered": self.undelivered,
            "answer_ms": spread_ms(answer),
        }


def spread_ms(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p99 and max of durations in seconds, in milliseconds."""
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    return {
        "p50": round(percentile(ordered, 0.50) * 1000, 1),
        "p99": round(percentile(ordered, 0.99) * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


async def post_until_accepted(
    session: aiohttp.ClientSession, url: str, update: dict[str, Any], delivery: Delivery
) -> None:
    for attempt in range(WEBHOOK_ATTEMPTS):
        try:
            headers = {SECRET_HEADER: WEBHOOK_SECRET}
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                status = str(response.status)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            status = type(error).__name__
        if status == "200":
            return
        delivery.failed_attempts += 1
        delivery.statuses[status] = delivery.statuses.get(status, 0) + 1
        await asyncio.sleep(min(1.0, 0.05 * 2**attempt))
    delivery.undelivered += 1


async def deliver(
    session: aiohttp.ClientSession,
    url: str,
    updates: Sequence[tuple[int, dict[str, Any]]],
    connections: int,
) -> Delivery:
    """POST ``(person, update)`` in order over at most ``connections`` requests at once,
    a person's next only after their previous was answered: the earliest waiting update
    of a person with nothing in flight goes next."""
    waiting = deque(range(len(updates)))
    busy: set[int] = set()
    turn = asyncio.Condition()
    delivery = Delivery(updates=len(updates))
    delivery.posted = [0.0] * len(updates)
    delivery.answered = [0.0] * len(updates)

    async def connection() -> None:
        while True:
            async with turn:
                while True:
                    found = next((i for i in waiting if updates[i][0] not in busy), None)
                    if found is not None or not waiting:
                        break
                    await turn.wait()
                if found is None:
                    return
                waiting.remove(found)
                busy.add(updates[found][0])
            delivery.posted[found] = time.monotonic()
            await post_until_accepted(session, url, updates[found][1], delivery)
            delivery.answered[found] = time.monotonic()
            async with turn:
                busy.discard(updates[found][0])
                turn.notify_all()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return delivery


def reply_latencies(
    timed: Sequence[Timed], delivery: Delivery, arrivals: dict[int, list[float]]
) -> list[float]:
    """For each timed update, from its first post to the fake's receipt of its last reply:
    a person's replies arrive in order, ``Timed.replies`` of them for each update."""
    taken: dict[int, int] = {}
    latencies = []
    for n, update in enumerate(timed):
        times = arrivals.get(update.user, [])
        first = taken.get(update.user, 0)
        taken[update.user] = first + update.replies
        if first + update.replies <= len(times):
            latencies.append(times[first + update.replies - 1] - delivery.posted[n])
    return latencies


def webhook_session(connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT * 6)
    )


# ----- Telegram runs


@dataclass
class TelegramRun:
    name: str
    bot: str  # "echo" or "c2cbot"
    mode: str  # "polling" or "webhook"
    database: str | None
    workers: int | None
    updates: int
    users: int
    seconds: float
    updates_per_s: float
    replies_expected: int
    replies: int
    extra_replies_after: int
    fake_errors: int
    out_of_order_chats: int
    fake_connections: int
    load_before: list[float]
    cpu_seconds: dict[str, float | None]
    stored_answers: int | None = None
    outbox: dict[str, int] | None = None
    webhook: dict[str, Any] | None = None
    reply_ms: dict[str, float | None] | None = None  # first post of an update → its last reply
    setup_seconds: float | None = None
    logs: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)


def cpu_report(
    seconds: float,
    bot: float | None,
    generator: float,
    fake: float | None,
    machine_busy: tuple[float | None, float | None],
    postgres: float | None = None,
) -> dict[str, float | None]:
    """CPU-seconds over the timed phase and ``other``: the machine's busy time left over
    (other load on a shared machine; above ~10% of the phase the numbers are disturbed)."""
    other = None
    if machine_busy[0] is not None and machine_busy[1] is not None:
        used = (bot or 0) + generator + (fake or 0) + (postgres or 0)
        other = round(max(0.0, machine_busy[1] - machine_busy[0] - used), 2)
    values = {
        "bot": bot,
        "generator": round(generator, 2),
        "fake_api": fake,
        "postgres_server": postgres,
        "other": other,
        "phase_seconds": round(seconds, 2),
    }
    return values


def echo_from(run: Any, name: str, load: list[float]) -> TelegramRun:
    """The polling echo of ``telegram_throughput.run_echo`` in this report's shape."""
    cpu = run.cpu_seconds
    return TelegramRun(
        name=name,
        bot="echo",
        mode="polling",
        database=None,
        workers=None,
        updates=run.updates,
        users=run.users,
        seconds=run.seconds,
        updates_per_s=run.updates_per_s,
        replies_expected=run.updates,
        replies=run.replies,
        extra_replies_after=run.extra_replies_after,
        fake_errors=run.errors,
        out_of_order_chats=run.out_of_order_chats,
        fake_connections=run.connections,
        load_before=load,
        cpu_seconds={
            "bot": cpu["process"],  # the echo bot runs in the generator's process here
            "generator": None,
            "fake_api": cpu["fake_bot_api"],
            "postgres_server": None,
            "other": cpu["other"],
            "phase_seconds": round(run.seconds + GRACE, 2),  # its readings include the grace
        },
    )


def serve_echo_webhook(connection: Connection, api_url: str) -> None:
    """The webhook echo bot's process: PTB defaults, updates fed to its update queue."""

    async def serve() -> None:
        application = (
            ApplicationBuilder().token(TOKEN).base_url(api_url).concurrent_updates(True).build()
        )
        application.add_handler(MessageHandler(filters.TEXT, echo))
        await application.initialize()
        await application.start()

        async def receive(request: web.Request) -> web.Response:
            if request.headers.get(SECRET_HEADER) != WEBHOOK_SECRET:
                return web.Response(status=403)
            update = Update.de_json(await request.json(), application.bot)
            await application.update_queue.put(update)
            return web.Response()

        app = web.Application()
        app.router.add_post("/telegram", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        connection.send(f"http://{host}:{port}/telegram")
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        await runner.cleanup()
        await application.stop()
        await application.shutdown()

    asyncio.run(serve())


async def run_echo_webhook(
    timed: Sequence[Timed], users: int, args: argparse.Namespace
) -> TelegramRun:
    load = load_average()
    async with WebhookFakeProcess(TOKEN) as fake:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=serve_echo_webhook, args=(child, fake.api_url), name="echo-bot", daemon=True
        )
        process.start()
        assert process.pid is not None
        _STARTED.add(process.pid)
        try:
            loop = asyncio.get_running_loop()
            url = await asyncio.wait_for(loop.run_in_executor(None, parent.recv), 60)
            made = await fake.make(as_items(timed), timed=True)
            async with webhook_session(args.connections) as session:
                before = (
                    _ticks(process.pid),
                    time.process_time(),
                    _machine_busy(),
                    time.monotonic(),
                )
                await fake.begin()
                delivery = await deliver(session, url, paired(timed, made), args.connections)
                stats = await fake.wait_sent(args.timeout)
                after = (
                    _ticks(process.pid),
                    time.process_time(),
                    _machine_busy(),
                    time.monotonic(),
                )
                window, final = await after_grace(fake, stats)
            replies = await fake.replies()
            arrivals = await fake.arrivals()
        finally:
            parent.send("quit")
            await loop.run_in_executor(None, process.join, 10)
            if process.is_alive():
                process.kill()
            _STARTED.discard(process.pid)
    expected = sent_per_chat(timed)
    out_of_order = sum(1 for chat, texts in expected.items() if replies.get(chat) != texts)
    seconds = float(window["seconds"])
    bot_cpu = round((after[0] - before[0]) / _clock_ticks(), 2)
    return TelegramRun(
        name="echo-webhook",
        bot="echo",
        mode="webhook",
        database=None,
        workers=None,
        users=users,
        **window_counts(len(timed), seconds, len(timed), window, final),
        out_of_order_chats=out_of_order,
        load_before=load,
        cpu_seconds=cpu_report(
            after[3] - before[3],
            bot_cpu,
            after[1] - before[1],
            window["fake_cpu_seconds"],
            (before[2], after[2]),
        ),
        webhook=delivery.summary(),
        reply_ms=spread_ms(reply_latencies(timed, delivery, arrivals)),
        problems=delivery_problems(delivery),
    )


def window_counts(
    updates: int, seconds: float, expected: int, window: dict[str, Any], final: dict[str, Any]
) -> dict[str, Any]:
    """What the fake counted in a timed Telegram window, as a run reports it."""
    return {
        "updates": updates,
        "seconds": round(seconds, 3),
        "updates_per_s": round(updates / seconds, 1),
        "replies_expected": expected,
        "replies": window["sent"],
        "extra_replies_after": final["window"]["sent"] - window["sent"],
        "fake_errors": final["window"]["errors"],
        "fake_connections": window["connections"],
    }


async def after_grace(
    fake: WebhookFakeProcess, stats: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The timed window once every expected reply is in; then, after a grace period, the
    final counts (replies beyond the expected ones show there)."""
    window = stats["window"]
    if window["sent"] < window["target"] or window["seconds"] is None:
        raise RuntimeError(f"only {window['sent']} of {window['target']} replies arrived")
    await asyncio.sleep(GRACE)
    return window, await fake.stats()


def as_items(timed: Sequence[Timed]) -> list[dict[str, Any]]:
    return [{"user": t.user, "text": t.text} for t in timed]


def paired(
    timed: Sequence[Timed], made: Sequence[dict[str, Any]]
) -> list[tuple[int, dict[str, Any]]]:
    return [(t.user, update) for t, update in zip(timed, made, strict=True)]


def delivery_problems(delivery: Delivery) -> list[str]:
    return webhook_problems(delivery.summary())


def webhook_problems(webhook: dict[str, Any]) -> list[str]:
    problems = []
    if webhook["undelivered"]:
        problems.append(f"{webhook['undelivered']} updates never accepted by the webhook")
    if webhook["failed_attempts"]:
        problems.append(
            f"{webhook['failed_attempts']} webhook attempts failed (retried): {webhook['statuses']}"
        )
    return problems


async def settle(database: Database, limit: float) -> None:
    """Until the outbox has nothing left to send (the webhook answered every update)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        backlog = await outbox_backlog(database)
        if backlog.get("dead"):
            raise RuntimeError(f"outbox dead letters during setup: {backlog}")
        if not backlog.get("pending") and not backlog.get("sending"):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"setup step did not settle in {limit} s")


async def onboard_all(
    fake: WebhookFakeProcess,
    session: aiohttp.ClientSession,
    url: str,
    database: Database,
    users: Sequence[int],
    code: str,
    args: argparse.Namespace,
) -> None:
    """Everybody onboards through the webhook and ends up at Aim's first question."""
    for step in ONBOARDING:
        items = step_updates(step, users, code)
        made = await fake.make(items)
        pairs = [(int(item["user"]), update) for item, update in zip(items, made, strict=True)]
        delivery = await deliver(session, url, pairs, args.connections)
        if delivery.undelivered:
            raise RuntimeError(f"onboarding: {delivery_problems(delivery)}")
        await settle(database, args.timeout)
    async with database.sessions() as session_:
        states = list((await session_.execute(select(ConversationState.data))).scalars())
    started = sum(1 for s in states if s.get("conv") == CONVERSATION and s.get("onboarded"))
    if started != len(users):
        raise RuntimeError(f"only {started} of {len(users)} people are in {CONVERSATION!r}")


async def run_c2cbot_telegram(
    name: str,
    kind: str,
    workers: int,
    timed: Sequence[Timed],
    users: Sequence[int],
    args: argparse.Namespace,
    number: int,
) -> TelegramRun:
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(scratch_database(kind, args.postgres, number))
        fake = await stack.enter_async_context(WebhookFakeProcess(TOKEN))
        port = free_port()
        env = base_environment(url, port, args.scratch, args.event_loop)
        env |= {
            "C2C_TELEGRAM_TOKEN": TOKEN,
            "C2C_TELEGRAM_API_URL": fake.api_url,
            "C2C_TELEGRAM_MODE": "webhook",
            "C2C_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "C2C_BENCH_RELAXED_LIMITS": "1",
            "PYTHONPATH": os.pathsep.join(
                filter(None, (str(args.scratch / "site"), env["PYTHONPATH"]))
            ),
        }
        command = Command(env, args.scratch)
        setup_started = time.perf_counter()
        code = await prepared(command, len(users) + 10)
        served = await stack.enter_async_context(Served(command, workers, name))
        relaxed = served.stderr().count(RELAXED_MARK)
        if relaxed < 1:
            raise RuntimeError("the relaxed send limits did not reach c2cbot's processes")
        database = Database(url)
        stack.push_async_callback(database.close)
        endpoint = f"http://127.0.0.1:{port}/telegram"
        session = await stack.enter_async_context(webhook_session(args.connections))
        log(f"[{name}] onboarding {len(users)} people through the webhook (untimed) …")
        await onboard_all(fake, session, endpoint, database, users, code, args)
        setup_seconds = time.perf_counter() - setup_started
        before_answers = await stored_answers(database)
        expect = sum(t.replies for t in timed)
        made = await fake.make(as_items(timed), timed=True, expect=expect)
        log(f"[{name}] setup took {setup_seconds:.1f} s; timed: {len(timed)} updates …")
        load = load_average()
        database_name = make_url(url).database if kind == "postgresql" else None
        before = (served.ticks(), Cpu.now(database_name), time.monotonic())
        await fake.begin()
        delivery = await deliver(session, endpoint, paired(timed, made), args.connections)
        stats = await fake.wait_sent(args.timeout)
        after = (served.ticks(), Cpu.now(database_name), time.monotonic())
        window, final = await after_grace(fake, stats)
        replies = await fake.replies()
        arrivals = await fake.arrivals()
        stored = await stored_answers(database) - before_answers
        backlog = await outbox_backlog(database)
        logs = served.log_report()
    seconds = float(window["seconds"])
    generic = after[1].since(before[1], window["fake_cpu_seconds"])
    out_of_order = sum(1 for user in set(users) if not progress_in_order(replies.get(user, [])))
    run = TelegramRun(
        name=name,
        bot="c2cbot",
        mode="webhook",
        database=kind,
        workers=workers,
        users=len(users),
        **window_counts(len(timed), seconds, expect, window, final),
        out_of_order_chats=out_of_order,
        load_before=load,
        cpu_seconds=cpu_report(
            after[2] - before[2],
            cpu_between(before[0], after[0]),
            generic["process"] or 0.0,
            window["fake_cpu_seconds"],
            (before[1].machine, after[1].machine),
            generic["postgres_server"],
        ),
        stored_answers=stored,
        outbox=backlog,
        webhook=delivery.summary(),
        reply_ms=spread_ms(reply_latencies(timed, delivery, arrivals)),
        setup_seconds=round(setup_seconds, 1),
        logs=logs,
    )
    run.problems = telegram_problems(run, len(timed))
    return run


def lost_claims(logs: dict[str, Any] | None, workers: int | None) -> str:
    """A worker that took back another's outbox messages "of a process that died" while no
    worker died: a live worker's claimant connection was closed (from outside: tests on a
    shared server terminate such connections), so its messages may go twice."""
    if not logs or not workers:
        return ""
    taken = sum(n for kind, n in logs["kinds"].items() if "of a process that died" in kind)
    if not taken or logs["worker_starts"] > workers:
        return ""
    return (
        "a live worker's outbox claims were taken back as a dead process's (its claimant "
        "connection was closed): replies may repeat"
    )


def telegram_problems(run: TelegramRun, updates: int) -> list[str]:
    problems = [
        f"{run.stored_answers} answers stored for {updates} updates"
        if run.stored_answers != updates
        else "",
        f"outbox not fully sent {GRACE} s after the last expected reply: {run.outbox}"
        if run.outbox is not None and set(run.outbox) != {"sent"}
        else "",
        f"{run.extra_replies_after} replies more than expected" if run.extra_replies_after else "",
        f"{run.fake_errors} error answers from the fake" if run.fake_errors else "",
        f"{run.out_of_order_chats} chats whose replies' question numbers did not rise"
        if run.out_of_order_chats
        else "",
        f"{run.logs['error_lines']} error lines in the workers' log"
        if run.logs and run.logs["error_lines"]
        else "",
        f"workers started {run.logs['worker_starts']} times for {run.workers}"
        if run.logs and run.workers and run.workers > 1 and run.logs["worker_starts"] != run.workers
        else "",
    ]
    problems.append(lost_claims(run.logs, run.workers))
    if run.webhook is not None:
        problems += webhook_problems(run.webhook)
    return [p for p in problems if p]


# ----- WeChat runs


@dataclass
class WeChatRun:
    name: str
    workers: int
    database: str
    result: dict[str, Any]
    inbound_stored: int
    inbound_expected: int
    answers_stored: int
    api_replies_missing: int
    catch_up_seconds: float  # after the load: until all stored and sent, or stalled
    load_before: list[float]
    cpu_seconds: dict[str, float | None]
    logs: dict[str, Any]
    problems: list[str] = field(default_factory=list)


async def drained(
    database: Database, quiet: float, expected: int | None = None
) -> tuple[dict[str, int], float]:
    """The bot's counts, and the seconds it took, once its outbox has nothing pending or
    sending and either ``expected`` messages are stored or none was stored for ``quiet``
    seconds (the engine may still hold messages it confirmed early), or after
    ``DRAIN_TIMEOUT`` seconds."""
    started = time.monotonic()
    deadline = started + DRAIN_TIMEOUT
    last, changed = -1, started
    while True:
        found = await counts(database)
        stored = found.get("inbound", 0)
        if stored != last:
            last, changed = stored, time.monotonic()
        idle = not found.get("outbox_pending") and not found.get("outbox_sending")
        done = expected is not None and stored >= expected
        stalled = time.monotonic() - changed >= quiet
        if (idle and (done or stalled)) or time.monotonic() > deadline:
            return found, round(time.monotonic() - started, 1)
        await asyncio.sleep(0.2)


async def run_c2cbot_wechat(
    name: str, workers: int, args: argparse.Namespace, number: int
) -> WeChatRun:
    rate = args.wechat_rate
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(scratch_database("postgresql", args.postgres, number))
        fake = await stack.enter_async_context(FakeWeChat())
        port = free_port()
        env = base_environment(url, port, args.scratch, args.event_loop)
        env |= {
            "C2C_WECHAT_APP_ID": APP_ID,
            "C2C_WECHAT_APP_SECRET": APP_SECRET,
            "C2C_WECHAT_TOKEN": CALLBACK_TOKEN,
            "C2C_WECHAT_AES_KEY": AES_KEY,
            "C2C_WECHAT_API_URL": fake.api_url,
        }
        command = Command(env, args.scratch)
        code = await prepared(command, args.wechat_users + 10)
        served = await stack.enter_async_context(Served(command, workers, name))
        database = Database(url)
        stack.push_async_callback(database.close)
        callback = f"http://127.0.0.1:{port}/wechat"
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=connector, timeout=timeout)
        )
        log(f"[{name}] {args.wechat_users} followers follow (untimed) …")
        await follow_all(session, callback, args.wechat_users, code)
        start_counts, _ = await drained(database, args.quiet, args.wechat_users)
        fake.received.clear()
        fake.requests.clear()
        typed = await scripts(args.wechat_users)
        requests = plan(rate, args.wechat_seconds, args.wechat_users, typed)
        log(f"[{name}] {len(requests)} sealed texts at {rate:g}/s …")
        load = load_average()
        before = (served.ticks(), Cpu.now(make_url(url).database))
        outcomes, start, late = await open_loop(session, callback, requests)
        elapsed = time.monotonic() - start
        after = (served.ticks(), Cpu.now(make_url(url).database))
        expected = start_counts.get("inbound", 0) + len(requests)
        final, catching_up = await drained(database, args.quiet, expected)
        logs = served.log_report()
    shape = argparse.Namespace(seconds=args.wechat_seconds, users=args.wechat_users)
    result: Result = summarise(rate, shape, 0.0, requests, outcomes, fake, start, late, final)
    generic = after[1].since(before[1], None)
    result.loadavg_before = tuple(load)  # type: ignore[assignment]
    bot_cpu = cpu_between(before[0], after[0])
    result.bot_cpu_share = round(bot_cpu / elapsed, 2)
    result.generator_cpu_share = round((generic["process"] or 0) / elapsed, 2)
    inbound = final.get("inbound", 0) - start_counts.get("inbound", 0)
    run = WeChatRun(
        name=name,
        workers=workers,
        database="postgresql",
        result={k: v for k, v in asdict(result).items() if k != "deadline"}
        | {"passive_share": round(result.passive_share, 4)},
        inbound_stored=inbound,
        inbound_expected=len(requests),
        answers_stored=final.get("answers", 0) - start_counts.get("answers", 0),
        api_replies_missing=result.success - result.api_answered_requests,
        catch_up_seconds=catching_up,
        load_before=load,
        cpu_seconds=cpu_report(
            elapsed,
            bot_cpu,
            generic["process"] or 0.0,
            None,
            (before[1].machine, after[1].machine),
            generic["postgres_server"],
        ),
        logs=logs,
    )
    run.problems = wechat_problems(run, result)
    return run


def wechat_problems(run: WeChatRun, result: Result) -> list[str]:
    problems = list(result.problems)
    if run.inbound_stored != run.inbound_expected:
        problems.append(f"{run.inbound_stored} messages stored for {run.inbound_expected} sent")
    if run.api_replies_missing:
        problems.append(f"{run.api_replies_missing} requests answered 'success' got no API reply")
    if result.errors:
        problems.append(f"callback errors: {result.errors}")
    if run.logs["error_lines"]:
        problems.append(f"{run.logs['error_lines']} error lines in the workers' log")
    if run.workers > 1 and run.logs["worker_starts"] != run.workers:
        problems.append(f"workers started {run.logs['worker_starts']} times for {run.workers}")
    return [p for p in [*problems, lost_claims(run.logs, run.workers)] if p]


# ----- reporting


def _cell(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def _share(part: float | None, whole: float) -> str:
    return "-" if part is None or not whole else f"{part / whole:.0%}"


def aligned(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def telegram_table(runs: Sequence[TelegramRun]) -> str:
    rates = {r.name: r.updates_per_s for r in runs if r.bot == "echo"}
    header = (
        "telegram run",
        "updates",
        "seconds",
        "updates/s",
        "× echo poll",
        "× echo hook",
        "reply p50/p99 ms",
        "bot CPU",
        "postgres",
        "fake CPU",
        "other",
        "load before",
        "checks",
    )
    rows = [header]
    for r in runs:
        cpu, s = r.cpu_seconds, r.cpu_seconds["phase_seconds"] or r.seconds
        rows.append(
            (
                r.name,
                str(r.updates),
                f"{s:.2f}",
                f"{r.updates_per_s:.1f}",
                _cell(
                    r.updates_per_s / rates["echo-polling"] if "echo-polling" in rates else None,
                    ".2f",
                ),
                _cell(
                    r.updates_per_s / rates["echo-webhook"] if "echo-webhook" in rates else None,
                    ".2f",
                ),
                "-" if r.reply_ms is None else f"{r.reply_ms['p50']}/{r.reply_ms['p99']}",
                _share(cpu["bot"], s),
                _share(cpu["postgres_server"], s),
                _share(cpu["fake_api"], s),
                _share(cpu["other"], s),
                str(r.load_before[0]),
                "FAILED" if r.problems else "ok",
            )
        )
    return aligned(rows)


def wechat_table(runs: Sequence[WeChatRun]) -> str:
    header = (
        "wechat run",
        "rate/s",
        "requests",
        "p50 ms",
        "p99 ms",
        "max ms",
        "passive",
        "via API",
        "stored",
        "catch-up s",
        "bot CPU",
        "postgres",
        "other",
        "load before",
        "checks",
    )
    rows = [header]
    for r in runs:
        res, cpu, s = r.result, r.cpu_seconds, r.cpu_seconds["phase_seconds"] or 0
        rows.append(
            (
                r.name,
                f"{res['rate']:g}",
                str(res["requests"]),
                str(res["callback"]["p50_ms"]),
                str(res["callback"]["p99_ms"]),
                str(res["callback"]["max_ms"]),
                f"{res['passive_share']:.1%}",
                f"{res['success'] / res['requests']:.1%}" if res["requests"] else "-",
                f"{r.inbound_stored}/{r.inbound_expected}",
                f"{r.catch_up_seconds:g}",
                _share(cpu["bot"], s),
                _share(cpu["postgres_server"], s),
                _share(cpu["other"], s),
                str(r.load_before[0]),
                "FAILED" if r.problems else "ok",
            )
        )
    return aligned(rows)


def verdicts(telegram: Sequence[TelegramRun], wechat: Sequence[WeChatRun]) -> dict[str, Any]:
    """Issue 17's goals, against what was measured (None where a run was left out)."""
    by_name = {r.name: r for r in telegram}
    echo = by_name.get("echo-polling")
    two = by_name.get("tg-pg-2")
    ratio = round(two.updates_per_s / echo.updates_per_s, 2) if echo and two else None
    hook = by_name.get("echo-webhook")
    ratio_hook = round(two.updates_per_s / hook.updates_per_s, 2) if hook and two else None
    wechat_two = next((r for r in wechat if r.workers == 2), None)
    p99 = wechat_two.result["callback"]["p99_ms"] if wechat_two else None
    passive = wechat_two.result["passive_share"] if wechat_two else None
    return {
        "telegram_2_workers_x_echo_polling": ratio,
        "telegram_2_workers_x_echo_webhook": ratio_hook,
        "telegram_goal_x_echo": TARGET_RATIO,
        "telegram_goal_met": None if ratio is None else ratio >= TARGET_RATIO,
        "wechat_2_workers_p99_ms": p99,
        "wechat_2_workers_passive_share": passive,
        "wechat_goal": {"p99_ms_below": TARGET_P99 * 1000, "passive_at_least": TARGET_PASSIVE},
        "wechat_goal_met": None
        if p99 is None or passive is None
        else p99 < TARGET_P99 * 1000 and passive >= TARGET_PASSIVE,
    }


def document(
    args: argparse.Namespace,
    telegram: Sequence[TelegramRun],
    wechat: Sequence[WeChatRun],
    started: float,
) -> dict[str, Any]:
    host = machine("postgresql", args.postgres_version)
    host.update(
        load_average_at_start=args.load_at_start,
        python_telegram_bot=_version("python-telegram-bot"),
        aiohttp=_version("aiohttp"),
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "code": code_version(),
        "total_seconds": round(time.monotonic() - started, 1),
        "settings": {
            "updates": args.updates,
            "users": args.users,
            "order": args.order,
            "seed": args.seed,
            "connections": args.connections,
            "wechat_rate": args.wechat_rate,
            "wechat_seconds": args.wechat_seconds,
            "wechat_users": args.wechat_users,
            "runs": args.runs,
            "event_loop": args.event_loop,
        },
        "telegram": [asdict(r) for r in telegram],
        "wechat": [asdict(r) for r in wechat],
        "goals": verdicts(telegram, wechat),
        "notes": [
            "every c2cbot run is `c2cbot seed`, `c2cbot invite` and `c2cbot run --workers N` "
            "as subprocesses on a fresh database and a free loopback port",
            f"c2cbot's Telegram runs use relaxed send limits ({RELAXED_LIMITS}) through a "
            "sitecustomize on PYTHONPATH; WeChat runs use the settings unchanged",
            "telegram seconds: from posting the first timed update to the fake's receipt of "
            "the last expected sendMessage (the fake Bot API runs in a process of its own)",
            "echo-polling runs as bench/telegram_throughput.py runs it: the bot in the "
            "generator's process, polling; echo-webhook runs in a process of its own and "
            "answers a webhook request before handling the update (PTB's webhook server "
            "does the same), c2cbot answers after storing it",
            "cpu_seconds over the timed phase: bot = the command's processes (supervisor and "
            "workers), generator = this process (for WeChat also the fake WeChat API), "
            "postgres_server = the scratch database's backends, other = the rest of the "
            "machine's busy time (other load on a shared machine)",
            "wechat: bench/wechat_latency.py's open-loop generator and checks; stored = "
            "inbound messages stored during the timed phase / texts sent",
        ],
    }


# ----- main


async def main(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    args.load_at_start = load_average()
    server = Database(args.postgres)
    try:
        args.postgres_version = await server_version(server)
    finally:
        await server.close()
    settings = Settings(_env_file=None)
    conversation = load_all(settings.conversations_dir)[CONVERSATION]
    answers = await answer_plan(
        conversation, Catalogues(settings.locale_dir, settings.default_language)
    )
    users = [FIRST_USER + n for n in range(args.users)]
    timed = timed_updates(users, answers, conversation, args)
    telegram: list[TelegramRun] = []
    wechat: list[WeChatRun] = []
    with tempfile.TemporaryDirectory(prefix="c2cbot-bench-workers-") as scratch:
        args.scratch = Path(scratch)
        (args.scratch / "site").mkdir()
        (args.scratch / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
        for number, name in enumerate(args.runs):
            log(f"[{name}] load average {load_average()} …")
            if name == "echo-polling":
                load = load_average()
                telegram.append(echo_from(await run_echo(timed, len(users), args), name, load))
            elif name == "echo-webhook":
                telegram.append(await run_echo_webhook(timed, len(users), args))
            elif name.startswith("tg-"):
                _tg, kind, count = name.split("-")
                database = "postgresql" if kind == "pg" else "sqlite"
                run = await run_c2cbot_telegram(
                    name, database, int(count), timed, users, args, number
                )
                telegram.append(run)
            else:
                workers = int(name.rsplit("-", 1)[1])
                wechat.append(await run_c2cbot_wechat(name, workers, args, number))
            if telegram:
                log("\n" + telegram_table(telegram))
            if wechat:
                log("\n" + wechat_table(wechat))
        if args.keep_logs:
            keep = RESULTS / f"workers-logs-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            keep.mkdir(parents=True, exist_ok=True)
            for path in args.scratch.glob("*.err"):
                (keep / path.name).write_bytes(path.read_bytes())
                out = path.with_suffix(".out")
                (keep / out.name).write_bytes(out.read_bytes())
            log(f"logs kept in {keep}")
    result = document(args, telegram, wechat, started)
    report(result, telegram, wechat, args)
    return result


def report(
    result: dict[str, Any],
    telegram: Sequence[TelegramRun],
    wechat: Sequence[WeChatRun],
    args: argparse.Namespace,
) -> None:
    out = sys.stderr if args.json else sys.stdout
    lines = [
        f"\n{result['date']}  {result['machine']['cpu_model']} × {result['machine']['nproc']}"
        f"  commit {result['code'].get('commit')}  load at start {args.load_at_start}",
        f"c2cbot Telegram runs: relaxed send limits ({RELAXED_LIMITS})",
        f"c2cbot's event loop: C2C_EVENT_LOOP={args.event_loop}",
    ]
    if telegram:
        lines += ["", telegram_table(telegram)]
    if wechat:
        lines += ["", wechat_table(wechat)]
    lines.append("")
    for run in telegram:
        lines += [f"{run.name}: {problem}" for problem in run.problems]
    for other in wechat:
        lines += [f"{other.name}: {problem}" for problem in other.problems]
    logged = [(r.name, r.logs) for r in telegram if r.logs] + [(r.name, r.logs) for r in wechat]
    for name, logs in logged:
        lines += [f"{name} log: {n} × {kind}" for kind, n in list(logs["kinds"].items())[:5]]
    lines.append(f"goals: {json.dumps(result['goals'])}")
    print("\n".join(lines), file=out, flush=True)
    text_ = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if not args.no_file:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"workers-{datetime.now(UTC):%Y-%m-%dT%H%M%S}.json"
        path.write_text(text_)
        log(f"wrote {path}")
    if args.json:
        sys.stdout.write(text_)
        sys.stdout.flush()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "c2cbot run --workers N measured as an operator runs it: Telegram webhook "
            "throughput against an echo bot, WeChat latency, PostgreSQL against SQLite."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS), help="which")
    parser.add_argument("--updates", type=int, default=3000, help="timed Telegram updates")
    parser.add_argument("--users", type=int, default=300, help="people sending them")
    parser.add_argument("--order", choices=["random", "round-robin"], default="random")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random order")
    parser.add_argument(
        "--connections", type=int, default=40, help="webhook requests at once (max_connections)"
    )
    parser.add_argument("--wechat-rate", type=float, default=500.0, help="requests a second")
    parser.add_argument("--wechat-seconds", type=float, default=10.0, help="timed phase")
    parser.add_argument("--wechat-users", type=int, default=1000, help="distinct followers")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        metavar="URL",
        help="server for the scratch databases c2cbot_benchworkers_<pid>_<n>",
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=30.0,
        help="WeChat: after the load, give up waiting for the rest to be stored once no "
        "message was stored for this long",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for a phase")
    parser.add_argument(
        "--event-loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="C2C_EVENT_LOOP of every c2cbot command (the echo bot keeps PTB's asyncio)",
    )
    parser.add_argument("--json", action="store_true", help="the JSON on stdout, tables on stderr")
    parser.add_argument("--no-file", action="store_true", help="no JSON file under var/bench/")
    parser.add_argument("--keep-logs", action="store_true", help="copy c2cbot's logs to var/bench/")
    args = parser.parse_args(argv)
    if args.users < 1 or args.updates < args.users:
        parser.error("need at least one user and at least one update per user")
    if args.connections < 1:
        parser.error("--connections must be at least 1")
    return args


def _stop_on_sigterm(task: asyncio.Task[Any]) -> None:
    """SIGTERM cancels the run like Ctrl-C does, so every ``finally`` still cleans up."""
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    task = asyncio.current_task()
    assert task is not None
    _stop_on_sigterm(task)
    return await main(args)


if __name__ == "__main__":
    try:
        asyncio.run(_main(parse_args()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted: processes stopped, scratch databases dropped")
        sys.exit(130)
