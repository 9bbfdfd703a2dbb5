"""Opening the shared database: SQLite for one process, PostgreSQL for many.

SQLite allows one writer at a time, so writes in this process queue on one lock
instead of failing with "database is locked"; PostgreSQL needs no such lock. SQLite
runs on the event loop's thread (``store.sqlite_inline``), not in aiosqlite's thread.

On PostgreSQL every statement is a round trip, and those were most of an inbound
message's time there. So a pooled connection is checked only when it sat idle a while
(``PING_AFTER_IDLE``), not at every checkout (three round trips); each connection keeps
enough prepared statements (``PREPARED_STATEMENTS``) that the hot path never prepares
again; and commits do not wait for the disk (``synchronous_commit=off``) unless the
operator asks for it, the same promise SQLite's ``synchronous=NORMAL`` gives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from c2cbot.clock import Clock, system_clock
from c2cbot.store.held_writes import HoldingSession
from c2cbot.store.sqlite_inline import inline_url, writing
from c2cbot.store.write_lock import WriteLock

# aiosqlite logs every statement with its parameters at DEBUG: answers, access tokens.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

#: Seconds a pooled PostgreSQL connection may sit unused before it is checked (a ping)
#: before use: after a server restart or a dropped link the first use of an old
#: connection gets a fresh one instead of an error. A busy bot never pings.
PING_AFTER_IDLE = 10.0
#: Prepared statements kept per PostgreSQL connection (SQLAlchemy's asyncpg default:
#: 100). A group commit names each message's savepoint anew (``sa_savepoint_1`` …
#: ``_100``: SAVEPOINT, RELEASE and ROLLBACK TO for each), which pushed the per-message
#: statements out of a cache of 100 and made them be prepared again, a round trip each.
PREPARED_STATEMENTS = 1000
#: Pooled PostgreSQL connections kept open, and more opened at a peak (closed again once
#: returned): as many in all as SQLAlchemy's default (5 + 10), but enough kept for the
#: engine's parallel group commits (``ledger.POSTGRES_PARALLEL_BATCHES``), the outbox's
#: claim and marks and a few web requests, so a steady load opens no new connection
#: (each costs a login, type lookups and preparing every statement again).
POOL_SIZE, POOL_OVERFLOW = 8, 7


class Database:
    """One engine, one session factory, the bot's clock and the hooks that wake the outbox.

    ``clock`` is the bot's: every time the store stamps on a row (received, answered,
    due, sent) comes from it, so rows and the code comparing them agree on "now".
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        clock: Clock = system_clock,
        synchronous_commit: bool = False,
    ) -> None:
        """``synchronous_commit``: on PostgreSQL, a commit returns only once it is on disk
        (PostgreSQL's default); off, it returns once it is in the server's memory and
        reaches the disk a moment later (``C2C_DATABASE_SYNCHRONOUS_COMMIT``)."""
        self.url = url
        self.clock = clock
        self.engine: AsyncEngine = _create_engine(url, echo, synchronous_commit)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=HoldingSession
        )
        self._write_lock = WriteLock() if self.is_sqlite else None
        self._writers = (
            async_sessionmaker(
                writing(self.engine), expire_on_commit=False, sync_session_class=HoldingSession
            )
            if self.is_sqlite
            else self.sessions
        )
        self.after_commit: list[Callable[[], None]] = []

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def insert(self, table: Any) -> Any:
        """An INSERT of this database's dialect, for ``ON CONFLICT`` clauses."""
        return dialect_insert(self.engine.dialect.name, table)

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


def _create_engine(url: str, echo: bool, synchronous_commit: bool) -> AsyncEngine:
    """The engine; its errors never carry the statement's parameters (answers, tokens)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _postgres_engine(url, echo, synchronous_commit)
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


def _postgres_engine(url: str, echo: bool, synchronous_commit: bool) -> AsyncEngine:
    connect_args: dict[str, Any] = {"prepared_statement_cache_size": PREPARED_STATEMENTS}
    if not synchronous_commit:
        connect_args["server_settings"] = {"synchronous_commit": "off"}
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args=connect_args,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )
    _ping_after_idle(engine.sync_engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """``pool_pre_ping``, but only for a connection idle longer than ``PING_AFTER_IDLE``.

    A failed ping makes the pool throw the connection away and take another
    (``DisconnectionError``), as ``pool_pre_ping`` does.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("a pooled connection did not answer") from error


def dialect_insert(dialect: str, table: Any) -> Any:
    """PostgreSQL's or SQLite's own INSERT, which have ``ON CONFLICT`` clauses."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)
