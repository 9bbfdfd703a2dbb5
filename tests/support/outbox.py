"""The outbox as tests use it: messages put in as the bot puts them, and a report of its rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from c2cbot.flows.messages import Outbound
from c2cbot.store.database import Database
from c2cbot.store.ledger import SqlStore
from c2cbot.store.models import OutboxMessage

REPORTED = 30  # rows an outbox report lists at most


async def enqueue(database: Database, messages: Sequence[tuple[str, str, Outbound]]) -> None:
    """Queue (channel, chat, message) in this order, in one transaction, by the bot's clock."""
    async with SqlStore(database).transaction() as ledger:
        for channel, chat_id, message in messages:
            await ledger.outbox.enqueue_all(channel, chat_id, None, [message])


async def outbox_report(database: Database) -> str:
    """The unsent outbox rows, with their state and due time against the bot's clock.

    What a test waiting for a delivery needs to see when none came: whether the
    message was never written, is due in the bot's future, failed, or is dead.
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status != "sent")
        .order_by(OutboxMessage.id)
        .limit(REPORTED)
    )
    async with database.sessions() as session:
        rows = list((await session.execute(query)).scalars())
    lines = [
        f"outbox rows not sent (the bot's clock says {database.clock():%Y-%m-%d %H:%M:%S %Z}):"
    ]
    lines += [_line(row) for row in rows] or ["  none"]
    return "\n".join(lines)


def _line(row: OutboxMessage) -> str:
    text = str(row.payload.get("text", ""))[:40]
    return (
        f"  #{row.id} {row.channel}:{row.chat_id} {row.status} attempts={row.attempts}"
        f" due {row.next_attempt_at:%Y-%m-%d %H:%M:%S} error={row.error!r} text={text!r}"
    )
