"""A clock a test sets by hand, shared by the bot, its dispatcher and the jobs it runs."""

from __future__ import annotations

from datetime import datetime


class SetClock:
    """Stands still at ``now`` until the test moves it: everything on it agrees on the time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class SetSeconds:
    """Monotonic seconds (durations, not dates) that move only when the test moves them."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
