"""Group commit: inbound messages that arrive together share one database transaction.

A transaction's fixed costs (taking SQLite's write lock or a pooled connection, BEGIN,
COMMIT) were most of the time an inbound message took. Messages that arrive while
another batch is being written wait for the next batch, so under load a few dozen share
one commit, and alone a message waits for nothing. Each message runs in a SAVEPOINT of
its own: one that fails is undone and reported to its caller alone, the others are kept.
Every caller learns its outcome only after the commit, so a channel still confirms a
message only once its effects are stored. Between two messages of a batch the event loop
gets a turn: with SQLite's statements running on the loop's thread, a batch of a hundred
would otherwise hold up every HTTP answer for its whole length.

Where a savepoint costs a round trip to the database server each way (PostgreSQL:
``Store.savepoints_after_failure``), a batch first runs without them: nearly always
every message succeeds and the batch commits as it is. If one fails, the whole
transaction is rolled back and the batch runs again, now with a savepoint per message,
so the failing one is still undone and reported alone and the others are kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from c2cbot.flows.messages import Inbound
from c2cbot.flows.ports import Ledger, Store

log = logging.getLogger(__name__)

R = TypeVar("R")
MAX_BATCH = 100
TRIES = 3  # times a message is tried again after a passing conflict (``Store.passing``)
#: Seconds of work after which a batch commits if an urgent write (WeChat's inbound
#: journal, which a callback waits on) waits for SQLite's write lock; the rest of the
#: batch goes into the next one. Giving way to every waiting write, the outbox's
#: included, made batches so small that the engine fell behind at 200 WeChat messages/s
#: and cost Telegram a fifth of its throughput.
MAX_BATCH_SECONDS = 0.01


@dataclass
class _Waiting(Generic[R]):
    inbound: Inbound
    outcome: asyncio.Future[R]
    tries: int = 0  # again after a passing conflict


class GroupCommit(Generic[R]):
    """Runs ``work`` for each submitted message, batching the messages into transactions.

    ``parallel`` batches may be written at once (1 for SQLite, which writes one
    transaction at a time anyway). Callers keep one person's messages in order by
    awaiting each ``submit`` before the next.
    """

    def __init__(
        self,
        store: Store,
        work: Callable[[Ledger, Inbound], Awaitable[R]],
        *,
        parallel: int = 1,
        max_batch: int = MAX_BATCH,
        max_seconds: float = MAX_BATCH_SECONDS,
    ) -> None:
        self._store, self._work = store, work
        self._parallel, self._max_batch, self._max_seconds = parallel, max_batch, max_seconds
        self._waiting: list[_Waiting[R]] = []
        self._writers: set[asyncio.Task[None]] = set()
        self._writing = 0  # writers that have not yet seen the queue empty
        self._busy = 0  # writers inside a batch

    async def submit(self, inbound: Inbound) -> R:
        """``work``'s result for this message once its batch is committed (or its error)."""
        outcome: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(inbound, outcome))
        if self._writing < self._parallel:
            self._writing += 1
            writer = asyncio.create_task(self._write_while_waiting())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await outcome

    async def _write_while_waiting(self) -> None:
        batch: list[_Waiting[R]] = []
        try:
            while self._waiting:
                size = self._share()
                batch = self._waiting[:size]
                del self._waiting[:size]
                self._busy += 1
                try:
                    await self._write(batch)
                finally:
                    self._busy -= 1
                batch = []
        except BaseException as error:  # cancelled at shutdown: nobody may wait forever
            for item in batch + self._waiting:
                _settle(item, error=error)
            self._waiting.clear()
            raise
        finally:  # no await between the empty queue and this: a new message starts a writer
            self._writing -= 1

    def _share(self) -> int:
        """An even share of what waits, for each writer free to take some. Updates come in
        bursts (a getUpdates answer of up to a hundred): one writer taking them all left
        the other parallel writers idle, and on PostgreSQL each of its statements waited
        for a round trip in turn."""
        free = max(1, self._writing - self._busy)
        return min(self._max_batch, -(-len(self._waiting) // free))

    async def _write(self, batch: list[_Waiting[R]]) -> None:
        if self._store.savepoints_after_failure:
            try:
                results = await self._write_together(batch)
            except _OneFailed as failed:
                if len(batch) == 1:  # nothing of it was kept: its error is its outcome
                    self._failed(batch[0], failed.__cause__)
                    return
                # rolled back: again, each message in a savepoint
            except Exception:  # the commit failed; the savepoints' way deals with it
                log.warning("a batch of %d messages failed; writing it again", len(batch))
            else:
                for item, result in results:
                    _settle(item, result)
                return
        await self._write_isolated(batch)

    async def _write_together(self, batch: list[_Waiting[R]]) -> list[tuple[_Waiting[R], R]]:
        """All of the batch in one transaction without savepoints; ``_OneFailed`` (and
        nothing kept) if any message fails."""
        results: list[tuple[_Waiting[R], R]] = []
        async with self._store.batch() as transaction:
            await transaction.in_turn([_sender(item.inbound) for item in batch])
            for item in batch:
                try:
                    async with transaction.each(savepoint=False) as ledger:
                        result = await self._work(ledger, item.inbound)
                except Exception as error:
                    raise _OneFailed from error  # leaving the block rolls everything back
                results.append((item, result))
                await asyncio.sleep(0)  # as below: other tasks get a turn between messages
        return results

    async def _write_isolated(self, batch: list[_Waiting[R]]) -> None:
        results: list[tuple[_Waiting[R], R | None, Exception | None]] = []
        result: R | None
        until = time.monotonic() + self._max_seconds
        try:
            async with self._store.batch() as transaction:
                await transaction.in_turn([_sender(item.inbound) for item in batch])
                for n, item in enumerate(batch):
                    if n and time.monotonic() > until and self._store.urgent_write_waiting:
                        self._waiting[:0], batch = batch[n:], batch[:n]  # first in the next
                        break
                    try:
                        async with transaction.each() as ledger:
                            result = await self._work(ledger, item.inbound)
                    except Exception as error:  # undone by its savepoint; the rest goes on
                        results.append((item, None, error))
                    else:
                        results.append((item, result, None))
                    await asyncio.sleep(0)  # SQLite runs on the loop: let callbacks answer
        except Exception as error:
            if len(batch) == 1:
                self._failed(batch[0], error)
                return
            # Nothing of the batch was kept: write each alone, so one message that breaks
            # the commit cannot fail the others again and again.
            log.warning("a batch of %d messages failed; writing them one by one", len(batch))
            for item in batch:
                await self._write_isolated([item])
            return
        for item, result, failure in results:
            if failure is None:
                _settle(item, result)
            else:
                self._failed(item, failure)

    def _failed(self, item: _Waiting[R], error: BaseException | None) -> None:
        """A message's error is its outcome, unless the database says the same work may
        well pass now (it broke a deadlock by failing this transaction): then the message
        goes first into the next batch, a few times at most. Its caller, who may have
        confirmed it already (a WeChat callback), never sees the deadlock."""
        if item.tries < TRIES and error is not None and self._store.passing(error):
            item.tries += 1
            log.info("a message met a passing conflict; trying it again (%d)", item.tries)
            self._waiting.insert(0, item)
            return
        _settle(item, error=error)


def _sender(inbound: Inbound) -> tuple[str, str]:
    return inbound.channel, inbound.external_id


class _OneFailed(Exception):
    """A message of a batch written without savepoints failed: undo the whole batch."""


def _settle(item: _Waiting[R], result: R | None = None, error: BaseException | None = None) -> None:
    if item.outcome.done():  # the caller gave up waiting (cancelled)
        return
    if isinstance(error, asyncio.CancelledError):
        item.outcome.cancel()
    elif error is not None:
        item.outcome.set_exception(error)
    else:
        item.outcome.set_result(result)  # type: ignore[arg-type]
