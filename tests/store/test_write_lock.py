"""SQLite's write lock in this process: one writer at a time, urgent writers first."""

from __future__ import annotations

import asyncio

from c2cbot.store.write_lock import WriteLock


async def _write(lock: WriteLock, name: str, order: list[str], urgent: bool = False) -> None:
    await lock.acquire(urgent)
    try:
        order.append(name)
        await asyncio.sleep(0)
    finally:
        lock.release()


async def test_urgent_writers_go_before_those_waiting_longer() -> None:
    lock, order = WriteLock(), []
    await lock.acquire()
    waiting = [asyncio.create_task(_write(lock, "claim", order))]
    await asyncio.sleep(0)
    waiting.append(asyncio.create_task(_write(lock, "journal", order, urgent=True)))
    await asyncio.sleep(0)
    assert lock.urgent_waiting
    lock.release()
    await asyncio.gather(*waiting)
    assert order == ["journal", "claim"] and not lock.urgent_waiting


async def test_a_writer_cancelled_while_waiting_or_handed_the_lock_passes_it_on() -> None:
    lock, order = WriteLock(), []
    await lock.acquire()
    gone = asyncio.create_task(_write(lock, "gone", order))
    handed = asyncio.create_task(_write(lock, "handed", order))
    last = asyncio.create_task(_write(lock, "last", order))
    await asyncio.sleep(0)
    gone.cancel()  # cancelled while waiting
    await asyncio.sleep(0)
    lock.release()  # goes to "handed" …
    handed.cancel()  # … which is cancelled before it runs: "last" must still get it
    await asyncio.gather(gone, handed, last, return_exceptions=True)
    assert order == ["last"]
    await asyncio.wait_for(lock.acquire(), 1)  # and it is free afterwards
