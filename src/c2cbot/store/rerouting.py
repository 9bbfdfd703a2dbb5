"""A message one of a person's channels cannot deliver goes once to their next channel.

Which channel comes first is written once, here (``PROMPT_ORDER``): the one the person
chose with /channel, then the one they wrote on last. Prompts are addressed that way
(``prompt_reads``), and when the channel then says it cannot reach the person (WeChat's
48-hour window closed and no template configured, the bot blocked or unfollowed) the
dispatcher hands the message back here: it is queued again, unchanged, on the person's
next active channel, and the original is marked ``moved``. A moved message carries
``extra["moved_from"]`` and is never moved again, so a person with two unreachable
channels gets a dead letter, not a message bouncing between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.models import ChannelIdentity, OutboxMessage
from c2cbot.store.outbox import outbox_row

PROMPT_ORDER = (
    ChannelIdentity.preferred.desc(),
    ChannelIdentity.last_seen_at.desc(),
    ChannelIdentity.id.desc(),
)
MOVED = "moved"


async def reroute(session: AsyncSession, message_id: int, reason: str, now: datetime) -> bool:
    """Queue the message on its person's next channel; False when there is none (or it
    was moved once already), and the message stays as it was."""
    row = await session.get(OutboxMessage, message_id, with_for_update=True)
    if row is None or row.stakeholder_id is None:
        return False
    extra = dict(row.payload.get("extra") or {})
    if "moved_from" in extra:
        return False
    target = await _next_channel(session, row)
    if target is None:
        return False
    channel, chat_id = target
    payload = {**row.payload, "extra": _moved(extra, row.channel)}
    await session.execute(
        insert(OutboxMessage).values(outbox_row(channel, chat_id, row.stakeholder_id, payload, now))
    )
    row.status, row.attempts, row.error = MOVED, row.attempts + 1, reason[:500]
    return True


async def _next_channel(session: AsyncSession, row: OutboxMessage) -> tuple[str, str] | None:
    elsewhere = not_(
        and_(ChannelIdentity.channel == row.channel, ChannelIdentity.chat_id == row.chat_id)
    )
    query = (
        select(ChannelIdentity.channel, ChannelIdentity.chat_id)
        .where(ChannelIdentity.stakeholder_id == row.stakeholder_id, ChannelIdentity.active)
        .where(elsewhere)
        .order_by(*PROMPT_ORDER)
        .limit(1)
    )
    found = (await session.execute(query)).one_or_none()
    return None if found is None else (found.channel, found.chat_id)


def _moved(extra: dict[str, Any], channel: str) -> dict[str, Any]:
    """An edit of the last question means nothing in another chat: it is sent as new."""
    kept = {k: v for k, v in extra.items() if k not in ("update", "edit")}
    return {**kept, "moved_from": channel}
