"""One-time links to a person's own data (/mydata): made, opened once, then gone.

The link's secret is 32 random bytes (``secrets.token_urlsafe``), so it cannot be
guessed; only its SHA-256 is stored and it is never logged. A link works once and for a
day; the file is made when it is opened, so what it holds is the data of that moment.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.clock import Clock
from c2cbot.store.database import Database
from c2cbot.store.guard_models import DataDownload
from c2cbot.store.personal_data import personal_data

log = logging.getLogger(__name__)

LIFETIME = timedelta(hours=24)
SECRET_BYTES = 32


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def offer(session: AsyncSession, stakeholder_id: int, now: datetime) -> str:
    """A new link's secret; the person's earlier links stop working."""
    await session.execute(delete(DataDownload).where(DataDownload.stakeholder_id == stakeholder_id))
    secret = secrets.token_urlsafe(SECRET_BYTES)
    session.add(
        DataDownload(
            secret_hash=_hash(secret),
            stakeholder_id=stakeholder_id,
            expires_at=now + LIFETIME,
            created_at=now,
        )
    )
    await session.flush()
    return secret


async def take(session: AsyncSession, secret: str, now: datetime) -> int | None:
    """Whose data the link gives, using it up; ``None`` if unknown, used or expired."""
    if not 20 <= len(secret) <= 100:
        return None
    claimed = await session.scalar(
        update(DataDownload)
        .where(
            DataDownload.secret_hash == _hash(secret),
            DataDownload.used_at.is_(None),
            DataDownload.expires_at > now,
        )
        .values(used_at=now)
        .returning(DataDownload.stakeholder_id)
    )
    return int(claimed) if claimed is not None else None


class SqlDataDownloads:
    """Opens /mydata links for the web server: the data, made when the link is opened."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database, self.clock = database, clock

    async def open(self, secret: str) -> dict[str, Any] | None:
        """The person's data; ``None`` (and nothing changes) for a link that does not work."""
        async with self.database.transaction() as session:
            stakeholder_id = await take(session, secret, self.clock())
            if stakeholder_id is None:
                return None
            data = (await personal_data(session, stakeholder_id)).as_json()
        log.info("personal data downloaded by person #%d", stakeholder_id)
        return data
