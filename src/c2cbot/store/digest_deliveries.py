"""Who gets a weekly digest, at whose local time, and which digests went out already.

Readers are every active group chat linked to a partnership and every coordinator of
one (in their private chat). A group's digest time is its own weekday and local time
(default Monday 09:00) in its own zone, else in the zone of the coordinator who linked
it — the group was linked by someone who reads it — else, for a WeCom chat, the Chinese
city's and for any other the European city's. A coordinator gets theirs on Monday at
09:00 in their own zone. ``digest_deliveries`` has one row per reader, partnership and
digest day, inserted in the transaction that writes the digest to the outbox: a digest
is written once, however often the job runs and whichever instance runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.channels.registry import GROUP_SIDES
from c2cbot.domain.digest_moments import COORDINATORS_DIGEST
from c2cbot.domain.digests import WeeklyFacts
from c2cbot.store import digest_facts
from c2cbot.store.database import dialect_insert
from c2cbot.store.meeting_models import DigestDelivery
from c2cbot.store.models import (
    ChannelIdentity,
    City,
    GroupChat,
    Membership,
    OutboxMessage,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.outbox import outbox_row

WEEKLY = "weekly"
COORDINATOR_ROLES = ("coordinator", "admin")
DEFAULT_WEEKDAY, DEFAULT_TIME = COORDINATORS_DIGEST


@dataclass(frozen=True)
class Reader:
    """A chat that gets a partnership's weekly digest, and when (``weekday`` 1 is Monday)."""

    target: str  # "group:<id>" or "person:<id>"
    partnership_id: int
    channel: str
    chat_id: str
    languages: tuple[str, ...]
    weekday: int
    local_time: str
    timezone: str
    since: datetime
    stakeholder_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """A digest to write: to whom, for which digest day, and its outbox payloads."""

    reader: Reader
    period_key: str
    payloads: Sequence[dict[str, Any]]


async def readers(session: AsyncSession) -> list[Reader]:
    """Every group and coordinator that reads a weekly digest (three queries)."""
    zones = await _partnership_zones(session)
    return [*await _groups(session, zones), *await _coordinators(session, zones)]


async def group_readers(session: AsyncSession, partnership_id: int) -> list[Reader]:
    """The group chats that read one partnership's weekly digest (two queries)."""
    zones = await _partnership_zones(session, partnership_id)
    return await _groups(session, zones, partnership_id)


async def _partnership_zones(
    session: AsyncSession, partnership_id: int | None = None
) -> dict[int, dict[str, str]]:
    """Each partnership's zone per side ("eu", "cn"): of every one, or of one."""
    query = select(PartnershipCity.partnership_id, City.side, City.timezone).join(
        City, City.id == PartnershipCity.city_id
    )
    if partnership_id is not None:
        query = query.where(PartnershipCity.partnership_id == partnership_id)
    zones: dict[int, dict[str, str]] = {}
    for partnership_id, side, zone in await session.execute(query):
        zones.setdefault(partnership_id, {}).setdefault(side, zone)
    return zones


def _zone_of(zones: dict[str, str], side: str, *own: str | None) -> str:
    for zone in own:
        if zone:
            return zone
    return zones.get(side) or next(iter(zones.values()), "UTC")


async def _groups(
    session: AsyncSession, zones: dict[int, dict[str, str]], partnership_id: int | None = None
) -> list[Reader]:
    query = (
        select(GroupChat, Stakeholder.timezone, City.timezone)
        .outerjoin(Stakeholder, Stakeholder.id == GroupChat.linked_by)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(GroupChat.active)
        .order_by(GroupChat.id)
    )
    if partnership_id is not None:
        query = query.where(GroupChat.partnership_id == partnership_id)
    found = []
    for group, own, city in await session.execute(query):
        side = GROUP_SIDES.get(group.channel, "eu")
        zone = _zone_of(zones.get(group.partnership_id, {}), side, group.timezone, own, city)
        found.append(
            Reader(
                f"group:{group.id}",
                group.partnership_id,
                group.channel,
                group.chat_id,
                tuple(group.languages or ("en",)),
                group.digest_weekday,
                group.digest_time,
                zone,
                group.linked_at,
            )
        )
    return found


async def _coordinators(session: AsyncSession, zones: dict[int, dict[str, str]]) -> list[Reader]:
    """Coordinators with their most recently seen active chat."""
    query = (
        select(Membership, Stakeholder, City.timezone, ChannelIdentity)
        .join(Stakeholder, Stakeholder.id == Membership.stakeholder_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .join(
            ChannelIdentity,
            (ChannelIdentity.stakeholder_id == Stakeholder.id) & ChannelIdentity.active,
        )
        .where(Membership.role.in_(COORDINATOR_ROLES))
        .order_by(Membership.id, ChannelIdentity.last_seen_at.desc(), ChannelIdentity.id)
    )
    found: dict[int, Reader] = {}
    for membership, person, city, identity in await session.execute(query):
        if membership.id in found:
            continue
        zone = _zone_of(zones.get(membership.partnership_id, {}), "eu", person.timezone, city)
        found[membership.id] = Reader(
            f"person:{person.id}",
            membership.partnership_id,
            identity.channel,
            identity.chat_id,
            (person.language,),
            DEFAULT_WEEKDAY,
            DEFAULT_TIME,
            zone,
            membership.joined_at,
            person.id,
        )
    return list(found.values())


async def weekly_facts(
    session: AsyncSession, wanted: Iterable[tuple[int, date]]
) -> dict[tuple[int, date], WeeklyFacts]:
    """The facts of each (partnership, week's last day) wanted: a few queries per week."""
    weeks: dict[date, set[int]] = {}
    for partnership_id, week_end in wanted:
        weeks.setdefault(week_end, set()).add(partnership_id)
    found: dict[tuple[int, date], WeeklyFacts] = {}
    for week_end, ids in sorted(weeks.items()):
        facts = await digest_facts.weekly_facts(session, sorted(ids), week_end)
        found.update({(pid, week_end): f for pid, f in facts.items()})
    return found


async def delivered(session: AsyncSession, period_keys: set[str]) -> set[tuple[str, int, str]]:
    """(target, partnership, period) of weekly digests already written for these days."""
    if not period_keys:
        return set()
    query = select(
        DigestDelivery.target, DigestDelivery.partnership_id, DigestDelivery.period_key
    ).where(DigestDelivery.kind == WEEKLY, DigestDelivery.period_key.in_(sorted(period_keys)))
    return {(t, p, k) for t, p, k in await session.execute(query)}


async def write(session: AsyncSession, deliveries: Sequence[Delivery], now: datetime) -> int:
    """Claim each digest's key and write the claimed ones to the outbox; how many."""
    written = 0
    for delivery in deliveries:
        if not await _claim(session, delivery, now):
            continue  # another run wrote it meanwhile
        reader = delivery.reader
        await session.execute(
            insert(OutboxMessage),
            [
                outbox_row(reader.channel, reader.chat_id, reader.stakeholder_id, payload, now)
                for payload in delivery.payloads
            ],
        )
        written += 1
    return written


async def _claim(session: AsyncSession, delivery: Delivery, now: datetime) -> bool:
    dialect = session.get_bind().dialect.name
    statement = (
        dialect_insert(dialect, DigestDelivery)
        .values(
            kind=WEEKLY,
            target=delivery.reader.target,
            partnership_id=delivery.reader.partnership_id,
            period_key=delivery.period_key,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["kind", "target", "partnership_id", "period_key"])
        .returning(DigestDelivery.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None
