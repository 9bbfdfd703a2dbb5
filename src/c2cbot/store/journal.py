"""The inbound journal in SQL (``flows.journal.JournalStore``).

The same concept as ``flows/journal.py``, one layer down: that module decides when a
message is kept and replayed; this one keeps the rows.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, exists, select

from c2cbot.flows.messages import Inbound
from c2cbot.store.database import Database
from c2cbot.store.models import InboundMessage, JournalEntry

_journal = cast(Table, JournalEntry.__table__)
_handled = exists().where(
    InboundMessage.channel == JournalEntry.channel,
    InboundMessage.dedupe_key == JournalEntry.dedupe_key,
)
_KEPT_FIELDS = tuple(f.name for f in fields(Inbound))


class SqlJournal:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._insert = database.insert(_journal).on_conflict_do_nothing()

    async def write(self, keep: list[Inbound], forget: list[Inbound]) -> None:
        async with self.database.transaction(urgent=bool(keep)) as session:
            connection = await session.connection()
            if keep:
                now = self.database.clock()
                await connection.execute(self._insert, [_row(inbound, now) for inbound in keep])
            for channel, keys in _keys_by_channel(forget).items():
                gone = (JournalEntry.channel == channel) & JournalEntry.dedupe_key.in_(keys)
                await connection.execute(delete(JournalEntry).where(gone))

    async def unhandled(self, before: datetime | None = None) -> list[Inbound]:
        query = select(JournalEntry.inbound).where(~_handled).order_by(JournalEntry.id)
        if before is not None:
            query = query.where(JournalEntry.received_at < before)
        async with self.database.sessions() as session:
            return [_inbound(row) for row in (await session.execute(query)).scalars()]

    async def forget_handled(self) -> int:
        async with self.database.transaction() as session:
            result = await session.execute(delete(JournalEntry).where(_handled))
        return int(getattr(result, "rowcount", 0) or 0)


def _keys_by_channel(inbounds: list[Inbound]) -> dict[str, list[str]]:
    """Per channel, so the delete finds its rows through the (channel, dedupe_key) index."""
    keys: dict[str, list[str]] = {}
    for inbound in inbounds:
        keys.setdefault(inbound.channel, []).append(inbound.dedupe_key[:200])
    return keys


def _row(inbound: Inbound, now: datetime) -> dict[str, Any]:
    kept = {name: getattr(inbound, name) for name in _KEPT_FIELDS}
    key = inbound.dedupe_key[:200]
    return {"channel": inbound.channel, "dedupe_key": key, "inbound": kept, "received_at": now}


def _inbound(kept: dict[str, Any]) -> Inbound:
    return Inbound(**{name: value for name, value in kept.items() if name in _KEPT_FIELDS})
