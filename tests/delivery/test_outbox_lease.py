"""A message left "sending" by a process that died goes again once its lease is over;
claims look for expired leases every ``SWEEP_EVERY`` of the bot's clock, not each time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from c2cbot.store.database import Database
from c2cbot.store.models import OutboxMessage
from c2cbot.store.outbox import LEASE, SWEEP_EVERY, SqlOutbox, outbox_row


async def test_an_expired_lease_is_claimed_again_at_the_next_sweep(database: Database) -> None:
    outbox = SqlOutbox(database)
    start = database.clock()
    try:
        assert await outbox.claim_due(start) == []  # the first claim sweeps
        claimed_long_ago = start - LEASE - timedelta(minutes=1)
        row = outbox_row("telegram", "42", None, {"text": "hello"}, claimed_long_ago)
        async with database.transaction() as session:
            await session.execute(insert(OutboxMessage), [{**row, "status": "sending"}])
        soon = start + SWEEP_EVERY / 2
        assert await outbox.claim_due(soon) == []  # no sweep yet: it stays "sending"
        claimed = await outbox.claim_due(start + SWEEP_EVERY)
        assert [due.payload["text"] for due in claimed] == ["hello"]
        assert await outbox.claim_due(start + 2 * SWEEP_EVERY) == []  # claimed once
    finally:
        await outbox.close()


async def test_a_clock_moved_back_sweeps_at_once(database: Database) -> None:
    outbox = SqlOutbox(database)
    start = database.clock()
    try:
        assert await outbox.claim_due(start) == []
        earlier = start - timedelta(seconds=1)
        row = outbox_row("telegram", "42", None, {"text": "hello"}, earlier - LEASE - LEASE)
        async with database.transaction() as session:
            await session.execute(insert(OutboxMessage), [{**row, "status": "sending"}])
        assert [due.payload["text"] for due in await outbox.claim_due(earlier)] == ["hello"]
    finally:
        await outbox.close()
