"""People who no longer use the bot, erased after a while (GDPR Art. 5(1)(e), PIPL Art. 19).

Two kinds, each with its own clock:

- **Strangers** never joined a partnership and left nothing in any shared record (a
  browser that opened the chat once, someone who stopped at the invite code). Their row
  goes entirely once nothing was heard from them for ``C2C_RETENTION_INBOUND_DAYS``, like
  the rest of the technical records. So does the nameless row an erasure leaves when it
  holds no answers.
- **Members** who have not written on any of their channels for
  ``C2C_RETENTION_INACTIVE_DAYS`` are erased as /forget would: their answers stay in
  the partnership's record without their name.

Each person is erased in a transaction of their own, so a long list never holds a long
lock, and one person who cannot be erased (a row locked right now) waits for the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select

from c2cbot.store.database import Database
from c2cbot.store.erasure import erase_person
from c2cbot.store.models import Answer, ChannelIdentity, KpiValue, Membership, Stakeholder

BATCH = 200  # people per query; each is erased alone


async def remove_strangers(database: Database, cutoff: datetime) -> int:
    """Delete people with no partnership and no shared record, silent since ``cutoff``."""
    removed = 0
    while True:
        async with database.transaction() as session:
            ids = list(await session.scalars(_silent_since(cutoff).where(_stranger()).limit(BATCH)))
            if ids:
                await session.execute(delete(Stakeholder).where(Stakeholder.id.in_(ids)))
        removed += len(ids)
        if len(ids) < BATCH:
            return removed


async def erase_inactive(database: Database, cutoff: datetime) -> int:
    """Erase members silent since ``cutoff``; how many were erased."""
    async with database.sessions() as session:
        ids = list(await session.scalars(_silent_since(cutoff).where(_not_erased())))
    for stakeholder_id in ids:
        async with database.transaction() as session:
            await erase_person(session, stakeholder_id)
    return len(ids)


def _silent_since(cutoff: datetime) -> Select[int]:
    """People last heard from (on any channel; never heard from: since they were added)
    before ``cutoff``."""
    last_seen = (
        select(ChannelIdentity.stakeholder_id, func.max(ChannelIdentity.last_seen_at).label("at"))
        .group_by(ChannelIdentity.stakeholder_id)
        .subquery()
    )
    heard = func.coalesce(last_seen.c.at, Stakeholder.created_at)
    return (
        select(Stakeholder.id)
        .outerjoin(last_seen, last_seen.c.stakeholder_id == Stakeholder.id)
        .where(heard < cutoff)
        .order_by(Stakeholder.id)
    )


def _stranger() -> ColumnElement[bool]:
    return ~or_(
        exists().where(Membership.stakeholder_id == Stakeholder.id),
        exists().where(Answer.stakeholder_id == Stakeholder.id),
        exists().where(KpiValue.reported_by == Stakeholder.id),
    )


def _not_erased() -> ColumnElement[bool]:
    """Erasure leaves no channel, no name and no organisation; such a row is done."""
    return or_(
        exists().where(ChannelIdentity.stakeholder_id == Stakeholder.id),
        Stakeholder.name.is_not(None),
        Stakeholder.organisation_id.is_not(None),
    )
