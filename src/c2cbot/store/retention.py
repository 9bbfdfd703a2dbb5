"""How long technical records are kept, and removing older ones in small batches.

Dedupe keys of handled messages, journal rows the engine never cleared, counted wrong
invite and /connect codes, and sent (or dead) outbox rows carry people's words, chat ids
and hashed addresses; they are needed for days or hours, not
forever (``C2C_RETENTION_INBOUND_DAYS``, ``C2C_RETENTION_OUTBOX_DAYS``). Each batch is its
own short transaction, so pruning a large table never holds a long lock: the bot keeps
answering meanwhile. Unsent messages and the newest row of each chat (the last offer a
typed number refers to) are never pruned by age alone: a chat's newest row is kept.
Expired one-time links (/mydata's, /web's) and workspace sessions go once expired.
People themselves have their own rules (``store/inactive_people.py``): strangers go with
the technical records, members silent for ``C2C_RETENTION_INACTIVE_DAYS`` are erased.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select

from c2cbot.store.database import Database
from c2cbot.store.guard_models import (
    Attempt,
    ConnectAttempt,
    OneTimeLink,
    WebSession,
)
from c2cbot.store.inactive_people import erase_inactive, remove_strangers
from c2cbot.store.models import InboundMessage, JournalEntry, OutboxMessage

BATCH = 1000


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept (the settings' values)."""

    inbound_days: int = 30
    outbox_days: int = 90
    inactive_days: int = 730


DEFAULT_RETENTION = Retention()


async def prune(database: Database, retention: Retention, now: datetime) -> dict[str, int]:
    """Remove what is older than its retention; how many rows of each kind went."""
    inbound_cutoff = now - timedelta(days=retention.inbound_days)
    outbox_cutoff = now - timedelta(days=retention.outbox_days)
    newest_per_chat = select(func.max(OutboxMessage.id)).group_by(
        OutboxMessage.channel, OutboxMessage.chat_id
    )
    return {
        "inbound": await _in_batches(
            database, InboundMessage.id, lambda: InboundMessage.received_at < inbound_cutoff
        ),
        "journal": await _in_batches(
            database, JournalEntry.id, lambda: JournalEntry.received_at < inbound_cutoff
        ),
        "attempts": await _in_batches(database, Attempt.id, lambda: Attempt.at < inbound_cutoff)
        + await _in_batches(
            database, ConnectAttempt.id, lambda: ConnectAttempt.attempted_at < inbound_cutoff
        ),
        "outbox": await _in_batches(
            database,
            OutboxMessage.id,
            lambda: (
                (OutboxMessage.created_at < outbox_cutoff)
                & OutboxMessage.status.in_(("sent", "dead"))
                & OutboxMessage.id.not_in(newest_per_chat)
            ),
        ),
        "one-time links": await _in_batches(
            database, OneTimeLink.id, lambda: OneTimeLink.expires_at < now
        ),
        "web sessions": await _in_batches(
            database, WebSession.id, lambda: WebSession.expires_at < now
        ),
        "inactive people": await erase_inactive(
            database, now - timedelta(days=retention.inactive_days)
        ),
        "strangers": await remove_strangers(database, inbound_cutoff),
    }


async def _in_batches(
    database: Database, key: Any, older: Callable[[], ColumnElement[bool]]
) -> int:
    """Delete rows matching ``older`` a batch at a time, each batch committed alone."""
    removed = 0
    while True:
        async with database.transaction() as session:
            ids = list(await session.scalars(select(key).where(older()).limit(BATCH)))
            if ids:
                await session.execute(delete(key.class_).where(key.in_(ids)))
        removed += len(ids)
        if len(ids) < BATCH:
            return removed
