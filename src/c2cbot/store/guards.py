"""What guards the doors, kept where every instance sees it: signed callbacks already
seen (``SqlReplays``) and new browser identities per source address (``SqlNewcomers``).

An in-memory cache would let a replay or a fresh identity through the other instance,
or after a restart; these rows are few, short-lived and pruned as they fall out of
their window. Wrong invite codes are counted in the same ``attempts`` table, inside the
engine's transaction (``store/invites.py``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.database import Database
from c2cbot.store.models import Attempt, CallbackNonce, ChannelIdentity

_nonces = cast(Table, CallbackNonce.__table__)
PRUNE_EVERY = timedelta(seconds=60)  # at most one prune a minute per process and table
NEWCOMER = "web:newcomer"


def subject_of(kind: str, who: str) -> str:
    """A fixed-size stand-in for a person or address: rows never hold the address itself."""
    return hashlib.sha256(f"{kind}\x00{who}".encode()).hexdigest()


class SqlReplays:
    """(timestamp, nonce) pairs of signed callbacks, refused the second time anywhere."""

    def __init__(self, database: Database, window: timedelta) -> None:
        self.database, self.window = database, window
        self._pruned: datetime | None = None

    async def first_use(self, channel: str, timestamp: str, nonce: str) -> bool:
        """Record the pair; ``False`` if it was seen before (a replay)."""
        now = self.database.clock()
        row = {"channel": channel, "timestamp": timestamp[:20], "nonce": nonce[:64]}
        try:
            async with self.database.transaction(urgent=True) as session:
                await session.execute(insert(_nonces).values(**row, seen_at=now))
                await self._prune(session, now)
        except IntegrityError:
            return False
        return True

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
    per-person limits.
    """

    def __init__(self, database: Database, limit: int, window: timedelta) -> None:
        self.database, self.limit, self.window = database, limit, window
        self._pruned: datetime | None = None

    async def admit(self, channel: str, external_id: str, origin: str) -> bool:
        """``True`` for a known identity, or a new one within its address's allowance."""
        known = exists().where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
        async with self.database.sessions() as session:
            if (await session.execute(select(known))).scalar():
                return True
        now, subject = self.database.clock(), subject_of(NEWCOMER, origin)
        recent = select(func.count()).where(
            Attempt.kind == NEWCOMER, Attempt.subject == subject, Attempt.at > now - self.window
        )
        async with self.database.transaction() as session:
            if int((await session.execute(recent)).scalar_one()) >= self.limit:
                return False
            await session.execute(insert(Attempt).values(kind=NEWCOMER, subject=subject, at=now))
            await self._prune(session, now)
        return True

    async def _prune(self, session: AsyncSession, now: datetime) -> None:
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        await session.execute(delete(Attempt).where(Attempt.at < now - self.window * 24))
