"""What every part of one transaction's ledger shares: the session, the clock, the connection.

A ledger (``store.ledger.SqlLedger``) is one small object per port of ``flows/ports.py``;
they all write in the same transaction, so they share one ``Tx``. Its connection is
fetched once and reused by every prebuilt Core statement of the transaction (when
those are used instead of the ORM: the ``c2cbot.store`` docstring).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from c2cbot.clock import Clock
from c2cbot.store.database import dialect_insert
from c2cbot.store.held_writes import HELD, HeldWrite, together


class Tx:
    """One transaction: its ORM session, the bot's clock, and its connection once asked for."""

    __slots__ = (
        "_connection",
        "clock",
        "dialect",
        "held",
        "known",
        "last_payloads",
        "session",
        "states",
    )

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock
        self.dialect: str = session.get_bind().dialect.name
        self._connection: AsyncConnection | None = None
        #: Senders looked up with the inbound claim, by (channel, external id): the
        #: ``per_message.KNOWN`` row, or None for someone not known yet.
        self.known: dict[tuple[str, str], Any] = {}
        #: Conversation states read (and locked) with the inbound claim, by stakeholder:
        #: (data, version), or None for no state yet. Taken once, by ``load_state``.
        self.states: dict[int, tuple[dict[str, Any], int] | None] = {}
        #: The newest outbox payload of a chat, read with the inbound claim, by (channel,
        #: chat id); None for a chat with none. Taken once, by ``last_offer``, and dropped
        #: when the transaction writes to the chat.
        self.last_payloads: dict[tuple[str, str], dict[str, Any] | None] = {}
        #: PostgreSQL: writes held back to go with the next (``store/held_writes.py``);
        #: the session's hooks find them too, for an ORM query, flush or commit.
        self.held: list[HeldWrite] = []
        session.info[HELD] = self.held

    def insert(self, table: Any) -> Any:
        """An INSERT of the transaction's dialect, for ``ON CONFLICT`` clauses."""
        return dialect_insert(self.dialect, table)

    async def core(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        """A prebuilt Core statement on this transaction's connection, without the ORM.

        Nothing is flushed first: see the rules in the ``c2cbot.store`` docstring. Held
        writes are sent first, so it sees them.
        """
        if self.held:
            await self.send_held()
        return await self._execute(statement, parameters)

    async def write(self, write: HeldWrite) -> None:
        """A write nobody reads back before the transaction's next statement: on
        PostgreSQL held to go with the next write in one statement (a second write to the
        same table sends the first; one of several rows goes alone, after what is held);
        on SQLite run at once."""
        if self.dialect != "postgresql" or len(write.rows) > 1:
            await self.core(*together([write]))  # on SQLite nothing is ever held
            return
        if any(held.table is write.table for held in self.held):
            await self.send_held()
        self.held.append(write)

    async def send_held(self) -> None:
        """What is held, in one statement: before any other, and when the ledger ends."""
        if self.held:
            statement, parameters = together(self.held)
            self.held.clear()
            await self._execute(statement, parameters)

    def drop_held(self) -> None:
        """A ledger that failed: its held writes go nowhere, as if rolled back."""
        self.held.clear()

    async def _execute(self, statement: Executable, parameters: Any) -> Result[Any]:
        if self._connection is None:
            self._connection = await self.session.connection()
        return await self._connection.execute(statement, parameters)


class LedgerPart:
    """One port's implementation over a shared ``Tx``; ``clock`` stamps what it writes.

    The transaction's session, clock and ``core`` are copied onto the part, so the calls
    every message makes cost no extra indirection.
    """

    def __init__(self, tx: Tx) -> None:
        self.session, self._clock, self._core = tx.session, tx.clock, tx.core
        self._tx = tx
