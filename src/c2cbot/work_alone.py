"""Work exactly one process of a bot may do, on however many machines: Telegram polling.

Telegram answers a second ``getUpdates`` of one bot with 409 Conflict, so the processes
sharing a database compete for a lock of that work (as for the scheduler,
``store.leadership``): the holder does it, the others stand by and look again every few
seconds. When the holder dies, or its lock's connection breaks (a database restart), it
stops and another takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from c2cbot.store.database import Database
from c2cbot.store.leadership import Leadership, lead

log = logging.getLogger(__name__)

STANDBY_EVERY = 5.0  # seconds between a standing-by process's tries for the lock
WATCH_EVERY = 5.0  # seconds between the holder's looks at whether it still holds it

Work = Coroutine[Any, Any, None]
Begin = Callable[[], Awaitable[Work | None]]


async def work_alone(
    database: Database,
    purpose: str,
    work: Work,
    again: Begin,
    *,
    standby_every: float = STANDBY_EVERY,
    watch_every: float = WATCH_EVERY,
) -> None:
    """Run ``work`` while this process holds ``purpose``'s lock, until cancelled; each
    time the lock is won again, the work ``again`` begins anew."""
    pending = [work]
    try:
        while True:
            leadership = await _try(database, purpose)
            if leadership is None:
                await asyncio.sleep(standby_every)
                continue
            try:
                begun = pending.pop() if pending else await again()
                if begun is not None:
                    await _while_held(leadership, begun, purpose, watch_every)
            finally:
                await leadership.release()
            await asyncio.sleep(standby_every)  # the lock was lost: another's turn first
    finally:
        for never_begun in pending:
            never_begun.close()


async def _try(database: Database, purpose: str) -> Leadership | None:
    try:
        return await lead(database, purpose)
    except Exception:  # the database is down: stand by, try again
        log.warning("could not try for the %s lock", purpose, exc_info=True)
        return None


async def _while_held(leadership: Leadership, work: Work, purpose: str, watch_every: float) -> None:
    """Until the work ends or the lock is lost (then it stops, and the process stands by)."""
    log.info("this process does the %s", purpose)
    task = asyncio.create_task(work, name=purpose)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=watch_every)
            if not task.done() and not await leadership.alive():
                log.warning("lost the %s lock; another process may take over", purpose)
                return
        task.result()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
