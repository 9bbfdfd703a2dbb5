"""One scheduler among many instances: the leader lock.

Several bot processes may share one database; only the one holding this lock runs the
scheduler's jobs. The operating system or PostgreSQL frees it when its holder dies, so
no lease or heartbeat table is needed. Other work only one process may do (Telegram
long polling) has a lock of its own, by ``purpose``.
"""

from __future__ import annotations

import asyncio
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

    def __init__(
        self, connection: AsyncConnection | None, lock_file: IO[bytes] | None, key: int = 0
    ) -> None:
        self._connection, self._lock_file, self._key = connection, lock_file, key

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
                await self._connection.execute(select(func.pg_advisory_unlock(self._key)))
            await _close(self._connection)


SCHEDULER = "scheduler"


def purpose_key(purpose: str) -> int:
    """The advisory lock key of one kind of work."""
    return zlib.crc32(f"c2cbot.{purpose}".encode())


LEADER_KEY = purpose_key(SCHEDULER)


async def lead(database: Database, purpose: str = SCHEDULER) -> Leadership | None:
    """Become the one process of this database doing ``purpose`` (by default: running
    the scheduler), or None if another process does it."""
    if database.is_sqlite:
        return _lead_sqlite(database.url, purpose)
    return await _lead_postgres(database.url, purpose_key(purpose))


async def _lead_postgres(url: str, key: int) -> Leadership | None:
    engine = create_async_engine(url, poolclass=NullPool)
    connection = await engine.connect()
    try:
        _raise_swallowed_cancel()
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        won = await connection.scalar(select(func.pg_try_advisory_lock(key)))
    except BaseException:
        await _close(connection)
        raise
    if won:
        return Leadership(connection, None, key)
    await _close(connection)
    return None


def _raise_swallowed_cancel() -> None:
    """Stop a task whose cancellation the connect swallowed: on Python 3.11 asyncpg's
    ``connect`` returns its new connection even when the task was cancelled meanwhile,
    and the request is then only counted (``Task.cancelling``). A process standing by
    would otherwise never stop: it tries for the lock again and again."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def _close(connection: AsyncConnection) -> None:
    engine = connection.engine
    with contextlib.suppress(Exception):
        await connection.close()
    await engine.dispose()


def _lead_sqlite(url: str, purpose: str) -> Leadership | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return Leadership(None, None)
    handle = Path(f"{database}.{purpose}-lock").open("ab")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    os.set_inheritable(handle.fileno(), False)
    return Leadership(None, handle)
