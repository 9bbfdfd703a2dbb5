"""``c2cbot run --workers N``: N serving processes of one bot on one port and one PostgreSQL.

One ``c2cbot run`` process uses one core. Its state, schedules and outbox are in the
database, so more processes can serve the same bot: each worker is a whole ``c2cbot
run`` that listens on the same port with SO_REUSEPORT (the kernel spreads connections
among them), claims outbox messages of its part of the chats with ``FOR UPDATE SKIP
LOCKED`` (``store.outbox.Part``) and competes for the scheduler's leader lock. What
exactly one process may do, Telegram long polling, worker 0 does. This parent only
supervises: it starts the workers (each in a process group of its own, so a Ctrl-C
reaches them only through it), starts again one that dies (waiting longer each time it
dies soon after starting), and on SIGTERM or SIGINT stops them all and waits for them; a
worker whose supervisor was killed stops by itself. SQLite has one writer, so several
workers need PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field

from c2cbot.config import Settings

log = logging.getLogger(__name__)

MAX_WORKERS = 64
#: What a worker prints once it serves; the rest of the line says which and where.
SERVING = "c2cbot worker "
START_WITHIN = 60.0  # seconds a worker may take to start serving the first time
STOP_WITHIN = 30.0  # seconds workers may take to stop before they are killed
FIRST_DELAY, MAX_DELAY = 0.5, 30.0  # seconds before a worker that died starts again
STEADY = 30.0  # a worker that served this long before dying starts again at once-ish
WATCH_PARENT = 1.0  # seconds between a worker's looks at whether its supervisor lives


def refusal(settings: Settings, workers: int) -> str | None:
    """Why these settings cannot run ``workers`` processes, or None if they can."""
    if not 1 <= workers <= MAX_WORKERS:
        return f"--workers must be between 1 and {MAX_WORKERS}, not {workers}"
    if workers == 1:
        return None
    if not settings.database_url.startswith("postgresql"):
        return (
            "--workers above 1 needs PostgreSQL (C2C_DATABASE_URL=postgresql+asyncpg://…): "
            "SQLite has one writer, so more processes would only wait for each other"
        )
    if settings.http_port == 0:
        return "--workers above 1 needs a fixed C2C_HTTP_PORT: the workers share it"
    if settings.metrics_port and settings.metrics_port + workers - 1 > 65535:
        return f"C2C_METRICS_PORT leaves no room for {workers} workers' metrics (port + index)"
    return None


def metrics_port(settings: Settings, index: int) -> int:
    """Worker ``index``'s metrics listener: C2C_METRICS_PORT + index (0 stays any port)."""
    return settings.metrics_port + index if settings.metrics_port else 0


@dataclass
class Worker:
    """One serving process, as the supervisor knows it."""

    index: int
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0
    early_deaths: int = 0  # in a row, each soon after starting
    serving: asyncio.Event = field(default_factory=asyncio.Event)
    relay: asyncio.Task[None] | None = None

    def delay(self) -> float:
        """How long to wait before starting it again: longer each time it died early."""
        if self.early_deaths == 0:
            return 0.0
        return min(MAX_DELAY, FIRST_DELAY * 2.0 ** (self.early_deaths - 1))


class Supervisor:
    """Starts ``count`` workers, keeps them running, stops them together."""

    def __init__(self, count: int, address: str) -> None:
        """``address`` is where the workers listen, for the banner (http://host:port)."""
        self.workers = [Worker(index) for index in range(count)]
        self.address = address
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> int:
        """Serve until stopped; 1 if a worker could not start in the first place."""
        await asyncio.gather(*(self._start(worker) for worker in self.workers))
        if not await self._all_serving():
            await self._stop_all()
            return 1
        count = len(self.workers)
        print(f"c2cbot is running with {count} workers. Browser chat: {self.address}/chat")
        sys.stdout.flush()
        keeping = [asyncio.create_task(self._keep(worker)) for worker in self.workers]
        await self._stopping.wait()
        for task in keeping:
            task.cancel()
        await asyncio.gather(*keeping, return_exceptions=True)
        await self._stop_all()
        return 0

    async def _all_serving(self) -> bool:
        for worker in self.workers:
            if not await self._serves(worker, START_WITHIN):
                log.error("worker %d did not start; stopping", worker.index)
                return False
        return True

    async def _serves(self, worker: Worker, within: float) -> bool:
        """Whether the worker says it serves before it exits, or ``within`` seconds pass."""
        assert worker.process is not None
        waits = {
            asyncio.create_task(worker.serving.wait()),
            asyncio.create_task(worker.process.wait()),
        }
        _done, pending = await asyncio.wait(
            waits, timeout=within, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        return worker.serving.is_set()

    async def _start(self, worker: Worker) -> None:
        worker.serving.clear()
        command = [sys.executable, "-m", "c2cbot.cli", "run"]
        command += ["--workers", str(len(self.workers)), "--worker-of", str(os.getpid())]
        command += ["--worker-index", str(worker.index)]
        # A session of its own: Ctrl-C at the terminal reaches the supervisor alone, which
        # stops the workers in order (uvloop knows no ``process_group``).
        worker.process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, start_new_session=True
        )
        worker.started = time.monotonic()
        worker.relay = asyncio.create_task(self._relay(worker, worker.process))
        log.info("worker %d started (pid %d)", worker.index, worker.process.pid)

    async def _relay(self, worker: Worker, process: asyncio.subprocess.Process) -> None:
        """Pass the worker's standard output on, and notice when it says it serves."""
        assert process.stdout is not None
        async for line in process.stdout:
            text = line.decode(errors="replace")
            if text.startswith(SERVING):
                worker.serving.set()
            sys.stdout.write(text)
            sys.stdout.flush()

    async def _keep(self, worker: Worker) -> None:
        """Start the worker again whenever it exits, until the supervisor stops."""
        while True:
            assert worker.process is not None
            code = await worker.process.wait()
            if self._stopping.is_set():
                return
            lived = time.monotonic() - worker.started
            worker.early_deaths = 0 if lived >= STEADY else worker.early_deaths + 1
            delay = worker.delay()
            log.error(
                "worker %d (pid %d) exited with %s after %.0f s; starting it again in %.1f s",
                *(worker.index, worker.process.pid, code, lived, delay),
            )
            await asyncio.sleep(delay)
            await self._start(worker)

    async def _stop_all(self) -> None:
        """SIGTERM to every worker, then wait; SIGKILL for any still running after a while."""
        running = [w.process for w in self.workers if w.process and w.process.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        waiting = asyncio.gather(*(process.wait() for process in running))
        try:
            await asyncio.wait_for(waiting, STOP_WITHIN)
        except TimeoutError:
            for process in running:
                if process.returncode is None:
                    log.error("worker pid %d did not stop; killing it", process.pid)
                    process.kill()
            await asyncio.gather(*(process.wait() for process in running))
        relays = [w.relay for w in self.workers if w.relay is not None]
        await asyncio.gather(*relays, return_exceptions=True)


async def supervise(settings: Settings, count: int) -> int:
    """Run ``count`` workers until SIGINT or SIGTERM; the command's exit status."""
    host = f"[{settings.http_host}]" if ":" in settings.http_host else settings.http_host
    supervisor = Supervisor(count, f"http://{host}:{settings.http_port}")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, supervisor.stop)
    return await supervisor.run()


async def orphaned(parent: int) -> None:
    """Return once the supervisor ``parent`` is gone (killed): a worker then stops too,
    rather than serving on unsupervised and holding the port."""
    while True:
        if os.getppid() != parent:
            return
        await asyncio.sleep(WATCH_PARENT)
