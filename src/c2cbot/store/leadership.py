"""One scheduler among many instances: the leader lock.

Several bot processes may share one database; only the one holding this lock runs the
scheduler's jobs. The operating system or PostgreSQL frees it when its holder dies, so
no lease or heartbeat table is needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from c2cbot.store.database import Database

log = logging.getLogger(__name__)


class Leadership:
    """Proof that this process runs the scheduler, held until ``release``.

    On PostgreSQL it is a session advisory lock on a connection of its own, kept open for
    the process's lifetime: if the process dies, the server ends the session and the lock
    with it. On SQLite it is an exclusive ``flock`` on a file beside the database, which
    the operating system likewise releases when the process dies.
    """

    def __init__(self, connection: AsyncConnection | None, lock_file: IO[bytes] | None) -> None:
        self._connection, self._lock_file = connection, lock_file

    async def alive(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection can break)."""
        if self._connection is None:
            return True
        try:
            await self._connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("the scheduler's leader connection broke", exc_info=True)
            return False
        return True

    async def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(select(func.pg_advisory_unlock(LEADER_KEY)))
            await _close(self._connection)


LEADER_KEY = zlib.crc32(b"c2cbot.scheduler")


async def lead(database: Database) -> Leadership | None:
    """Become the one scheduler of this database, or None if another process is it."""
    if database.is_sqlite:
        return _lead_sqlite(database.url)
    return await _lead_postgres(database.url)


async def _lead_postgres(url: str) -> Leadership | None:
    engine = create_async_engine(url, poolclass=NullPool)
    connection = await engine.connect()
    await connection.execution_options(isolation_level="AUTOCOMMIT")
    won = await connection.scalar(select(func.pg_try_advisory_lock(LEADER_KEY)))
    if won:
        return Leadership(connection, None)
    await _close(connection)
    return None


async def _close(connection: AsyncConnection) -> None:
    engine = connection.engine
    with contextlib.suppress(Exception):
        await connection.close()
    await engine.dispose()


def _lead_sqlite(url: str) -> Leadership | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return Leadership(None, None)
    handle = Path(f"{database}.scheduler-lock").open("ab")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    os.set_inheritable(handle.fileno(), False)
    return Leadership(None, handle)
