"""Who takes part, as ``c2cbot people list`` shows it: names, places and roles, no answers.

An operator needs to see who is in which partnership and how to reach them, not what
they said: answers stay in the exports, and channel ids stay in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.models import (
    ChannelIdentity,
    City,
    Membership,
    Organisation,
    Partnership,
    Stakeholder,
)


@dataclass(frozen=True)
class PersonLine:
    id: int
    name: str | None
    city: str | None
    organisation: str | None
    helix_role: str | None
    roles: dict[str, str]  # partnership name → role in it
    channels: tuple[str, ...]
    last_seen: datetime | None


async def people_lines(
    session: AsyncSession, partnership_id: int | None = None
) -> list[PersonLine]:
    """Everyone (or the members of one partnership), by name, with their roles."""
    query = (
        select(Stakeholder, City.name_en, Organisation.name)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .outerjoin(Organisation, Organisation.id == Stakeholder.organisation_id)
        .order_by(Stakeholder.name, Stakeholder.id)
    )
    if partnership_id is not None:
        members = select(Membership.stakeholder_id).where(
            Membership.partnership_id == partnership_id
        )
        query = query.where(Stakeholder.id.in_(members))
    people = list(await session.execute(query))
    roles = await _roles(session, partnership_id)
    reach = await _channels(session)
    return [
        PersonLine(
            person.id,
            person.name,
            city,
            organisation,
            person.helix_role,
            roles.get(person.id, {}),
            *reach.get(person.id, ((), None)),
        )
        for person, city, organisation in people
    ]


async def _roles(session: AsyncSession, partnership_id: int | None) -> dict[int, dict[str, str]]:
    query = (
        select(Membership.stakeholder_id, Partnership.name, Membership.role)
        .join(Partnership, Partnership.id == Membership.partnership_id)
        .order_by(Partnership.name)
    )
    if partnership_id is not None:
        query = query.where(Membership.partnership_id == partnership_id)
    roles: dict[int, dict[str, str]] = {}
    for stakeholder_id, name, role in await session.execute(query):
        roles.setdefault(stakeholder_id, {})[name] = role
    return roles


async def _channels(
    session: AsyncSession,
) -> dict[int, tuple[tuple[str, ...], datetime | None]]:
    """Each person's channels (names only) and when they last wrote on any of them."""
    query = (
        select(
            ChannelIdentity.stakeholder_id,
            ChannelIdentity.channel,
            func.max(ChannelIdentity.last_seen_at),
        )
        .group_by(ChannelIdentity.stakeholder_id, ChannelIdentity.channel)
        .order_by(ChannelIdentity.channel)
    )
    found: dict[int, tuple[tuple[str, ...], datetime | None]] = {}
    for stakeholder_id, channel, seen in await session.execute(query):
        channels, last = found.get(stakeholder_id, ((), None))
        found[stakeholder_id] = (
            (*channels, channel),
            max(filter(None, (last, seen)), default=None),
        )
    return found
