"""One-time links to a person's own data (/mydata): made, opened once, then gone.

A one-time link (``store/one_time_links.py``: a random secret, only its hash stored,
never logged) that works once and for a day; the file is made when it is opened, so what
it holds is the data of that moment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.clock import Clock
from c2cbot.store import one_time_links
from c2cbot.store.database import Database
from c2cbot.store.personal_data import personal_data

log = logging.getLogger(__name__)

LIFETIME = timedelta(hours=24)


async def offer(session: AsyncSession, stakeholder_id: int, now: datetime) -> str:
    """A new link's secret; the person's earlier links stop working."""
    return await one_time_links.offer(session, one_time_links.MYDATA, stakeholder_id, now, LIFETIME)


async def take(session: AsyncSession, secret: str, now: datetime) -> int | None:
    """Whose data the link gives, using it up; ``None`` if unknown, used or expired."""
    return await one_time_links.take(session, one_time_links.MYDATA, secret, now)


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
