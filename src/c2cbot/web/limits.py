"""What one browser, and one address, may ask of the browser chat.

- **Long polls**: at most ``max_polls`` open at once per browser identity (two tabs). One
  more is refused at once with 429 and ``Retry-After``; the page then reads without
  waiting and asks again later, so a third tab still shows new messages, only later.
  A poll whose browser has gone (a reloaded or closed tab) stops counting at once,
  though its handler waits on until its time is up.
- **Messages**: a token bucket per browser identity, ``burst`` messages at once and then
  ``per_minute``; past it ``/chat/api/send`` answers 429 with ``Retry-After`` and the
  message is not handled (nor stored).
- **Reads**: every ``/chat/api/messages`` is a database query, waiting or not, so a
  browser has a bucket of reads too (``reads_allowed``): three per message it may send,
  and at least ``READ_BURST`` at once and ``READS_PER_MINUTE``; past it the read answers
  429 with ``Retry-After`` at once. The page reads once or twice per reply and, in a
  third tab, once every few seconds: far below it.
- **New identities**: a browser identity is a cookie, so a script can make a new one per
  request; a source address brings at most so many new ones an hour
  (``store.guards.SqlNewcomers``, in the database, shared by every instance).

Polls and buckets live in this process's memory: a poll is a connection to this process,
and a bucket forgotten by a restart only gives a browser its first burst again. With
several instances behind a load balancer a browser may get each instance's allowance.
Times come from the bot's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from c2cbot.clock import Clock
from c2cbot.domain.text import N_

#: Buckets this process keeps; past it the one used least recently is forgotten (that
#: browser gets a full burst again, no more).
BUCKETS = 100_000
#: Seconds a refused long poll is asked to wait before it tries again.
POLL_RETRY = timedelta(seconds=5)
#: Reads of ``/chat/api/messages`` one browser may make at once, and then a minute, at
#: least; and per message it may send (a reply is read by a poll, and what came with it).
READ_BURST, READS_PER_MINUTE, READS_PER_MESSAGE = 30, 120, 3

TOO_FAST = N_(
    "You are sending messages faster than the chat can take them. "
    "Please wait a moment and send again."
)
TOO_MANY_NEW = N_(
    "Too many new conversations were started from your network. Please try again later."
)
TOO_MANY_READS = N_(
    "This chat asked for new messages too often, so it waits a moment before it looks again."
)
TOO_MANY_TABS = N_(
    "This chat is open in other tabs or windows too, so this one looks for new messages "
    "only every few seconds."
)


class Newcomers(Protocol):
    async def turned_away(self, channel: str, external_id: str, origin: str) -> timedelta | None:
        """``None`` when the identity may go on (known, or new within the address's
        allowance); otherwise how long until the address may bring another."""


Alive = Callable[[], bool]


class PollSlots:
    """Long polls open at once, per browser identity."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, list[Alive]] = {}  # who: whether each poll's browser is there

    @contextmanager
    def taken(self, who: str, alive: Alive) -> Iterator[bool]:
        """``True`` inside while a slot is held for ``who``; ``False`` if all were taken.

        ``alive`` says whether this poll's browser is still connected; polls whose
        browser has gone give their slot up to the next one that asks.
        """
        polls = self._open.setdefault(who, [])
        polls[:] = [poll for poll in polls if poll()]
        if len(polls) >= self.limit:
            yield False
            return
        polls.append(alive)
        try:
            yield True
        finally:
            if alive in polls:
                polls.remove(alive)
            if not polls and self._open.get(who) is polls:
                del self._open[who]

    @property
    def held(self) -> int:
        """Long polls counted now, of every browser."""
        return sum(len(polls) for polls in self._open.values())


class Allowance:
    """A token bucket per browser identity: ``burst`` requests at once, then ``per_minute``."""

    def __init__(self, burst: int, per_minute: int, clock: Clock) -> None:
        self.burst, self.per_second, self._clock = float(burst), per_minute / 60.0, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # who: (tokens, when), oldest first

    def take(self, who: str) -> float:
        """Take a request's token: 0 if taken, else the seconds until one is free."""
        now = self._clock().timestamp()
        tokens, then = self._buckets.pop(who, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - then) * self.per_second)
        wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.per_second
        self._buckets[who] = (tokens if wait else tokens - 1.0, now)  # now the newest
        if len(self._buckets) > BUCKETS:
            del self._buckets[next(iter(self._buckets))]
        return wait


def reads_allowed(message_burst: int, messages_per_minute: int, clock: Clock) -> Allowance:
    """The reads a browser may make, in step with the messages it may send."""
    burst = max(READ_BURST, READS_PER_MESSAGE * message_burst)
    return Allowance(burst, max(READS_PER_MINUTE, READS_PER_MESSAGE * messages_per_minute), clock)


@dataclass(frozen=True)
class ChatLimits:
    """Everything the browser chat's routes count with."""

    polls: PollSlots
    sends: Allowance
    newcomers: Newcomers
    reads: Allowance
