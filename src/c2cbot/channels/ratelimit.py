"""Token buckets that keep a channel under its platform's flood limits.

Telegram answers a bot that sends too fast with 429 and a forced pause for the whole
chat, so it is cheaper to wait a little before each message than to be told off.
Pure asyncio with an injectable clock, so tests run the limits without real waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

EPSILON = 1e-9
MAX_IDLE_BUCKETS = 10_000


class Clock(Protocol):
    """Where the limiter reads the time and waits; a fake one makes tests instant."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The monotonic clock and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


@dataclass(frozen=True)
class Rate:
    """``per_second`` on average with bursts of up to ``burst`` messages.

    A bucket with this rate never lets more than ``burst + per_second * t`` messages
    through in any span of ``t`` seconds: that is the bound platforms measure.
    """

    per_second: float
    burst: float = 1.0

    @classmethod
    def per_minute(cls, count: float, burst: float = 1.0) -> Rate:
        return cls(count / 60, burst)


class SendShare:
    """This process's part of the rate a platform allows one app overall.

    Several processes sending for one bot (``--workers``, or several machines on one
    PostgreSQL) would each keep to the whole overall rate and together exceed it; so
    each keeps to 1/``senders`` of it. The dispatcher sets ``senders`` from the outbox's
    live claimants every few seconds (``store/claimants.py``); alone, it stays 1.
    """

    def __init__(self, senders: int = 1) -> None:
        self.senders = max(1, senders)

    def of(self, rate: Rate) -> Rate:
        """``rate`` split among the senders; a burst of at least one message."""
        if self.senders == 1:
            return rate
        return Rate(rate.per_second / self.senders, max(1.0, rate.burst / self.senders))


class TokenBucket:
    """One bucket; tokens are taken only when the caller is really about to send.

    With a ``share`` the bucket keeps to this process's part of ``rate`` (an overall
    bucket shared by several processes), as it is at each refill.
    """

    def __init__(self, rate: Rate, clock: Clock, share: SendShare | None = None) -> None:
        self._whole, self._share, self._clock = rate, share, clock
        self._tokens, self._updated = self.rate.burst, clock.now()
        self._queue: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait behind everyone who asked for this bucket earlier: first come, first served."""
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self._queue:
            mine.set_result(None)
        self._queue.append(mine)
        try:
            await mine
            yield
        finally:
            first = self._queue[0] is mine
            self._queue.remove(mine)
            if first and self._queue:
                self._queue[0].set_result(None)

    async def ready(self, clock: Clock) -> None:
        """Return when a token is free, without taking it."""
        while (wait := self.wait_time()) > 0:
            await clock.sleep(wait)

    @property
    def rate(self) -> Rate:
        """The rate this bucket keeps to now."""
        return self._whole if self._share is None else self._share.of(self._whole)

    @property
    def waiting(self) -> int:
        """Callers queued for this bucket, the one being served included."""
        return len(self._queue)

    def _refill(self) -> None:
        now, rate = self._clock.now(), self.rate
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(rate.burst, self._tokens + elapsed * rate.per_second)
        self._updated = now

    def wait_time(self) -> float:
        """Seconds until a token is free; 0 when one is free now."""
        self._refill()
        missing = 1.0 - self._tokens
        return 0.0 if missing <= EPSILON else missing / self.rate.per_second

    def take(self) -> None:
        self._refill()
        self._tokens -= 1.0

    @property
    def full(self) -> bool:
        """A full bucket remembers nothing, so it can be forgotten and rebuilt later."""
        self._refill()
        return self._tokens >= self.rate.burst - EPSILON


async def acquire_all(buckets: Sequence[TokenBucket], clock: Clock) -> None:
    """Wait until every bucket has a token, then take them all at once, first come first served.

    Tokens are taken together and only when all are free, so a message waiting for its
    chat does not hold a token of the overall bucket it is not using yet. Each bucket
    serves its waiters in arrival order, one at a time: the caller queues for the first
    bucket, waits until it has a token, then queues for the next, and so on. Pass the
    buckets shared by many chats last, so that at the head of their queue stands a
    message whose own chat is ready, and nobody waits there for somebody else's chat
    (waiting for a token is racy otherwise: whoever wakes first takes it, and with many
    chats behind one overall limit some messages waited minutes).
    """
    async with AsyncExitStack() as turns:
        for bucket in buckets:
            await turns.enter_async_context(bucket.turn())
            await bucket.ready(clock)
        for bucket in buckets:
            bucket.take()


@dataclass(frozen=True)
class ChatLimits:
    """Limits per chat kind and overall; the defaults stay inside Telegram's limits.

    Telegram asks for about one message a second per chat, twenty a minute per group and
    thirty a second overall; bursts are allowed but the bursts here are counted inside
    those numbers.
    """

    overall: Rate = Rate(25.0, 5.0)
    private: Rate = Rate(1.0, 2.0)
    group: Rate = Rate(17.0 / 60, 3.0)


class ChatLimiter:
    """One bucket per chat plus an overall one; groups have negative chat ids on Telegram.

    ``share``: this process's part of the overall rate, when several send for one bot.
    """

    def __init__(self, limits: ChatLimits, clock: Clock, share: SendShare | None = None) -> None:
        self._limits, self._clock = limits, clock
        self._overall = TokenBucket(limits.overall, clock, share)
        self._chats: dict[str, TokenBucket] = {}

    async def wait(self, chat_id: str) -> None:
        """Return when a message to ``chat_id`` may go out now; call right before sending."""
        await acquire_all((self._chat(chat_id), self._overall), self._clock)

    def _chat(self, chat_id: str) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            self._forget_idle()
            rate = self._limits.group if chat_id.startswith("-") else self._limits.private
            bucket = self._chats[chat_id] = TokenBucket(rate, self._clock)
        return bucket

    def _forget_idle(self) -> None:
        """Drop full buckets once there are many, so memory does not grow with every chat."""
        if len(self._chats) >= MAX_IDLE_BUCKETS:
            self._chats = {k: b for k, b in self._chats.items() if b.waiting or not b.full}

    @property
    def chats_tracked(self) -> int:
        return len(self._chats)
