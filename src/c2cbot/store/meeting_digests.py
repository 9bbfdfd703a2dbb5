"""Meeting digests left for the meeting-digest job: held, found, and posted exactly once.

With a translation provider configured, confirming the notes only marks the meeting
(``meetings.digest_pending``) in the chat's transaction: the provider is never called
while that transaction holds the database. The job translates outside any transaction,
then clears the mark and writes the digest to the outbox in one transaction of its own.
Clearing is conditional (``WHERE digest_pending``), so of two runs — after a restart, or
on two instances — only the one that cleared it writes the digest.

The same concept as ``scheduling/meeting_digests.py``, one layer down: that module is the
job, this one its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.flows.ports import DigestChat
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import OutboxMessage
from c2cbot.store.outbox import outbox_row


async def hold(session: AsyncSession, meeting_id: int) -> None:
    """Leave the meeting's digest to the job (in the transaction confirming the notes)."""
    await session.execute(
        update(Meeting).where(Meeting.id == meeting_id).values(digest_pending=True)
    )


async def pending(session: AsyncSession, limit: int) -> list[tuple[int, int]]:
    """(meeting, partnership) of digests still to post, oldest first."""
    query = (
        select(Meeting.id, Meeting.partnership_id)
        .where(Meeting.digest_pending)
        .order_by(Meeting.id)
        .limit(limit)
    )
    return [(m, p) for m, p in await session.execute(query)]


async def post(
    session: AsyncSession,
    meeting_id: int,
    payloads: Sequence[tuple[DigestChat, Sequence[dict[str, Any]]]],
    now: datetime,
) -> bool:
    """Clear the meeting's mark and, if this call cleared it, write its digest; whether."""
    cleared = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.digest_pending)
        .values(digest_pending=False)
    )
    if cleared.rowcount != 1:  # type: ignore[attr-defined]
        return False  # posted by another run meanwhile
    rows = [
        outbox_row(chat.channel, chat.chat_id, None, payload, now)
        for chat, messages in payloads
        for payload in messages
    ]
    if rows:
        await session.execute(insert(OutboxMessage), rows)
    return True
