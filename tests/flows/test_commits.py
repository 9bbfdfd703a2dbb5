"""Group commit on a real database: shared transactions, one savepoint per message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from c2cbot.flows.commits import TRIES, GroupCommit
from c2cbot.flows.messages import Inbound
from c2cbot.flows.ports import Ledger
from c2cbot.store.database import Database
from c2cbot.store.ledger import SqlBatch, SqlLedger, SqlStore
from c2cbot.store.models import InboundMessage


class CountingStore(SqlStore):
    """The real store, counting the messages in each batch transaction it opened."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.batches: list[int] = []

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[SqlBatch]:
        number = len(self.batches)
        self.batches.append(0)
        async with super().batch() as batch:
            each = batch.each

            def counted(*, savepoint: bool = True) -> AbstractAsyncContextManager[SqlLedger]:
                self.batches[number] += 1
                return each(savepoint=savepoint)

            batch.each = counted  # type: ignore[method-assign]
            yield batch


def inbound(key: str) -> Inbound:
    return Inbound(channel="test", external_id=key, chat_id=key, dedupe_key=key, text="hi")


async def claimed(database: Database) -> list[str]:
    async with database.sessions() as session:
        query = select(InboundMessage.dedupe_key).where(InboundMessage.channel == "test")
        return sorted((await session.execute(query)).scalars())


def claiming(store: CountingStore, broken: set[str]) -> GroupCommit[int | None]:
    """Each message claims its key; a key in ``broken`` fails after its claim was written."""

    async def work(ledger: Ledger, message: Inbound) -> int | None:
        claim = await ledger.inbox.claim(message.channel, message.dedupe_key)
        if message.dedupe_key in broken:
            raise RuntimeError(f"{message.dedupe_key} is broken")
        return claim

    return GroupCommit(store, work, parallel=store.parallel_batches)


async def test_messages_arriving_together_share_transactions(database: Database) -> None:
    store = CountingStore(database)
    commits = claiming(store, broken=set())
    keys = [f"m{n:03}" for n in range(250)]
    results = await asyncio.gather(*(commits.submit(inbound(key)) for key in keys))
    assert all(isinstance(result, int) for result in results)
    assert await claimed(database) == keys
    assert sum(store.batches) == 250 and len(store.batches) < 250 and max(store.batches) <= 100


async def test_a_failing_message_is_undone_alone(database: Database) -> None:
    store = CountingStore(database)
    commits = claiming(store, broken={"m005", "m017"})
    keys = [f"m{n:03}" for n in range(30)]
    results = await asyncio.gather(
        *(commits.submit(inbound(key)) for key in keys), return_exceptions=True
    )
    outcomes = zip(keys, results, strict=True)
    failed = [key for key, result in outcomes if isinstance(result, Exception)]
    assert failed == ["m005", "m017"]
    assert await claimed(database) == [k for k in keys if k not in failed]
    # their claims were rolled back with their savepoints, so they are not duplicates now
    again = claiming(store, broken=set())
    assert isinstance(await again.submit(inbound("m005")), int)
    assert await again.submit(inbound("m006")) is None  # kept before: a duplicate


async def test_a_message_arriving_as_a_writer_finishes_is_still_written(
    database: Database,
) -> None:
    store = CountingStore(database)
    commits = claiming(store, broken=set())

    async def one_person() -> int | None:
        await commits.submit(inbound("first"))
        # This runs as soon as "first" is settled: before the writer's task has finished.
        return await commits.submit(inbound("late"))

    late = await asyncio.wait_for(one_person(), timeout=30)
    assert isinstance(late, int) and await claimed(database) == ["first", "late"]


async def test_a_batch_whose_commit_fails_is_written_message_by_message(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CountingStore(database)
    commits = claiming(store, broken=set())
    original = SqlStore.batch
    failed_once: list[bool] = []

    @asynccontextmanager
    async def fails_first_big_batch(self: SqlStore) -> AsyncIterator[SqlBatch]:
        number = len(store.batches) - 1  # CountingStore counted it before coming here
        async with original(self) as batch:
            yield batch
            if not failed_once and number == 0 and store.batches[0] > 1:
                failed_once.append(True)
                raise RuntimeError("the commit failed")  # rolls the whole batch back

    monkeypatch.setattr(SqlStore, "batch", fails_first_big_batch)
    keys = [f"m{n}" for n in range(5)]
    results = await asyncio.gather(*(commits.submit(inbound(key)) for key in keys))
    assert failed_once and all(isinstance(result, int) for result in results)
    assert await claimed(database) == keys


async def test_a_burst_is_shared_among_the_parallel_writers(database: Database) -> None:
    """PostgreSQL writes a few batches at once: a burst of 40 goes 10 to each of 4 writers,
    not all to the first while the others find nothing left."""
    store = CountingStore(database)
    commits = claiming(store, broken=set())
    keys = [f"m{n:02}" for n in range(40)]
    results = await asyncio.gather(*(commits.submit(inbound(key)) for key in keys))
    assert all(isinstance(result, int) for result in results)
    assert await claimed(database) == keys
    if database.is_sqlite:  # one writer
        assert store.batches == [40]
    else:
        assert store.parallel_batches == 4 and sorted(store.batches) == [10, 10, 10, 10]


class Deadlock(Exception):
    """What SQLAlchemy raises when PostgreSQL broke a deadlock by failing this transaction."""

    def __init__(self) -> None:
        super().__init__("deadlock detected")
        self.orig = SimpleNamespace(sqlstate="40P01")


def deadlocking(store: CountingStore, times: dict[str, int]) -> GroupCommit[int | None]:
    """Each message claims its key; a key in ``times`` meets a deadlock that many times."""

    async def work(ledger: Ledger, message: Inbound) -> int | None:
        claim = await ledger.inbox.claim(message.channel, message.dedupe_key)
        if times.get(message.dedupe_key, 0) > 0:
            times[message.dedupe_key] -= 1
            raise Deadlock
        return claim

    return GroupCommit(store, work, parallel=store.parallel_batches)


async def test_a_message_that_met_a_deadlock_is_tried_again_and_kept(database: Database) -> None:
    store = CountingStore(database)
    times = {"m004": 1, "m011": TRIES}
    commits = deadlocking(store, times)
    keys = [f"m{n:03}" for n in range(20)]
    results = await asyncio.gather(*(commits.submit(inbound(key)) for key in keys))
    assert all(isinstance(result, int) for result in results)  # nobody saw the deadlocks
    assert await claimed(database) == keys and times == {"m004": 0, "m011": 0}


async def test_a_message_that_keeps_meeting_deadlocks_fails_in_the_end(database: Database) -> None:
    store = CountingStore(database)
    commits = deadlocking(store, {"m001": TRIES + 1})
    keys = ["m000", "m001", "m002"]
    results = await asyncio.gather(
        *(commits.submit(inbound(key)) for key in keys), return_exceptions=True
    )
    assert isinstance(results[1], Deadlock) and all(isinstance(r, int) for r in results[::2])
    assert await claimed(database) == ["m000", "m002"]
