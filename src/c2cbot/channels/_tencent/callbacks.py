"""A callback's message through the engine, within the platform's patience.

WeChat and WeCom wait five seconds for a callback's answer and then send the message
again. So the engine runs in a task of its own that no request can cancel (a dropped
connection must not roll back a transaction), the callback waits for it as long as it
can afford, and a message confirmed before the engine stored it is kept in the inbound
journal first, since neither platform sends a confirmed message again. Whether a
callback waits at all depends on how long its run is expected to take (``admission``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from c2cbot.channels._tencent.admission import ExpectedWait
from c2cbot.channels._tencent.xml import MAX_BODY, UnsafeXml, read_message
from c2cbot.channels.base import InboundJournal
from c2cbot.flows.messages import Inbound

log = logging.getLogger(__name__)

InboundHandler = Callable[[Inbound], Awaitable[object]]

#: Seconds WeChat and WeCom wait for a callback's answer (5), less a margin.
CALLBACK_PATIENCE = 4.8
MIN_JOURNAL_WAIT = 0.1  # seconds a callback gives the journal at the least
CHUNK = 64 * 1024
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds have ten digits until the year 2286


class Refused(Exception):
    """A callback we do not accept; ``status`` is the HTTP answer, ``reason`` is for the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def timestamp_seconds(timestamp: str) -> int | None:
    """A callback's timestamp as Unix seconds; ``None`` unless it is a few ASCII digits
    (``int`` would take "١٧" but fail on "²" or on 5,000 digits)."""
    if timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS:
        return int(timestamp)
    return None


async def read_body(request: web.Request) -> bytes:
    """The request body, refused with 413 as soon as it passes ``MAX_BODY``."""
    if (request.content_length or 0) > MAX_BODY:
        raise Refused(413, "body too large")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def read_xml(body: bytes) -> dict[str, str]:
    try:
        return read_message(body)
    except UnsafeXml as problem:
        raise Refused(400, str(problem)) from None


class CallbackRunner:
    """The engine runs of one channel's callbacks, each in a task of its own."""

    def __init__(
        self,
        platform: str,
        on_inbound: InboundHandler,
        journal: InboundJournal | None,
        expected_wait: ExpectedWait | None = None,
    ) -> None:
        self._platform, self._on_inbound, self._journal = platform, on_inbound, journal
        self._expected = expected_wait or ExpectedWait(time.monotonic)
        self._running: dict[str, asyncio.Task[object]] = {}
        self._tasks: set[asyncio.Task[object]] = set()

    def running(self, inbound: Inbound) -> bool:
        """Whether this message is being handled (the platform's retry of it came)."""
        return inbound.dedupe_key in self._running

    @property
    def in_flight(self) -> int:
        """Engine runs not finished yet: how far behind the engine is."""
        return len(self._tasks)

    def worth_waiting(self, deadline: float) -> float:
        """Seconds a callback should wait for a run started now; 0 to confirm at once.

        Not the whole ``deadline`` when the run is expected to end well within it, and
        nothing when it is not: then holding the platform's request would only delay an
        answer that will not come in time (``admission``).
        """
        return self._expected.worth_waiting(deadline)

    def start(self, inbound: Inbound) -> asyncio.Task[object]:
        """The engine in a task of its own that outlives the callback that started it."""
        key, name = inbound.dedupe_key, f"{self._platform} {inbound.in_logs}"
        task = asyncio.create_task(self._on_inbound_of(inbound), name=name)
        self._running[key] = task
        self._tasks.add(task)
        started_at = self._expected.started()
        task.add_done_callback(lambda done: self._finished(key, done, started_at))
        return task

    async def _on_inbound_of(self, inbound: Inbound) -> object:
        return await self._on_inbound(inbound)

    def _finished(self, key: str, task: asyncio.Task[object], started_at: float) -> None:
        self._tasks.discard(task)
        self._expected.finished(started_at)
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("handling %s failed", task.get_name(), exc_info=task.exception())

    async def keep(self, inbound: Inbound, task: asyncio.Task[object], within: float) -> None:
        """Before the callback confirms a message the engine still has.

        Kept in the journal, it is handled at the next start if the process dies first.
        If the database cannot take it ``within`` seconds, the platform's patience wins:
        the callback confirms anyway (logged) and the journal keeps it as soon as it can.
        Raises if keeping failed: the callback must then not confirm.
        """
        journal = self._journal
        if journal is None or task.done():
            return
        keeping = asyncio.ensure_future(journal.keep(inbound))
        keeping.add_done_callback(_retrieved)
        try:
            await asyncio.wait_for(asyncio.shield(keeping), max(MIN_JOURNAL_WAIT, within))
        except TimeoutError:
            log.warning("confirmed %s before the journal kept it", inbound.in_logs)

        def forget(done: asyncio.Task[object]) -> None:
            if not done.cancelled() and done.exception() is None:
                journal.forget(inbound)

        task.add_done_callback(forget)

    async def settle(self) -> None:
        """Wait until every engine run started so far is done (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _retrieved(keeping: asyncio.Future[None]) -> None:
    """A keep that finished after its callback stopped waiting: its failure is logged there."""
    if not keeping.cancelled():
        keeping.exception()
