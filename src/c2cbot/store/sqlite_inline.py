"""SQLite on the event loop's own thread, as an asyncio dialect for SQLAlchemy.

aiosqlite hands every statement to a worker thread and back: two thread switches and a
fight for the GIL per statement, which cost more than SQLite's own work on the short
statements the bot runs. This dialect calls the standard ``sqlite3`` driver inline.
That is safe here because ``Database`` lets one write transaction run at a time in the
process, and WAL lets reads run beside it; a statement blocks the loop only while it
runs, or while another *process* holds the write lock (up to the busy timeout).

Transactions are explicit: ``sqlite3``'s legacy implicit BEGIN is turned off and the
dialect emits ``BEGIN`` itself, so SAVEPOINTs work as SQL says (SQLAlchemy's recipe).
Write transactions (``writing``) start with ``BEGIN IMMEDIATE``, tried without blocking
and retried after short asynchronous pauses: waiting for another connection's write lock
inside SQLite would stop the event loop, and with it whoever holds the lock here.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from sqlalchemy import event, pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteExecutionContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import await_

DRIVER = "c2cbot_inline"
WRITE_OPTION = "c2cbot_sqlite_write"
LOCK_WAIT = 30.0  # seconds a write transaction waits for another connection's write lock
FIRST_PAUSE, LONGEST_PAUSE = 0.001, 0.05


async def _nothing() -> None:
    return None


def _yield_to_sqlalchemy() -> None:
    """One greenlet hop, so SQLAlchemy's asyncio layer sees the driver as async."""
    await_(_nothing())


class _Cursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio results ask for this; rows are fetched inline, so nothing to do."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class _InlineExecutionContext(SQLiteExecutionContext):
    def create_server_side_cursor(self) -> Any:
        """``sqlite3`` cursors already step through rows one by one."""
        return self._dbapi_connection.cursor()


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite, declared async: runs inside SQLAlchemy's greenlets without a thread."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = _InlineExecutionContext

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool

    def create_connect_args(self, url: URL) -> Any:
        args, kwargs = super().create_connect_args(url)
        kwargs["check_same_thread"] = False  # the pool may close it from another thread
        kwargs["isolation_level"] = None  # no implicit BEGIN: do_begin says when
        kwargs["factory"] = _Connection
        return args, kwargs

    def detect_autocommit_setting(self, dbapi_conn: Any) -> bool:
        return False  # isolation_level None here means "we BEGIN ourselves"

    def set_isolation_level(self, dbapi_connection: Any, level: Any) -> None:
        if level == "AUTOCOMMIT":
            raise NotImplementedError("AUTOCOMMIT is not supported by the inline SQLite driver")
        super().set_isolation_level(dbapi_connection, level)
        dbapi_connection.isolation_level = None

    def do_begin(self, dbapi_connection: Any) -> None:
        if not dbapi_connection.in_transaction:  # a write transaction began IMMEDIATE
            dbapi_connection.execute("BEGIN")

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        _yield_to_sqlalchemy()
        cursor.execute(statement, parameters)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        _yield_to_sqlalchemy()
        cursor.execute(statement)

    def do_executemany(
        self, cursor: Any, statement: str, parameters: Any, context: Any = None
    ) -> None:
        _yield_to_sqlalchemy()
        cursor.executemany(statement, parameters)


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")


def inline_url(url: URL) -> URL:
    """The same SQLite database, opened with the inline driver."""
    return url.set(drivername=f"sqlite+{DRIVER}")


def writing(engine: AsyncEngine) -> AsyncEngine:
    """The engine for write transactions: they take SQLite's write lock when they begin."""
    if not event.contains(engine.sync_engine, "begin", _begin):
        event.listen(engine.sync_engine, "begin", _begin)
    return engine.execution_options(**{WRITE_OPTION: True})


def _begin(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        _begin_immediate(connection.connection.dbapi_connection)


def _begin_immediate(dbapi_connection: Any) -> None:
    busy_ms = dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0]
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        deadline, pause = time.monotonic() + LOCK_WAIT, FIRST_PAUSE
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            await_(asyncio.sleep(pause))
            pause = min(LONGEST_PAUSE, pause * 2)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_ms}")
