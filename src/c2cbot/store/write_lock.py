"""SQLite's one writer at a time in this process, with urgent writers served first.

A WeChat callback that confirms a message early waits on the inbound journal's write;
the outbox's claims and marks wait on nobody. First come, first served put the
journal behind them, so urgent writers have a queue of their own that goes first.
"""

from __future__ import annotations

import asyncio
from collections import deque


class WriteLock:
    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    @property
    def urgent_waiting(self) -> bool:
        return any(not waiter.done() for waiter in self._urgent)

    async def acquire(self, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not self._others:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._others
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed the lock just as we were cancelled: pass it on
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        """Hand the lock to the next urgent writer, else the next other one."""
        for queue in (self._urgent, self._others):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # still held: now by that writer
                    return
        self._held = False
