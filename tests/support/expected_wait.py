"""Estimates of the engine's speed that have already seen runs, on a clock the test moves."""

from __future__ import annotations

from c2cbot.channels._tencent.admission import ExpectedWait
from tests.support.clock import SetSeconds


def seen_slow(seconds: float = 60.0) -> ExpectedWait:
    """An estimate that has seen the engine take ``seconds`` for a run, on a clock that stands."""
    expected, _clock = seen_runs(1, seconds)
    return expected


def seen_runs(runs: int, seconds: float) -> tuple[ExpectedWait, SetSeconds]:
    """An estimate that has seen ``runs`` runs of ``seconds`` each, one at a time; its clock."""
    clock = SetSeconds()
    expected = ExpectedWait(clock)
    for _ in range(runs):
        started_at = expected.started()
        clock.now += seconds
        expected.finished(started_at)
    return expected, clock
