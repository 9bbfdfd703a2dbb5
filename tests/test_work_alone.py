"""Work only one process of a bot may do (Telegram polling) runs in exactly one of them.

Two ``Database`` objects on one database stand for two processes (two workers, or two
machines): the one holding the work's lock does it, the other stands by and takes over
when the holder stops, or, on PostgreSQL, when the holder's lock connection breaks.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from c2cbot.store.database import Database
from c2cbot.store.leadership import lead, purpose_key
from c2cbot.work_alone import Work, work_alone
from tests.support.waiting import eventually

PURPOSE = "test-polling"
FAST = {"standby_every": 0.05, "watch_every": 0.05}


class Poller:
    """Work that counts how often it began and whether it runs now."""

    def __init__(self) -> None:
        self.began = 0
        self.running = False

    def work(self) -> Work:
        return self._poll()

    async def again(self) -> Work:
        return self.work()

    async def _poll(self) -> None:
        self.began += 1
        self.running = True
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False


@pytest.fixture
async def second(database: Database) -> AsyncIterator[Database]:
    other = Database(database.url)
    yield other
    await other.close()


def alone(database: Database, poller: Poller) -> asyncio.Task[None]:
    return asyncio.create_task(work_alone(database, PURPOSE, poller.work(), poller.again, **FAST))


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_one_process_does_the_work_and_another_takes_over_when_it_stops(
    database: Database, second: Database
) -> None:
    first_poller, second_poller = Poller(), Poller()
    first = alone(database, first_poller)
    await eventually(lambda: first_poller.running, what="the first process polling")
    standing_by = alone(second, second_poller)
    await asyncio.sleep(0.3)  # several tries for the lock
    assert not second_poller.running and second_poller.began == 0
    await stop(first)
    assert not first_poller.running
    await eventually(lambda: second_poller.running, what="the second process taking over")
    assert first_poller.began == second_poller.began == 1
    await stop(standing_by)


async def test_work_never_begun_is_closed_when_the_process_stops(
    database: Database, second: Database
) -> None:
    holding = Poller()
    holder = alone(database, holding)
    await eventually(lambda: holding.running, what="the first process polling")
    poller = Poller()
    work = poller.work()
    waiting = asyncio.create_task(work_alone(second, PURPOSE, work, poller.again, **FAST))
    await asyncio.sleep(0.2)
    await stop(waiting)
    assert inspect.getcoroutinestate(work) == inspect.CORO_CLOSED and poller.began == 0
    await stop(holder)


async def test_a_holder_whose_lock_connection_broke_stops_and_another_takes_over(
    database: Database, second: Database
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite's lock is a file lock of the process: it breaks only with it")
    first_poller, second_poller = Poller(), Poller()
    first = alone(database, first_poller)
    await eventually(lambda: first_poller.running, what="the first process polling")
    standing_by = alone(second, second_poller)
    async with database.engine.connect() as connection:  # as a database restart would
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid::bigint = :key AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": purpose_key(PURPOSE)},
        )
        await connection.commit()
    await eventually(lambda: second_poller.running, what="the second process taking over")
    await eventually(lambda: not first_poller.running, what="the first process stopping")
    await stop(first)
    await stop(standing_by)


def stop_at_its_connect(
    monkeypatch: pytest.MonkeyPatch, task: asyncio.Task[Any]
) -> list[asyncio.Task[Any]]:
    """Connects behave as asyncpg's does on Python 3.11 when a stop request arrives just as
    the connection is made: ``task``, at its first connect, is told to stop, and the
    connection is returned anyway with the request only counted. The tasks so stopped."""
    real_connect = AsyncEngine.connect
    stopped: list[asyncio.Task[Any]] = []

    async def stopped_while_connecting(self: AsyncEngine) -> AsyncConnection:
        connection = await real_connect(self)
        if asyncio.current_task() is task and not stopped:
            stopped.append(task)
            task.cancel()  # the stop arrives as the connection is made …
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0)  # … and the connect returns it anyway
        return connection

    monkeypatch.setattr(AsyncEngine, "connect", stopped_while_connecting)
    return stopped


async def test_a_cancel_swallowed_by_the_connect_still_stops_the_try(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite's lock is a file lock: no connection to make")
    trying = asyncio.create_task(lead(database, PURPOSE))
    stopped = stop_at_its_connect(monkeypatch, trying)
    await asyncio.gather(trying, return_exceptions=True)
    assert trying.cancelled()  # not a leadership held by a task that was told to stop
    assert stopped == [trying]


async def test_a_process_standing_by_stops_even_if_its_connect_swallowed_the_cancel(
    database: Database, second: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite's lock is a file lock: no connection to make")
    holding = Poller()
    holder = alone(database, holding)
    await eventually(lambda: holding.running, what="the first process polling")
    standing_by = alone(second, Poller())
    await asyncio.sleep(0.2)
    stop_now = stop_at_its_connect(monkeypatch, standing_by)
    await asyncio.wait_for(asyncio.gather(standing_by, return_exceptions=True), timeout=10)
    assert standing_by.cancelled() and stop_now
    await stop(holder)
