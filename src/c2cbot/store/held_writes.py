"""On PostgreSQL, a turn's closing writes reach the server in one statement.

A typed answer ends with three writes nobody reads back in the same turn: the answer
row, the person's new conversation state and the reply in the outbox. Each was a round
trip of its own, and on PostgreSQL round trips were most of a message's time. So
``Tx.write`` holds such a write back, and writes held together go to the server as one
statement: every one but the last as a data-modifying ``WITH`` clause (PostgreSQL runs
each of them, whether the statement reads them or not). A write of several rows (a
reply in several messages) is not held: SQLAlchemy does not cache a statement with a
multi-row VALUES, and building one each time cost more than the round trip it saves.
Run alone, a write is the same statement for one part (``together``), on either
database.

Whatever else the transaction does sends what is held first, so every read sees every
write before it, as if nothing were held: a Core statement (``Tx.core``), an ORM query
or flush (``HoldingSession``'s hooks), the end of the message's ledger and the commit.
A second write to a table already held sends the first: PostgreSQL does not order the
parts of one statement, and an answer corrected twice must keep its order. SQLite runs
each write at once; there a statement is a function call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Table, bindparam, event, insert, update
from sqlalchemy.orm import ORMExecuteState, Session

#: Where a session keeps the writes its current ledger holds (``Tx.held``).
HELD = "c2c.held_writes"


@dataclass(frozen=True)
class HeldWrite:
    """One write to ``table``: an INSERT of ``rows``, or with ``key`` an UPDATE of the row
    whose ``key`` column has the one row's value. Only one-row writes go together."""

    table: Table
    rows: tuple[dict[str, Any], ...]
    key: str | None = None


def together(writes: Sequence[HeldWrite]) -> tuple[Executable, Any]:
    """One statement for ``writes`` in their order, and its parameters; a write of several
    rows comes alone, as one INSERT run for each row (SQLAlchemy's insertmanyvalues)."""
    if len(writes) == 1 and len(writes[0].rows) > 1:
        return _inserting(writes[0].table), list(writes[0].rows)
    rows = [write.rows[0] for write in writes]
    shape = tuple(_shape(write, row) for write, row in zip(writes, rows, strict=True))
    parameters = {
        f"w{n}_{column}": row[column]
        for n, (row, (_, _, columns)) in enumerate(zip(rows, shape, strict=True))
        for column in columns
    }
    return _statement(shape), parameters


@lru_cache(maxsize=16)
def _inserting(table: Table) -> Executable:
    return insert(table)


def _shape(write: HeldWrite, row: dict[str, Any]) -> tuple[Table, str | None, tuple[str, ...]]:
    return write.table, write.key, _columns(write.table, tuple(row))


@lru_cache(maxsize=64)
def _columns(table: Table, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The row's keys that are the table's columns (a row may carry more)."""
    return tuple(key for key in keys if key in table.c)


@lru_cache(maxsize=256)
def _statement(shape: tuple[tuple[Table, str | None, tuple[str, ...]], ...]) -> Executable:
    """Built once per shape (tables and columns), so SQLAlchemy compiles it once and
    asyncpg keeps it prepared."""
    parts = [_part(n, *part) for n, part in enumerate(shape)]
    last: Executable = parts[-1].add_cte(*(part.cte(f"w{n}") for n, part in enumerate(parts[:-1])))
    return last


def _part(n: int, table: Table, key: str | None, columns: tuple[str, ...]) -> Any:
    def bound(column: str) -> Any:
        return bindparam(f"w{n}_{column}", type_=table.c[column].type)

    if key is None:
        return insert(table).values({column: bound(column) for column in columns})
    values = {column: bound(column) for column in columns if column != key}
    return update(table).where(table.c[key] == bound(key)).values(values)


class HoldingSession(Session):
    """The store's sessions: an ORM query, flush or commit sends the held writes first."""


def _send_held(session: Session) -> None:
    """Runs inside SQLAlchemy's greenlet, where the sync API reaches the async driver."""
    held: list[HeldWrite] | None = session.info.get(HELD)
    if held:
        statement, parameters = together(held)
        held.clear()
        session.connection().execute(statement, parameters)


@event.listens_for(HoldingSession, "do_orm_execute")
def _before_query(state: ORMExecuteState) -> None:
    _send_held(state.session)


@event.listens_for(HoldingSession, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _send_held(session)


@event.listens_for(HoldingSession, "before_commit")
def _before_commit(session: Session) -> None:
    _send_held(session)
