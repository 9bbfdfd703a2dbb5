"""The outbox dispatcher: the only code that sends, with retries and dead letters.

Chats are served concurrently, but one chat's messages go strictly one after the
other, because the outbox hands out only the oldest unsent message of each chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from c2cbot.channels.base import Channel, DeliveryError
from c2cbot.channels.ratelimit import SendShare
from c2cbot.clock import Clock, system_clock
from c2cbot.flows.messages import Outbound

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_IN_FLIGHT = 200
MARK_EVERY = 0.02  # seconds between writes of "sent" marks
#: Least time between two claims while many sends are under way (BUSY). Every finished
#: send wakes the dispatcher; during a rate-limited fan-out, claiming for each one alone
#: made the claim query (a millisecond on a large SQLite outbox, on the event loop's
#: thread) the bottleneck. With few sends under way replies are claimed at once.
CLAIM_EVERY = 0.01
BUSY = 16  # sends under way; fewer than this and a reply is claimed at once
FINISH_WITHIN = 5.0  # seconds sends under way may take to finish when the bot stops
#: Seconds between looks for messages another process (sharing PostgreSQL) was sending
#: when it died; they go back to the queue then, not after the outbox's ten-minute lease.
RECOVER_EVERY = 5.0


@dataclass(frozen=True)
class _Mark:
    id: int
    external_id: str | None
    channel: str
    chat_id: str


HeldBack = Callable[[str, str], bool]  # (channel, chat_id) → a callback waits to answer


class Due(Protocol):
    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int


class Queue(Protocol):
    async def claim_due(
        self, now: datetime, limit: int = 200, held_back: HeldBack | None = None
    ) -> list[Any]: ...
    async def sent_many(self, marks: list[tuple[int, str | None]], now: datetime) -> None: ...
    async def retry(self, message_id: int, attempts: int, at: datetime, error: str) -> None: ...
    async def dead(self, message_id: int, attempts: int, error: str) -> None: ...
    async def unreachable(self, channel: str, chat_id: str) -> None: ...
    async def reroute(self, message_id: int, reason: str, now: datetime) -> bool: ...
    async def recover_abandoned(self, now: datetime) -> None: ...
    async def recover_from_gone(self) -> int: ...


class Senders(Protocol):
    """The processes sending from one outbox (``store.senders.Senders``)."""

    async def share_chats(self) -> int: ...
    async def listen_for_replies(self, heard: Callable[[], None]) -> None: ...


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at ten minutes."""
    return timedelta(seconds=min(600, 2 ** max(0, attempts - 1)))


class Dispatcher:
    def __init__(
        self,
        queue: Queue,
        channels: Mapping[str, Channel],
        *,
        on_sent: Callable[[str, str], None] = lambda _channel, _chat: None,
        clock: Clock = system_clock,
        idle_poll: float = 1.0,
        held_back: HeldBack | None = None,
        share: SendShare | None = None,
        senders: Senders | None = None,
    ) -> None:
        """``held_back``: chats whose callbacks wait to answer in place (``in_place``);
        ``share``: the channels' part of the overall send rates, kept to how many
        processes send (``senders``; without them this process sends alone)."""
        self._queue, self._channels, self._on_sent = queue, channels, on_sent
        self._held_back = held_back
        self._share, self._senders = share or SendShare(), senders
        self._clock, self._idle_poll = clock, idle_poll
        self._wake = asyncio.Event()
        self._marks: list[_Mark] = []

    def wake(self) -> None:
        """Called after a transaction wrote to the outbox, so replies go out at once."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever; each message is its own task, so a slow chat holds up no other."""
        try:
            await self._queue.recover_abandoned(self._clock())
            if self._senders is not None:  # other processes' replies for this one's chats
                await self._senders.listen_for_replies(self.wake)
            await self._share_chats()
        except Exception:  # the database may be down at start; leases recover the rest
            log.exception("could not recover messages abandoned by an earlier run")
        in_flight: set[asyncio.Task[None]] = set()
        marking = asyncio.create_task(self._mark_forever(), name="outbox-marking")
        recovering = asyncio.create_task(self._recover_forever(), name="outbox-recovery")
        claimed_at = -CLAIM_EVERY
        try:
            while True:
                if len(in_flight) >= BUSY:  # sends wait for rate limits: claim less often
                    await asyncio.sleep(max(0.0, claimed_at + CLAIM_EVERY - time.monotonic()))
                self._wake.clear()
                claimed_at = time.monotonic()
                started = await self._start_due(in_flight)
                if not started:
                    await self._idle()
        finally:
            marking.cancel()
            recovering.cancel()
            await self._finish(in_flight)

    async def _idle(self) -> None:
        """Wait for a wake-up or the idle poll. ``asyncio.timeout``, not ``wait_for``: on
        Python 3.11 ``wait_for`` swallows a cancellation that arrives as the wake-up does (a
        commit just before shutdown), and the dispatcher then never stops."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._idle_poll):
                await self._wake.wait()

    async def _finish(self, in_flight: set[asyncio.Task[None]]) -> None:
        """Let sends under way finish (briefly), then record what was sent.

        A send still unfinished after FINISH_WITHIN is cancelled: its message stays leased
        and goes out after the next start, as after a crash.
        """
        if in_flight:
            _, unfinished = await asyncio.wait(set(in_flight), timeout=FINISH_WITHIN)
            for task in unfinished:
                task.cancel()
        await self.flush_marks()  # what was sent before stopping is not sent again

    async def _recover_forever(self) -> None:
        """Now and then (PostgreSQL): take back what a process that died was sending, and
        share the chats and the send rates again among the processes alive."""
        while True:
            await asyncio.sleep(RECOVER_EVERY)
            try:
                recovered = await self._queue.recover_from_gone()
                await self._share_chats()
            except Exception:
                log.exception("could not look for messages of processes that died")
                continue
            if recovered:
                log.warning("%d outbox messages of a process that died go again", recovered)
                self._wake.set()

    async def _share_chats(self) -> None:
        if self._senders is None:
            return
        senders = await self._senders.share_chats()
        if senders != self._share.senders:
            log.info("%d processes send from the outbox; this one has its part", senders)
            self._share.senders = senders
            self._wake.set()

    async def _mark_forever(self) -> None:
        while True:
            await asyncio.sleep(MARK_EVERY)
            await self.flush_marks()

    async def flush_marks(self) -> None:
        """Record sent messages in one transaction instead of one each: the outbox's hot path.

        A chat's next message waits until its previous one is marked, at most MARK_EVERY.
        """
        marks, self._marks = self._marks, []
        if not marks:
            return
        try:
            await self._queue.sent_many([(m.id, m.external_id) for m in marks], self._clock())
        except Exception:
            log.exception("could not record %d sent messages; trying again", len(marks))
            self._marks = marks + self._marks
            return
        for mark in marks:
            self._on_sent(mark.channel, mark.chat_id)
        self._wake.set()

    async def _start_due(self, in_flight: set[asyncio.Task[None]]) -> int:
        room = MAX_IN_FLIGHT - len(in_flight)
        try:
            due = (
                await self._queue.claim_due(self._clock(), room, self._held_back)
                if room > 0
                else []
            )
        except Exception:
            log.exception("outbox dispatch failed; trying again shortly")
            return 0
        for message in due:
            task = asyncio.create_task(self._deliver(message))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        return len(due)

    async def drain_once(self) -> int:
        """Send one round of due messages (one per chat); how many were handled."""
        due = await self._queue.claim_due(self._clock(), held_back=self._held_back)
        await asyncio.gather(*(self._deliver(message) for message in due))
        await self.flush_marks()
        return len(due)

    async def _deliver(self, message: Due) -> None:
        channel = self._channels.get(message.channel)
        if channel is None:
            await self._queue.dead(
                message.id, message.attempts, f"no channel {message.channel!r} configured"
            )
            self._wake.set()
            return
        try:
            external_id = await channel.send(message.chat_id, Outbound.from_json(message.payload))
        except DeliveryError as error:
            await self._failed(message, error)
        except Exception as error:  # a bug in a channel must not stop delivery to the others
            log.exception(
                "channel %s crashed sending outbox message %s", message.channel, message.id
            )
            await self._failed(message, DeliveryError(type(error).__name__))
        else:  # the chat's next message is due once this mark is written (flush_marks wakes)
            self._marks.append(_Mark(message.id, external_id, message.channel, message.chat_id))
            return
        self._wake.set()  # retried, rerouted or dead: the queue changed, claim again

    async def _failed(self, message: Due, error: DeliveryError) -> None:
        attempts = message.attempts + 1
        if error.unreachable:
            await self._queue.unreachable(message.channel, message.chat_id)
        if error.elsewhere and await self._queue.reroute(message.id, str(error), self._clock()):
            log.info("outbox message %s goes to its person's next channel", message.id)
            return
        if error.permanent or attempts >= MAX_ATTEMPTS:
            log.warning("outbox message %s is a dead letter: %s", message.id, error)
            await self._queue.dead(message.id, attempts, str(error))
            return
        delay = timedelta(seconds=error.retry_after) if error.retry_after else backoff(attempts)
        await self._queue.retry(message.id, attempts, self._clock() + delay, str(error))
