"""Meeting notes in SQL: storing them, their action items as activities, and their facts.

A confirmed meeting's action items become ``activities`` rows (source "meeting") so
the progress prompts follow them up like any activity of the plan; an owner named in
the notes becomes the member of that name, or stays a name when no member has it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.digests import (
    ActionItem,
    CityName,
    MeetingFacts,
    MeetingKind,
    Participant,
    Written,
)
from c2cbot.domain.values import normalise
from c2cbot.flows.ports import DigestChat, MeetingDraft
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import (
    Activity,
    City,
    GroupChat,
    Membership,
    Partnership,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.schedule_settings import own_zone

FALLBACK_ZONE = "UTC"


async def partnership_cities(session: AsyncSession, partnership_id: int) -> list[City]:
    """The partnership's cities, European side first, as the rest of the bot lists them."""
    query = (
        select(City)
        .join(PartnershipCity, PartnershipCity.city_id == City.id)
        .where(PartnershipCity.partnership_id == partnership_id)
        .order_by(City.side.desc(), City.name_en)
    )
    return list((await session.execute(query)).scalars())


def city_name(city: City) -> CityName:
    names = {"en": city.name_en, "zh_Hans": city.name_zh}
    if city.name_de:
        names["de"] = city.name_de
    return CityName(city.key, names, city.timezone, city.side)


async def meeting_zone(
    session: AsyncSession, stakeholder_id: int, partnership_id: int, city_id: int | None
) -> str:
    """The picked city's zone if it is the partnership's; else the person's own zone,
    their city's, else the partnership's first city's."""
    cities = await partnership_cities(session, partnership_id)
    picked = [c.timezone for c in cities if c.id == city_id]
    if picked:
        return picked[0]
    if zone := await own_zone(session, stakeholder_id):
        return zone
    return cities[0].timezone if cities else FALLBACK_ZONE


async def record_meeting(session: AsyncSession, draft: MeetingDraft, now: datetime) -> int:
    """Store confirmed notes; each action item becomes a followed-up activity."""
    meeting = Meeting(
        partnership_id=draft.partnership_id,
        recorded_by=draft.recorded_by,
        kind=draft.kind,
        starts_at=draft.starts_at,
        timezone=draft.timezone,
        place=draft.place,
        participants=[
            {"name": name, "city_id": city, "organisation": organisation}
            for name, city, organisation in draft.participants
        ],
        agenda=list(draft.agenda),
        decisions=list(draft.decisions),
        language=draft.language,
        confirmed_at=now,
    )
    session.add(meeting)
    await session.flush()
    members = await _members_by_name(session, draft.partnership_id)
    session.add_all(
        Activity(
            partnership_id=draft.partnership_id,
            title=action.what[:200],
            owner_id=members.get(_name_key(action.owner)) if action.owner else None,
            owner_name=action.owner[:200] if action.owner else None,
            due_on=action.due_on,
            status="planned",
            source="meeting",
            meeting_id=meeting.id,
            created_at=now,
        )
        for action in draft.actions
    )
    await session.flush()
    return meeting.id


async def _members_by_name(session: AsyncSession, partnership_id: int) -> dict[str, int]:
    """Members by their name as typed in any case and spacing; a name two members share
    names neither of them, since the notes cannot tell who was meant."""
    query = (
        select(Stakeholder.id, Stakeholder.name)
        .join(Membership, Membership.stakeholder_id == Stakeholder.id)
        .where(Membership.partnership_id == partnership_id, Stakeholder.name.is_not(None))
    )
    found: dict[str, int] = {}
    twice: set[str] = set()
    for stakeholder_id, name in await session.execute(query):
        key = _name_key(name)
        twice.update({key} if key in found else set())
        found[key] = stakeholder_id
    return {k: v for k, v in found.items() if k not in twice}


def _name_key(name: str | None) -> str:
    return normalise(name or "").casefold()


async def last_meeting(session: AsyncSession, partnership_id: int) -> int | None:
    query = (
        select(Meeting.id)
        .where(Meeting.partnership_id == partnership_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def meeting_facts(session: AsyncSession, meeting_id: int) -> MeetingFacts | None:
    """One meeting's notes, its partnership's cities and its action items (four queries)."""
    row = (
        await session.execute(
            select(Meeting, Partnership.name)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(Meeting.id == meeting_id)
        )
    ).one_or_none()
    if row is None:
        return None
    meeting, partnership = row
    cities = await partnership_cities(session, meeting.partnership_id)
    actions = (await session.execute(action_items([meeting_id]))).all()
    return notes(meeting, partnership, cities, [(a, city) for a, city in actions])


def action_items(meeting_ids: Collection[int]) -> Select[Activity, str]:
    """The meetings' action items with their owner's city (by key), in the order taken."""
    return (
        select(Activity, City.key)
        .outerjoin(Stakeholder, Stakeholder.id == Activity.owner_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Activity.meeting_id.in_(meeting_ids))
        .order_by(Activity.id)
    )


def notes(
    meeting: Meeting,
    partnership: str,
    cities: Sequence[City],
    actions: Iterable[tuple[Activity, str | None]],
) -> MeetingFacts:
    """A meeting's facts from its rows: what its digest and the workspace both show."""
    keys = {c.id: c.key for c in cities}
    language = meeting.language
    return MeetingFacts(
        meeting_id=meeting.id,
        partnership=partnership,
        cities=tuple(city_name(c) for c in cities),
        kind=MeetingKind(meeting.kind),
        starts_at=meeting.starts_at,
        timezone=meeting.timezone,
        place=Written(meeting.place, language) if meeting.place else None,
        participants=tuple(_participants(meeting.participants, keys)),
        agenda=_written(meeting.agenda, language),
        decisions=_written(meeting.decisions, language),
        action_items=tuple(_action(a, city, language) for a, city in actions),
    )


def _participants(rows: Iterable[Any], keys: dict[int, str]) -> Iterable[Participant]:
    for row in rows:
        if isinstance(row, dict) and row.get("name"):
            city_id = row.get("city_id")
            city = keys.get(city_id) if isinstance(city_id, int) else None
            yield Participant(str(row["name"]), city, row.get("organisation") or None)


def _written(lines: Sequence[str], language: str) -> tuple[Written, ...]:
    return tuple(Written(str(line), language) for line in lines if str(line).strip())


def _action(activity: Activity, city: str | None, language: str) -> ActionItem:
    return ActionItem(
        what=Written(activity.title, language),
        owner=activity.owner_name,
        owner_city=city,
        due_on=activity.due_on,
        status=activity.status,
        activity_id=activity.id,
    )


async def digest_chats(session: AsyncSession, partnership_id: int) -> list[DigestChat]:
    """Active group chats of the partnership: a group the bot was removed from, or a
    WeCom chat deleted on WeCom's side, was deactivated when a send said so."""
    query = (
        select(GroupChat.channel, GroupChat.chat_id, GroupChat.languages)
        .where(GroupChat.partnership_id == partnership_id, GroupChat.active)
        .order_by(GroupChat.id)
    )
    return [
        DigestChat(channel, chat_id, tuple(languages or ()) or ("en",))
        for channel, chat_id, languages in await session.execute(query)
    ]
