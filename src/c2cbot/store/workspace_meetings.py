"""The workspace's meetings page in SQL: every meeting of a partnership, in three queries.

The notes are read into the meeting digest's facts (``store.meetings.notes``), so the
page and the digest show the same meeting the same way. However many meetings and
action items a partnership has: one query for the meetings, one for the partnership's
cities (their clocks), one for all the meetings' action items.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.digests import MeetingFacts
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.meetings import action_items, notes, partnership_cities
from c2cbot.store.models import Activity, Partnership


async def meeting_notes(
    session: AsyncSession, partnership_id: int, meeting_id: int | None = None
) -> list[MeetingFacts]:
    """The partnership's meetings, newest first; only ``meeting_id`` when given (and the
    partnership's: another partnership's meeting is not found)."""
    query = (
        select(Meeting, Partnership.name)
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(Meeting.partnership_id == partnership_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    if meeting_id is not None:
        query = query.where(Meeting.id == meeting_id)
    meetings = (await session.execute(query)).all()
    if not meetings:
        return []
    cities = await partnership_cities(session, partnership_id)
    actions: dict[int, list[tuple[Activity, str | None]]] = defaultdict(list)
    for activity, city in await session.execute(action_items([m.id for m, _name in meetings])):
        actions[activity.meeting_id or 0].append((activity, city))
    return [notes(m, name, cities, actions[m.id]) for m, name in meetings]
