"""Opening the shared database: SQLite for one process, PostgreSQL for many.

SQLite allows one writer at a time, so writes in this process queue on one lock
instead of failing with "database is locked"; PostgreSQL needs no such lock. SQLite
runs on the event loop's thread (``store.sqlite_inline``), not in aiosqlite's thread.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from c2cbot.clock import Clock, system_clock
from c2cbot.store.sqlite_inline import inline_url, writing
from c2cbot.store.write_lock import WriteLock

# aiosqlite logs every statement with its parameters at DEBUG: answers, access tokens.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


class Database:
    """One engine, one session factory, the bot's clock and the hooks that wake the outbox.

    ``clock`` is the bot's: every time the store stamps on a row (received, answered,
    due, sent) comes from it, so rows and the code comparing them agree on "now".
    """

    def __init__(self, url: str, *, echo: bool = False, clock: Clock = system_clock) -> None:
        self.url = url
        self.clock = clock
        self.engine: AsyncEngine = _create_engine(url, echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = WriteLock() if self.is_sqlite else None
        self._writers = (
            async_sessionmaker(writing(self.engine), expire_on_commit=False)
            if self.is_sqlite
            else self.sessions
        )
        self.after_commit: list[Callable[[], None]] = []

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed on success and rolled back on error.

        ``urgent``: someone is waiting on it (a WeChat callback on the inbound journal);
        with SQLite it goes before other waiting writes, and a long group commit gives
        way to it (``urgent_waiting``).
        """
        async with self._writing(urgent), self._writers() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _writing(self, urgent: bool) -> AsyncIterator[None]:
        """SQLite's one writer at a time."""
        if self._write_lock is None:
            yield
            return
        await self._write_lock.acquire(urgent)
        try:
            yield
        finally:
            self._write_lock.release()

    @property
    def urgent_waiting(self) -> bool:
        return self._write_lock is not None and self._write_lock.urgent_waiting

    def notify_committed(self) -> None:
        for callback in self.after_commit:
            callback()

    async def reachable(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, echo: bool) -> AsyncEngine:
    """The engine; its errors never carry the statement's parameters (answers, tokens)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        inline_url(parsed), echo=echo, connect_args={"timeout": 30}, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
