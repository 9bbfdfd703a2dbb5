"""When a group chat gets its weekly digest: its weekday, local time and zone.

The weekly job (``scheduling/weekly_digests.py``) reads these through
``digest_deliveries.readers``; the zone a group without its own follows is found the
same way here, so the group is told the time it will really get.

The same concept as ``flows/digest_times.py``, one layer down: that module reads the
command, this one stores the setting.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.channels.registry import GROUP_SIDES
from c2cbot.store.models import City, GroupChat, PartnershipCity, Stakeholder


async def set_digest_time(
    session: AsyncSession, channel: str, chat_id: str, weekday: int, at: str, zone: str | None
) -> str | None:
    """Set the group's digest weekday and time (and zone, if given); the zone in force."""
    group = (
        await session.execute(
            select(GroupChat).where(GroupChat.channel == channel, GroupChat.chat_id == chat_id)
        )
    ).scalar_one_or_none()
    if group is None:
        return None
    group.digest_weekday, group.digest_time = weekday, at
    if zone is not None:
        group.timezone = zone
    await session.flush()
    return group.timezone or await _followed_zone(session, group)


async def _followed_zone(session: AsyncSession, group: GroupChat) -> str:
    """The linking coordinator's zone or their city's, else the group's side's city's."""
    if group.linked_by is not None:
        row = (
            await session.execute(
                select(Stakeholder.timezone, City.timezone)
                .outerjoin(City, City.id == Stakeholder.city_id)
                .where(Stakeholder.id == group.linked_by)
            )
        ).one_or_none()
        if row is not None and (row[0] or row[1]):
            return str(row[0] or row[1])
    side = GROUP_SIDES.get(group.channel, "eu")
    query = (
        select(City.side, City.timezone)
        .join(PartnershipCity, PartnershipCity.city_id == City.id)
        .where(PartnershipCity.partnership_id == group.partnership_id)
        .order_by(City.id)
    )
    zones = {s: z for s, z in reversed((await session.execute(query)).all())}
    return zones.get(side) or next(iter(zones.values()), "UTC")
