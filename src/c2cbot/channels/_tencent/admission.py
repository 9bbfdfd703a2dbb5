"""Admission by expected wait: may a callback wait for its own engine run?

A callback that waits for the engine can answer in place (WeChat's passive reply), but
the platform gives up after five seconds. So before waiting, a callback estimates how
long its run would take with the runs already ahead of it, from how this process's
engine has been finishing runs in the last few seconds, and waits only if that fits
its deadline with room to spare. A count of runs in flight cannot say this: a fast
engine finishes hundreds within the deadline, a slow database not even one.

The estimate is the longer of two:

- a run's own length: the recent runs' mean duration, and
- the queue: the runs ahead of it, each taking the recent engine-busy seconds per
  finished run (the inverse of the engine's throughput while it had work); its own
  run ends about when they are through.

A callback admitted gives its run twice the wait expected, but at least the longest
wait admitted (a quarter of the deadline), not the whole deadline: if the engine
slowed down that much since, the guess was wrong, and waiting on would only bring its
answer closer to the platform's five seconds.

Both come from sums that fade with time (``MEMORY``), so the estimate follows the
load within seconds and, when nothing has finished for a while, fades towards "no
wait": with no evidence a callback waits, as it always did. An engine that stalls
(busy, nothing finishing) makes the queue term grow with every second it is busy.
Everything here is arithmetic on the times it is given: the clock is injected.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Seconds = Callable[[], float]

#: Seconds over which the engine's past fades (its weight falls to 1/e).
MEMORY = 3.0
#: The share of its deadline a callback's expected wait may take: room for a guess four
#: times too short (a loaded machine slows the engine within a second).
ROOM = 0.25
#: How many times its expected wait an admitted callback waits at most (at least ``ROOM``).
SLACK = 2.0


class ExpectedWait:
    """How long a run started now is expected to take, from recent runs' ends."""

    def __init__(self, now: Seconds, memory: float = MEMORY) -> None:
        if memory <= 0:
            raise ValueError("memory must be positive")
        self._now, self._memory = now, memory
        self._at = now()
        self._in_flight = 0
        self._finished = 0.0  # runs finished, faded
        self._durations = 0.0  # their seconds, faded alike
        self._busy = 0.0  # seconds with a run in flight, faded

    @property
    def in_flight(self) -> int:
        """Runs started and not finished."""
        return self._in_flight

    def started(self) -> float:
        """Note a run's start; the time to hand back to ``finished``."""
        self._advance()
        self._in_flight += 1
        return self._at

    def finished(self, started_at: float) -> None:
        """Note the end of the run that started at ``started_at``."""
        self._advance()
        self._in_flight = max(0, self._in_flight - 1)
        self._finished += 1.0
        self._durations += max(0.0, self._at - started_at)

    def of_next(self) -> float:
        """Seconds a run started now is expected to take, the runs in flight ahead of it."""
        self._advance()
        evidence = max(self._finished, 1.0)  # little evidence fades the estimate to nothing
        own = self._durations / evidence
        queue = self._in_flight * self._busy / evidence
        return max(own, queue)

    def worth_waiting(self, deadline: float) -> float:
        """Seconds worth waiting for a run started now, ``deadline`` at most; 0: answer at once."""
        expected, admitted = self.of_next(), deadline * ROOM
        if expected > admitted:
            return 0.0
        return min(deadline, max(admitted, expected * SLACK))

    def _advance(self) -> None:
        """Fade the sums to now, adding the busy seconds since the last event."""
        now = self._now()
        elapsed = max(0.0, now - self._at)
        if elapsed == 0.0:
            return
        fade = math.exp(-elapsed / self._memory)
        self._finished *= fade
        self._durations *= fade
        self._busy *= fade
        if self._in_flight:  # each busy instant added with the weight it has by now
            self._busy += self._memory * (1.0 - fade)
        self._at = now
