"""The bot's clock: the one module that reads the wall clock.

Everything that stamps, compares or schedules a time takes "now" from the clock the
bot was built with, passed down from the composition root. Tests build bots on a
fixed or moving clock of their own, so the suite means the same on any date; an
architecture test (tests/test_one_clock.py) fails on a wall-clock read anywhere else.
Durations (timeouts, rate limits, pacing) use ``time.monotonic``, which is no date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, in UTC: the clock of a bot in production."""
    return datetime.now(UTC)


def unix_seconds(clock: Clock) -> Callable[[], float]:
    """``clock`` in seconds since 1970, the unit WeChat and WeCom stamp callbacks in."""
    return lambda: clock().timestamp()
