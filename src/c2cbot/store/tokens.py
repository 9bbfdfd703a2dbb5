"""Access tokens kept in the database and refreshed from one place at a time.

WeChat and WeCom invalidate the old token when a new one is fetched, so several
instances must not refresh independently: the refresh runs under a row lock
(PostgreSQL) or the process's write lock (SQLite), and a token someone else just
fetched is reused instead of fetched again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.clock import Clock
from c2cbot.store.database import Database
from c2cbot.store.models import AccessToken

Fetch = Callable[[], Awaitable[tuple[str, int]]]
MARGIN = timedelta(minutes=5)
#: How long this process trusts the token it last saw without asking the database. A
#: token another instance replaced meanwhile is refused by the API, and the refresh that
#: follows finds the new one, so this only saves a database read per API call.
REMEMBER = timedelta(seconds=60)


@dataclass(frozen=True)
class _Seen:
    token: str
    expires_at: datetime
    seen_at: datetime


class SqlTokenVault:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        """``clock``: the database's (the bot's) unless a test plays another instance."""
        self.database = database
        self.clock = clock or database.clock
        self._seen: dict[str, _Seen] = {}

    async def current(self, key: str) -> str | None:
        """A token still valid for a few minutes, if one is stored."""
        seen, now = self._seen.get(key), self.clock()
        if seen is not None and seen.seen_at + REMEMBER > now and self._fresh(seen.expires_at):
            return seen.token
        async with self.database.sessions() as session:
            row = await session.get(AccessToken, key)
        if row is None or not self._fresh(row.expires_at):
            return None
        return self._remember(row)

    async def refresh(self, key: str, stale: str | None, fetch: Fetch) -> str:
        """A fresh token: the stored one if it is newer than ``stale``, else a fetched one."""
        async with self.database.transaction() as session:
            row = await self._locked(session, key)
            if row is not None and row.token != stale and self._fresh(row.expires_at):
                return self._remember(row)
            token, expires_in = await fetch()
            row = row or AccessToken(key=key)
            row.token, row.updated_at = token, self.clock()
            row.expires_at = self.clock() + timedelta(seconds=max(0, expires_in))
            session.add(row)
        return self._remember(row)

    def _remember(self, row: AccessToken) -> str:
        self._seen[row.key] = _Seen(row.token, row.expires_at, self.clock())
        return row.token

    async def _locked(self, session: AsyncSession, key: str) -> AccessToken | None:
        if session.get_bind().dialect.name == "postgresql":  # also covers a row not yet there
            await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
        query = select(AccessToken).where(AccessToken.key == key).with_for_update()
        return (await session.execute(query)).scalar_one_or_none()

    def _fresh(self, expires_at: datetime) -> bool:
        return expires_at - MARGIN > self.clock()
