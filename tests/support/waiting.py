"""Waiting for background work (the dispatcher, the scheduler, a callback) in tests.

One ``eventually`` for the whole suite: when it times out it says what it waited for
and, given an ``explain``, what the world looked like then (for example every unsent
outbox row with its due time against the bot's clock), so a failure explains itself.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

Check = Callable[[], bool | Awaitable[bool]]
Explain = Callable[[], str | Awaitable[str]]
POLL = 0.02


async def eventually(
    check: Check,
    *,
    within: float = 20.0,
    what: str = "the condition",
    explain: Explain | None = None,
) -> None:
    """Wait until ``check`` (plain or async) holds; fail after ``within`` seconds, explained."""
    deadline = time.monotonic() + within
    while not await _holds(check):
        if time.monotonic() > deadline:
            raise AssertionError(await _timed_out(within, what, explain))
        await asyncio.sleep(POLL)


async def _holds(check: Check) -> bool:
    result = check()
    return bool(await result if inspect.isawaitable(result) else result)


async def _timed_out(within: float, what: str, explain: Explain | None) -> str:
    message = f"timed out after {within:g} s waiting for {what}"
    if explain is None:
        return message
    detail = explain()
    return f"{message}\n{await detail if inspect.isawaitable(detail) else detail}"
