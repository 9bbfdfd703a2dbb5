"""One person's messages reaching two processes at once are handled in turn, in order.

Two bots on one PostgreSQL database stand for two processes (``--workers``, or two
machines). While a message of the person is being handled somewhere (here: the test
holds the person's lock), the next one to arrive at either process waits for it, and the
one after waits behind that, in the order they arrived; a new person's first messages
do not make two people. SQLite has one writer and one process: nothing to show there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from c2cbot.config import Settings
from c2cbot.flows.messages import Inbound
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import ChannelIdentity, InboundMessage
from c2cbot.store.per_message import SENDERS, sender_keys
from tests.support.waiting import eventually

PERSON = "4711"


@pytest.fixture
async def two_processes(settings: Settings, database: Database) -> AsyncIterator[list[Bot]]:
    if database.is_sqlite:
        pytest.skip("SQLite: one process writes, one transaction at a time")
    bots = [Bot(settings), Bot(settings)]
    yield bots
    for bot in bots:
        await bot.stop()


@pytest.fixture
async def elsewhere(database: Database) -> AsyncIterator[AsyncConnection]:
    """A connection that holds the person's lock, as a process handling their message."""
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def message(key: str, said: str) -> Inbound:
    return Inbound("telegram", PERSON, PERSON, key, text=said)


async def waiting_for_the_person(connection: AsyncConnection) -> int:
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid::bigint = :senders"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return int((await connection.execute(query, {"senders": SENDERS})).scalar_one())


async def lock(connection: AsyncConnection, function: str) -> None:
    key = sender_keys([("telegram", PERSON)])[0]
    query = text(f"SELECT {function}(:senders, :key)")
    await connection.execute(query, {"senders": SENDERS, "key": key})


async def arrive_in_turn(
    bots: list[Bot], elsewhere: AsyncConnection, arrivals: list[tuple[int, Inbound]]
) -> list[bool]:
    """Each message arrives at its process while the person is busy elsewhere, each only
    once the one before waits: at the database, or, behind an earlier message of the
    person at the same process, in that process."""
    await lock(elsewhere, "pg_advisory_lock")
    handled, processes = [], set()
    for process, inbound in arrivals:
        handled.append(asyncio.create_task(bots[process].engine.handle(inbound)))
        if process in processes:
            await asyncio.sleep(0.1)  # it waits in the process: nothing to see in the database
            continue
        processes.add(process)
        waiting = len(processes)
        await eventually(
            lambda n=waiting: _waiting_is(elsewhere, n),
            what=f"{waiting} processes waiting for the person",
        )
    await lock(elsewhere, "pg_advisory_unlock")
    return list(await asyncio.gather(*handled))


async def _waiting_is(connection: AsyncConnection, count: int) -> bool:
    return await waiting_for_the_person(connection) == count


async def handled_order(database: Database) -> list[str]:
    async with database.sessions() as session:
        query = select(InboundMessage.dedupe_key).order_by(InboundMessage.id)
        return list((await session.execute(query)).scalars())


async def test_a_persons_messages_at_two_processes_are_handled_in_the_order_they_arrived(
    database: Database, two_processes: list[Bot], elsewhere: AsyncConnection
) -> None:
    first = [
        (0, message("u1", "/start")),
        (1, message("u2", "/help")),
        (0, message("u3", "/steps")),
    ]
    assert await arrive_in_turn(two_processes, elsewhere, first) == [True] * 3
    then = [(1, message("u4", "/status")), (0, message("u5", "/help"))]
    assert await arrive_in_turn(two_processes, elsewhere, then) == [True] * 2
    assert await handled_order(database) == ["u1", "u2", "u3", "u4", "u5"]
    async with database.sessions() as session:
        query = select(func.count()).where(ChannelIdentity.external_id == PERSON)
        assert (await session.execute(query)).scalar_one() == 1  # one new person, not two


async def test_a_retry_at_the_other_process_is_still_handled_once(
    database: Database, two_processes: list[Bot], elsewhere: AsyncConnection
) -> None:
    retried = [(0, message("r1", "/start")), (1, message("r1", "/start"))]
    assert await arrive_in_turn(two_processes, elsewhere, retried) == [True, False]
    assert await handled_order(database) == ["r1"]
    assert not await two_processes[1].engine.handle(message("r1", "/start"))
