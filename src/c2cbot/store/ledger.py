"""The engine's store (``flows.ports.Store``) in SQL: one transaction, one ``SqlLedger``.

A ledger is a thin composition: one small object per port of ``flows/ports.py``
(``ledger.people``, ``ledger.states``, ``ledger.outbox`` …), all sharing the
transaction's session, clock and connection (``store/ledger_base.py``). The parts live in
``ledger_turn`` (inbound claim, state, answers), ``ledger_people``, ``ledger_chats`` and
``ledger_planning`` (prompts, meetings, KPI plans, schedules, digests); the outbox part is
here, because the store tells the dispatcher after commit when it wrote to the outbox.
Parts a transaction does not use are never built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.clock import Clock
from c2cbot.flows.messages import Outbound
from c2cbot.store import per_message
from c2cbot.store.database import Database
from c2cbot.store.ledger_base import LedgerPart, Tx
from c2cbot.store.ledger_chats import SqlChats
from c2cbot.store.ledger_links import SqlLinks
from c2cbot.store.ledger_people import SqlPeople
from c2cbot.store.ledger_planning import (
    SqlDigestTimes,
    SqlHeldDigests,
    SqlKpiPlans,
    SqlMeetings,
    SqlPartnershipPlan,
    SqlPrompts,
    SqlSchedules,
)
from c2cbot.store.ledger_turn import SqlAnswers, SqlInbox, SqlStates
from c2cbot.store.outbox import HELD_FOR, outbox_row
from c2cbot.store.per_message import sender_keys

Chat = tuple[str, str]  # (channel, chat_id)
Held = Callable[[str, str], bool]  # (channel, chat_id) → a callback waits to answer with its rows
Enqueued = Callable[[Mapping[Chat, int], set[Chat]], None]


class SqlStore:
    """``flows.ports.Store`` on SQLAlchemy: each transaction yields a fresh ``SqlLedger``."""

    def __init__(
        self,
        database: Database,
        *,
        hold_meeting_digests: bool = False,
        on_enqueued: Enqueued | None = None,
        held: Held | None = None,
    ) -> None:
        """``on_enqueued``: told, after each commit that wrote to the outbox, how many rows
        per (channel, chat), and which chats' rows were written held; without it the
        dispatcher is woken. ``held``: chats whose callback waits to answer with their
        rows (``delivery.in_place``); on PostgreSQL those rows are written due only a
        little later (``outbox.HELD_FOR``), so another process's dispatcher leaves them
        to the callback."""
        self.database = database
        self._on_enqueued = on_enqueued
        self._held = None if database.is_sqlite else held
        self.hold_meeting_digests = hold_meeting_digests  # a translator is configured
        # SQLite writes one transaction at a time; PostgreSQL overlaps a few batches.
        self.parallel_batches = 1 if database.is_sqlite else POSTGRES_PARALLEL_BATCHES
        # On SQLite a savepoint is a function call; on PostgreSQL two round trips.
        self.savepoints_after_failure = not database.is_sqlite

    @property
    def urgent_write_waiting(self) -> bool:
        return self.database.urgent_waiting

    def passing(self, error: BaseException) -> bool:
        return passing_conflict(error)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlLedger]:
        async with self.database.transaction() as session:
            ledger = SqlLedger(
                session,
                self.database.clock,
                hold_meeting_digests=self.hold_meeting_digests,
                held=self._held,
            )
            yield ledger
            await ledger.send_held()
        if ledger.enqueued:
            self._committed(ledger.outbox.enqueued_to, ledger.outbox.held_to)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[SqlBatch]:
        async with self.database.transaction() as session:
            batch = SqlBatch(session, self.database.clock, self.hold_meeting_digests, self._held)
            yield batch
        if batch.enqueued:
            self._committed(batch.enqueued_to, batch.held_to)

    def _committed(self, enqueued: Mapping[Chat, int], held_to: set[Chat]) -> None:
        if self._on_enqueued is None:
            self.database.notify_committed()
        else:
            self._on_enqueued(enqueued, held_to)


POSTGRES_PARALLEL_BATCHES = 4
#: PostgreSQL's SQLSTATEs for a transaction failed to let another go on: deadlock_detected
#: and serialization_failure. Tried again, the same work usually passes.
PASSING = frozenset({"40P01", "40001"})


def passing_conflict(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is one of ``PASSING``."""
    while error is not None:
        if getattr(getattr(error, "orig", None), "sqlstate", None) in PASSING:
            return True
        error = error.__cause__
    return False


class SqlBatch:
    """One transaction for several inbound messages; each gets a ledger (and a SAVEPOINT)."""

    def __init__(
        self, session: AsyncSession, clock: Clock, hold_meeting_digests: bool, held: Held | None
    ) -> None:
        self.session, self.clock = session, clock
        self.hold_meeting_digests, self._held = hold_meeting_digests, held
        self.enqueued = 0
        self.enqueued_to: Counter[Chat] = Counter()
        self.held_to: set[Chat] = set()

    async def in_turn(self, senders: Sequence[tuple[str, str]]) -> None:
        """PostgreSQL: every sender's lock, in one order for all (no two batches wait for
        each other); PostgreSQL grants each lock in the order it was asked for. SQLite
        has one writer: every transaction is in turn already."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        await self.session.execute(per_message.IN_TURN, {"senders": sender_keys(senders)})

    @asynccontextmanager
    async def each(self, *, savepoint: bool = True) -> AsyncIterator[SqlLedger]:
        ledger = SqlLedger(
            self.session,
            self.clock,
            hold_meeting_digests=self.hold_meeting_digests,
            held=self._held,
        )
        if savepoint:
            async with self.session.begin_nested(), ledger.held_until_the_end():
                yield ledger
        else:
            async with ledger.held_until_the_end():
                yield ledger
        self.enqueued += ledger.enqueued
        self.enqueued_to.update(ledger.outbox.enqueued_to)
        self.held_to |= ledger.outbox.held_to


class SqlLedger:
    """One transaction's view of the store, one part per port; ``clock`` stamps what it writes."""

    def __init__(
        self,
        session: AsyncSession,
        clock: Clock,
        *,
        hold_meeting_digests: bool = False,
        held: Held | None = None,
    ) -> None:
        self._tx = Tx(session, clock)
        self._hold_meeting_digests = hold_meeting_digests
        self.outbox = SqlOutboxWriter(self._tx, held)  # every turn writes to it

    @property
    def enqueued(self) -> int:
        """Messages this transaction wrote to the outbox, for waking the dispatcher."""
        return self.outbox.enqueued

    async def send_held(self) -> None:
        """The writes still held (``store/held_writes.py``), before the transaction ends."""
        await self._tx.send_held()

    @asynccontextmanager
    async def held_until_the_end(self) -> AsyncIterator[None]:
        """One message's part of a batch: its held writes sent when it ends, and dropped
        when it fails (its savepoint, or the whole batch, is rolled back)."""
        try:
            yield
        except BaseException:
            self._tx.drop_held()
            raise
        await self._tx.send_held()

    @cached_property
    def inbox(self) -> SqlInbox:
        return SqlInbox(self._tx)

    @cached_property
    def people(self) -> SqlPeople:
        return SqlPeople(self._tx)

    @cached_property
    def states(self) -> SqlStates:
        return SqlStates(self._tx)

    @cached_property
    def answers(self) -> SqlAnswers:
        return SqlAnswers(self._tx)

    @cached_property
    def chats(self) -> SqlChats:
        return SqlChats(self._tx)

    @cached_property
    def prompts(self) -> SqlPrompts:
        return SqlPrompts(self._tx)

    @cached_property
    def meetings(self) -> SqlMeetings:
        return SqlMeetings(self._tx)

    @cached_property
    def kpi_plans(self) -> SqlKpiPlans:
        return SqlKpiPlans(self._tx)

    @cached_property
    def plan(self) -> SqlPartnershipPlan:
        return SqlPartnershipPlan(self._tx)

    @cached_property
    def schedules(self) -> SqlSchedules:
        return SqlSchedules(self._tx)

    @cached_property
    def held_digests(self) -> SqlHeldDigests:
        return SqlHeldDigests(self._tx, hold_meeting_digests=self._hold_meeting_digests)

    @cached_property
    def digest_times(self) -> SqlDigestTimes:
        return SqlDigestTimes(self._tx)

    @cached_property
    def links(self) -> SqlLinks:
        return SqlLinks(self._tx)


class SqlOutboxWriter(LedgerPart):
    """``flows.ports.Outbox``: messages this transaction writes; ``outbox.SqlOutbox`` sends them."""

    def __init__(self, tx: Tx, held: Held | None = None) -> None:
        super().__init__(tx)
        self._held = held
        self.enqueued = 0
        self.enqueued_to: Counter[Chat] = Counter()  # rows per (channel, chat)
        self.held_to: set[Chat] = set()  # chats whose rows were written held

    async def enqueue_all(
        self, channel: str, chat_id: str, stakeholder_id: int | None, messages: list[Outbound]
    ) -> None:
        if not messages:
            return
        now = due = self._clock()
        if self._held is not None and self._held(channel, chat_id):
            due += HELD_FOR
            self.held_to.add((channel, chat_id))
        rows = _outbox_rows(channel, chat_id, stakeholder_id, messages, now, due)
        await self._tx.write(per_message.outbox_write(rows))
        self._tx.last_payloads.pop((channel, chat_id), None)  # no longer the newest
        self.enqueued += len(messages)
        self.enqueued_to[(channel, chat_id)] += len(messages)


def _outbox_rows(
    channel: str,
    chat_id: str,
    stakeholder_id: int | None,
    messages: list[Outbound],
    now: datetime,
    due: datetime,
) -> list[dict[str, Any]]:
    return [
        outbox_row(channel, chat_id, stakeholder_id, message.to_json(), now, due=due)
        for message in messages
    ]
