"""Estimates of the engine's speed that have already seen runs, on a clock the test moves,
and an engine held back until the test lets it go."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from c2cbot.channels._tencent.admission import ExpectedWait
from c2cbot.flows.messages import Inbound
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


class GatedEngine:
    """An engine whose every run waits until the test opens ``gate``: a callback that
    waited for its run could not be answered before then. ``handled``: the runs that
    went through, by dedupe key."""

    def __init__(self, handle: Callable[[Inbound], Awaitable[bool]]) -> None:
        self._handle = handle
        self.gate = asyncio.Event()
        self.handled: list[str] = []

    async def __call__(self, inbound: Inbound) -> bool:
        await self.gate.wait()
        self.handled.append(inbound.dedupe_key)
        return await self._handle(inbound)
