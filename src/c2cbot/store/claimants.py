"""Which processes sharing a PostgreSQL outbox are alive: one advisory lock each.

A process that claims outbox messages first takes a session advisory lock on a key of
its own, on a connection it keeps for its lifetime, and writes that key into every row
it claims (``outbox.claimed_by``). PostgreSQL frees the lock when the process dies or its
connection breaks, so another process that gets the lock for a moment knows the claimant
is gone and its messages may go back to the queue at once, not after the ten-minute
lease. As with the scheduler's leader lock (``leadership``), no heartbeat table is needed.

The same locks tell every process who sends, across machines: the live claimants, in
the order of their keys, split the chats among themselves (``outbox.Part``), so each
chat's messages go through one process's per-chat limits, and each keeps to its part of
the app's overall send rate.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import zlib
from collections.abc import Callable

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: The first half of every claimant's two-part lock key; the second half is the claimant.
#: Two-part keys never collide with the scheduler's one-part leader key.
CLAIMANTS = zlib.crc32(b"c2cbot.outbox.claimants") & 0x7FFFFFFF
MAX_KEY = 2**31 - 1
APPLICATION = "c2cbot outbox claimant"  # and the process id: the lock's connection's name
TRIES = 5  # keys tried before giving up (each taken only by a live claimant or a check)


#: Where a process that wrote replies for other processes' chats tells them to look.
WAKE = "c2cbot_outbox"
#: Where a process that sent a browser chat's reply tells the one holding its long poll;
#: the payload is the chat's id.
DELIVERED = "c2cbot_delivered"

_SIGNALS = text(
    "SELECT count(pg_notify(s.name, s.payload))"
    " FROM unnest(CAST(:names AS text[]), CAST(:payloads AS text[])) AS s(name, payload)"
)


class Claimant:
    """This process as a sender from the outbox, alive while its lock is held.

    Its connection also carries the processes' signals to each other (``WAKE``,
    ``DELIVERED``): PostgreSQL's NOTIFY, heard by every process listening, this one too.
    """

    def __init__(self, key: int, connection: AsyncConnection) -> None:
        self.key, self._connection = key, connection

    async def listen(self, signal: str, heard: Callable[[str], None]) -> None:
        """Call ``heard`` with the payload of each ``signal`` any process gives."""
        raw = await self._connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.add_listener(signal, lambda *notified: heard(notified[-1]))

    async def signal(self, signals: list[tuple[str, str]]) -> None:
        """Give every (signal, payload) at once."""
        names, payloads = [name for name, _ in signals], [payload for _, payload in signals]
        await self._connection.execute(_SIGNALS, {"names": names, "payloads": payloads})

    async def release(self) -> None:
        """Give up the lock (and the connection): this process sends nothing more."""
        engine = self._connection.engine
        with contextlib.suppress(Exception):
            await self._connection.execute(select(func.pg_advisory_unlock(CLAIMANTS, self.key)))
        with contextlib.suppress(Exception):
            await self._connection.close()
        await engine.dispose()


async def hold_claimant(url: str) -> Claimant:
    """A key of this process's own, locked on a connection kept until ``release``; the
    connection is named after the process, so ``pg_stat_activity`` shows whose it is."""
    named = {"server_settings": {"application_name": f"{APPLICATION} {os.getpid()}"}}
    engine = create_async_engine(url, poolclass=NullPool, connect_args=named)
    connection = await engine.connect()
    await connection.execution_options(isolation_level="AUTOCOMMIT")
    for _ in range(TRIES):
        key = secrets.randbelow(MAX_KEY) + 1
        if await connection.scalar(select(func.pg_try_advisory_lock(CLAIMANTS, key))):
            log.info("this process claims outbox messages as %d", key)
            return Claimant(key, connection)
    await connection.close()
    await engine.dispose()
    raise RuntimeError("could not take a claimant key for the outbox")


# Claimants' locks, by their connections' names: a check of ``gone`` holds a dead
# claimant's key for a moment, on a connection of another name.
_LIVE = text(
    "SELECT l.objid::bigint FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
    " AND l.classid::bigint = :claimants AND a.application_name LIKE :named"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " ORDER BY 1"
)


async def live(connection: AsyncConnection) -> list[int]:
    """The keys of every live claimant of this database, on any machine, in order."""
    parameters = {"claimants": CLAIMANTS, "named": f"{APPLICATION} %"}
    return list((await connection.execute(_LIVE, parameters)).scalars())


async def gone(connection: AsyncConnection, keys: list[int]) -> list[int]:
    """The claimants among ``keys`` whose process is gone (their lock is free).

    Checked with transaction-level locks, released when the caller's transaction ends.
    """
    dead = []
    for key in keys:
        if await connection.scalar(select(func.pg_try_advisory_xact_lock(CLAIMANTS, key))):
            dead.append(key)
    return dead
