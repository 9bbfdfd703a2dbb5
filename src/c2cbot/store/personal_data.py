"""Everything kept about one person, for /mydata and ``c2cbot people export`` (GDPR Art.
15 and 20, PIPL Art. 45): their profile, channels, partnerships, consents (what each
covers, the notice's version and when it was given), answers and reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.flows.answer_history import consent_in
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    City,
    KpiValue,
    Membership,
    Organisation,
    Partnership,
    Prompt,
    Stakeholder,
)


@dataclass(frozen=True)
class PersonalData:
    """One person's data as plain values, ready for a chat message or a JSON file."""

    profile: dict[str, Any]
    channels: list[dict[str, Any]]
    partnerships: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    kpi_reports: int
    questions_asked: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def personal_data(session: AsyncSession, stakeholder_id: int) -> PersonalData:
    person = await session.get_one(Stakeholder, stakeholder_id)
    answers = await _answers(session, stakeholder_id)
    return PersonalData(
        profile=await _profile(session, person),
        channels=await _channels(session, stakeholder_id),
        partnerships=await _partnerships(session, stakeholder_id),
        consents=[_consent(answer) for answer in answers if consent_in(answer.value)],
        answers=[_answer(answer) for answer in answers if not consent_in(answer.value)],
        kpi_reports=await _count(session, KpiValue.reported_by == stakeholder_id),
        questions_asked=await _count(session, Prompt.stakeholder_id == stakeholder_id),
    )


async def _profile(session: AsyncSession, person: Stakeholder) -> dict[str, Any]:
    city = await session.get(City, person.city_id) if person.city_id else None
    organisation = (
        await session.get(Organisation, person.organisation_id) if person.organisation_id else None
    )
    return {
        "name": person.name,
        "language": person.language,
        "city": city.name_en if city else None,
        "organisation": organisation.name if organisation else None,
        "helix_role": person.helix_role,
        "timezone": person.timezone,
        "on_leave_until": person.paused_until.isoformat() if person.paused_until else None,
        "since": person.created_at.isoformat(),
    }


async def _channels(session: AsyncSession, stakeholder_id: int) -> list[dict[str, Any]]:
    query = select(ChannelIdentity).where(ChannelIdentity.stakeholder_id == stakeholder_id)
    return [
        {
            "channel": identity.channel,
            "display_name": identity.display_name,
            "last_seen": identity.last_seen_at.isoformat(),
        }
        for identity in await session.scalars(query.order_by(ChannelIdentity.id))
    ]


async def _partnerships(session: AsyncSession, stakeholder_id: int) -> list[dict[str, Any]]:
    query = (
        select(Partnership.name, Membership.role, Membership.joined_at)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.stakeholder_id == stakeholder_id)
        .order_by(Membership.joined_at)
    )
    return [
        {"partnership": name, "role": role, "joined": joined.isoformat()}
        for name, role, joined in await session.execute(query)
    ]


async def _answers(session: AsyncSession, stakeholder_id: int) -> list[Answer]:
    query = (
        select(Answer)
        .where(Answer.stakeholder_id == stakeholder_id)
        .order_by(Answer.answered_at, Answer.id)
    )
    return list(await session.scalars(query))


def _answer(answer: Answer) -> dict[str, Any]:
    return {
        "answered": answer.answered_at.isoformat(),
        "conversation": answer.conversation,
        "question": answer.question if answer.item is None else f"{answer.question}#{answer.item}",
        "answer": answer.display,
    }


def _consent(answer: Answer) -> dict[str, Any]:
    record = consent_in(answer.value) or {}
    return {
        "consent": record.get("scope"),
        "notice": record.get("notice"),
        "given": answer.answered_at.isoformat(),
    }


async def _count(session: AsyncSession, where: Any) -> int:
    table = where.left.table
    return int(await session.scalar(select(func.count()).select_from(table).where(where)) or 0)
