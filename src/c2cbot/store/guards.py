"""What guards the doors, kept where every instance sees it: signed callbacks already
seen (``SqlReplays``) and new browser identities per source address (``SqlNewcomers``).

An in-memory cache would let a replay or a fresh identity through the other instance,
or after a restart; these rows are few, short-lived and pruned as they fall out of
their window. Wrong invite codes are counted in the same ``attempts`` table, inside the
engine's transaction (``store/invites.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.database import Database
from c2cbot.store.guard_models import Attempt, CallbackNonce
from c2cbot.store.models import ChannelIdentity

log = logging.getLogger(__name__)
_nonces = cast(Table, CallbackNonce.__table__)
_PAIR = (_nonces.c.channel, _nonces.c.timestamp, _nonces.c.nonce)
Pair = tuple[str, str, str]  # (channel, timestamp, nonce)
#: Seconds a callback waits for the shared record before trusting this process's memory:
#: WeChat and WeCom wait only five seconds for the whole callback.
PATIENCE = 0.5
REMEMBERED = 100_000  # pairs this process remembers itself
BATCH = 200  # pairs recorded in one statement at most
PRUNE_EVERY = timedelta(seconds=60)  # at most one prune a minute per process and table
NEWCOMER = "web:newcomer"


def subject_of(kind: str, who: str) -> str:
    """A fixed-size stand-in for a person or address: rows never hold the address itself."""
    return hashlib.sha256(f"{kind}\x00{who}".encode()).hexdigest()


class SqlReplays:
    """(timestamp, nonce) pairs of signed callbacks, refused the second time anywhere.

    Pairs are recorded a batch at a time: the callbacks that arrive while one batch is
    being written go together in the next, in one statement, so a burst of callbacks
    costs a few transactions instead of one each.
    """

    def __init__(self, database: Database, window: timedelta) -> None:
        self.database, self.window = database, window
        self._pruned: datetime | None = None
        self._seen: OrderedDict[Pair, str] = OrderedDict()
        self._waiting: dict[Pair, tuple[str, asyncio.Future[bool]]] = {}
        self._writing: asyncio.Task[None] | None = None
        self._insert = database.insert(_nonces).on_conflict_do_nothing().returning(*_PAIR)

    async def first_use(self, channel: str, timestamp: str, nonce: str, body: bytes) -> bool:
        """Record the pair; ``False`` if it came before with another body (a replay).

        The same pair with the same body is the platform's own retry of a callback that
        was not answered in time: the engine's dedupe makes that harmless, and refusing
        it would lose a message whose first delivery failed. This process's own memory
        answers first; when the database is slower than ``PATIENCE`` (or down), the
        callback goes on on that memory alone and the pair is recorded when it can be.
        """
        key, digest = (channel, timestamp[:20], nonce[:64]), hashlib.sha256(body).hexdigest()
        known = self._seen.get(key)
        if known is not None:
            return known == digest
        self._remember(key, digest)
        decided: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[key] = (digest, decided)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())
        try:
            return await asyncio.wait_for(asyncio.shield(decided), PATIENCE)
        except TimeoutError:
            log.warning("the shared replay record was slow; this process's memory decided")
            return True

    async def idle(self) -> None:
        """Wait for records still being written (shutdown, tests)."""
        while self._writing is not None and not self._writing.done():
            await asyncio.gather(self._writing, return_exceptions=True)

    def _remember(self, key: Pair, digest: str) -> None:
        self._seen[key] = digest
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)

    async def _write_waiting(self) -> None:
        """Record the waiting pairs, a batch at a time, until none wait."""
        while self._waiting:
            batch = dict(itertools.islice(self._waiting.items(), BATCH))
            for key in batch:
                del self._waiting[key]
            try:
                found = await self._record({key: digest for key, (digest, _) in batch.items()})
            except Exception as error:  # a database down must not stop callbacks
                log.warning("could not record callbacks' nonces (%s)", type(error))
                found = {}
            for key, (_digest, decided) in batch.items():
                if not decided.done():
                    decided.set_result(found.get(key, True))

    async def _record(self, batch: dict[Pair, str]) -> dict[Pair, bool]:
        """Each pair's verdict: new, or seen before with the same body."""
        now = self.database.clock()
        rows = [
            {"channel": c, "timestamp": t, "nonce": n, "body": digest, "seen_at": now}
            for (c, t, n), digest in batch.items()
        ]
        async with self.database.transaction(urgent=True) as session:
            connection = await session.connection()  # many rows, one cached statement
            new = {cast(Pair, tuple(row)) for row in await connection.execute(self._insert, rows)}
            await self._prune(session, now)
        return {key: key in new or await self._same_body(key, batch[key]) for key in batch}

    async def _same_body(self, key: Pair, digest: str) -> bool:
        query = select(_nonces.c.body).where(*(c == v for c, v in zip(_PAIR, key, strict=True)))
        async with self.database.sessions() as session:
            return (await session.execute(query)).scalar_one_or_none() == digest

    async def _prune(self, session: AsyncSession, now: datetime) -> None:
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        # Twice the window: a timestamp seen now may be a window old and stay valid a window.
        await session.execute(delete(_nonces).where(_nonces.c.seen_at < now - 2 * self.window))


class SqlNewcomers:
    """How many new identities a source address brought to a channel lately.

    A browser identity is a cookie the browser keeps, so a script can make a fresh one
    per request; counting them per address keeps cookies from being churned around the
    per-person limits, and a flood of them from making a person each. Identities known
    once are remembered in this process, so someone already here costs no query.
    """

    def __init__(self, database: Database, limit: int, window: timedelta) -> None:
        self.database, self.limit, self.window = database, limit, window
        self._pruned: datetime | None = None
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._full: dict[str, datetime] = {}  # address: until when it brings nobody new

    async def turned_away(self, channel: str, external_id: str, origin: str) -> timedelta | None:
        """``None`` for a known identity, or a new one within its address's allowance (and
        then counted); otherwise how long until the address may bring another."""
        key = (channel, external_id)
        if key in self._known:
            self._known.move_to_end(key)
            return None
        if not await self._exists(channel, external_id):
            wait = await self._newcomer(subject_of(NEWCOMER, origin))
            if wait is not None:
                return wait
        self._known[key] = None
        while len(self._known) > REMEMBERED:
            self._known.popitem(last=False)
        return None

    async def _exists(self, channel: str, external_id: str) -> bool:
        known = exists().where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
        async with self.database.sessions() as session:
            return bool((await session.execute(select(known))).scalar())

    async def _newcomer(self, subject: str) -> timedelta | None:
        """Count a newcomer from ``subject``, or how long it has to wait.

        An address found full stays full until its oldest newcomer leaves the window
        (other instances can only add to it), so a flood is refused from memory.
        """
        now = self.database.clock()
        until = self._full.get(subject)
        if until is not None and now < until:
            return until - now
        self._full.pop(subject, None)
        wait = await self._count_newcomer(subject, now)
        if wait is not None:
            self._full[subject] = now + wait
            while len(self._full) > REMEMBERED:
                del self._full[next(iter(self._full))]
        return wait

    async def _count_newcomer(self, subject: str, now: datetime) -> timedelta | None:
        mine = (Attempt.kind == NEWCOMER) & (Attempt.subject == subject)
        recent = select(func.count(), func.min(Attempt.at)).where(
            mine, Attempt.at > now - self.window
        )
        async with self.database.transaction() as session:
            if not self.database.is_sqlite:  # one address at a time; SQLite has one writer
                await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(subject))))
            count, oldest = (await session.execute(recent)).one()
            if int(count) >= self.limit:
                return max(timedelta(seconds=1), oldest + self.window - now)
            await session.execute(insert(Attempt).values(kind=NEWCOMER, subject=subject, at=now))
            await self._prune(session, now)
        return None

    async def _prune(self, session: AsyncSession, now: datetime) -> None:
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        # Only this kind's rows: wrong invite codes have a window of their own.
        old = (Attempt.kind == NEWCOMER) & (Attempt.at < now - self.window)
        await session.execute(delete(Attempt).where(old))
