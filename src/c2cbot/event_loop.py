"""The event loop every command runs on.

uvloop (libuv, in C) runs the bot's sockets, timers and callbacks for less CPU than
asyncio's own loop: one process served about 15 % more Telegram updates a second on
PostgreSQL by the medians of alternating runs (README, Benchmarks). asyncio's loop stays
one setting away, and serves wherever uvloop is not installed (Windows has no uvloop).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

Result = TypeVar("Result")
EventLoop = Literal["auto", "uvloop", "asyncio"]
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


class LoopUnavailable(RuntimeError):
    """``C2C_EVENT_LOOP=uvloop`` where uvloop is not installed."""


def run_on(choice: EventLoop, main: Coroutine[Any, Any, Result]) -> Result:
    """Run a command's coroutine to the end on the chosen loop, as ``asyncio.run`` does."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)


def loop_factory(choice: EventLoop) -> LoopFactory | None:
    """uvloop's loop for ``auto`` and ``uvloop``, ``None`` (asyncio's own) for ``asyncio``."""
    if choice == "asyncio":
        return None
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        if choice == "uvloop":
            raise LoopUnavailable("C2C_EVENT_LOOP=uvloop, but uvloop is not installed") from None
        return None
    factory: LoopFactory = uvloop.new_event_loop
    return factory
