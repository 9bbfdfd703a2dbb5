"""What the partnership workspace's pages read, in a fixed number of queries per page.

Each page first finds the reader's membership of the partnership: without one the page
gets ``None``, as for a partnership that does not exist, so nobody learns which ids are
taken. The rest reuses the queries the chat and the digests already make
(``current_answers.by_city`` for the steps menu's progress, the digest's late activities
and silent people, ``plan_records.members`` for the members' names), so the pages count
what the chat counts. No query runs per row: a partnership with a thousand answers is
read with as many statements as one with three.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.digests import ActionItem, Participant
from c2cbot.domain.people import BotRole
from c2cbot.domain.steps import Step
from c2cbot.store import current_answers, plan_records, schedule_settings, workspace_activities
from c2cbot.store.database import Database
from c2cbot.store.digest_deliveries import Reader, group_readers
from c2cbot.store.digest_facts import UPCOMING_DAYS, open_action_items, waiting_for_answers
from c2cbot.store.models import (
    Answer,
    City,
    ConversationState,
    Membership,
    Partnership,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.partnership_names import partnership_titles
from c2cbot.store.workspace_kpis import kpi_facts
from c2cbot.store.workspace_meetings import meeting_notes
from c2cbot.workspace.activity_facts import ActivityFacts
from c2cbot.workspace.facts import (
    AnswerRow,
    CityFacts,
    DigestChat,
    OverviewFacts,
    PartnershipFacts,
    StepFacts,
)
from c2cbot.workspace.kpi_facts import KpiFacts
from c2cbot.workspace.meetings import MeetingsFacts

STEPS = tuple(step.value for step in Step)
COORDINATING = (BotRole.COORDINATOR.value, BotRole.ADMIN.value)


class SqlWorkspacePages:
    """``workspace.ports.Pages``: each method is one read-only session."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def partnerships(self, stakeholder_id: int) -> list[PartnershipFacts]:
        async with self.database.sessions() as session:
            return await _memberships(session, stakeholder_id, None)

    async def overview(
        self, partnership_id: int, stakeholder_id: int, today: date
    ) -> OverviewFacts | None:
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            if partnership is None:
                return None
            return OverviewFacts(
                partnership,
                today,
                tuple(await current_answers.by_city(session, partnership_id)),
                await _answerers(session, partnership_id),
                await _members_by_city(session, partnership_id),
                tuple(await _activities(session, partnership_id, today)),
                tuple(await _waiting(session, partnership_id, today)),
                await schedule_settings.next_prompts(session, partnership_id),
                tuple(map(_digest_chat, await group_readers(session, partnership_id))),
            )

    async def step(
        self,
        partnership_id: int,
        stakeholder_id: int,
        conversation: str,
        *,
        kpis: bool = False,
        completion: bool = False,
    ) -> StepFacts | None:
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            if partnership is None:
                return None
            targets = await plan_records.kpi_targets(session, partnership_id) if kpis else []
            done = await _completed_by(session, partnership_id, conversation) if completion else ()
            return StepFacts(
                partnership,
                conversation,
                (await answer_rows(session, partnership_id, [conversation])).get(conversation, ()),
                tuple(await plan_records.members(session, partnership_id)),
                tuple(targets),
                frozenset(done),
            )

    async def activities(
        self, partnership_id: int, stakeholder_id: int
    ) -> tuple[PartnershipFacts, list[ActivityFacts]] | None:
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            if partnership is None:
                return None
            return partnership, await workspace_activities.activities(session, partnership_id)

    async def kpis(self, partnership_id: int, stakeholder_id: int) -> KpiFacts | None:
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            return await kpi_facts(session, partnership) if partnership else None

    async def meetings(
        self, partnership_id: int, stakeholder_id: int, meeting_id: int | None = None
    ) -> MeetingsFacts | None:
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            if partnership is None:
                return None
            found = await meeting_notes(session, partnership_id, meeting_id)
            return MeetingsFacts(partnership, tuple(found))


def _digest_chat(reader: Reader) -> DigestChat:
    return DigestChat(
        reader.channel, reader.languages, reader.weekday, reader.local_time, reader.timezone
    )


async def _memberships(
    session: AsyncSession, stakeholder_id: int, partnership_id: int | None
) -> list[PartnershipFacts]:
    """The person's memberships (of one partnership, or all), named in every language."""
    query = (
        select(
            Partnership.id, Partnership.name, Partnership.loop, Partnership.step, Membership.role
        )
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.stakeholder_id == stakeholder_id)
        .order_by(Membership.joined_at, Membership.id)
    )
    if partnership_id is not None:
        query = query.where(Partnership.id == partnership_id)
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    titles = await partnership_titles(session, [row.id for row in rows])
    return [
        PartnershipFacts(row.id, row.name, titles.get(row.id, {}), row.loop, row.step, row.role)
        for row in rows
    ]


async def member_partnership(
    session: AsyncSession, partnership_id: int, stakeholder_id: int
) -> PartnershipFacts | None:
    """The partnership with its cities, if the reader is a member; else ``None``."""
    found = await _memberships(session, stakeholder_id, partnership_id)
    if not found:
        return None
    query = (
        select(City.id, City.key, City.name_en, City.name_zh, City.name_de)
        .join(PartnershipCity, PartnershipCity.city_id == City.id)
        .where(PartnershipCity.partnership_id == partnership_id)
        .order_by(City.side.desc(), City.name_en)
    )
    cities = tuple(
        CityFacts(
            c.id, c.key, {"en": c.name_en, "zh_Hans": c.name_zh, "de": c.name_de or c.name_en}
        )
        for c in await session.execute(query)
    )
    partnership = found[0]
    return PartnershipFacts(
        partnership.id,
        partnership.name,
        partnership.titles,
        partnership.loop,
        partnership.step,
        partnership.role,
        cities,
    )


def _names(en: str, zh: str, de: str | None) -> dict[str, str]:
    return {"en": en, "zh_Hans": zh, "de": de or en}


async def _answerers(session: AsyncSession, partnership_id: int) -> dict[tuple[str, int], int]:
    """How many people of each city answered something in each step."""
    query = (
        select(
            Answer.conversation, Stakeholder.city_id, func.count(Answer.stakeholder_id.distinct())
        )
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .where(
            Answer.partnership_id == partnership_id,
            Answer.conversation.in_(STEPS),
            Stakeholder.city_id.is_not(None),
        )
        .group_by(Answer.conversation, Stakeholder.city_id)
    )
    rows = await session.execute(query)
    return {(step, int(city)): int(count) for step, city, count in rows if city is not None}


async def _members_by_city(session: AsyncSession, partnership_id: int) -> dict[int, int]:
    query = (
        select(Stakeholder.city_id, func.count())
        .join(Membership, Membership.stakeholder_id == Stakeholder.id)
        .where(Membership.partnership_id == partnership_id, Stakeholder.city_id.is_not(None))
        .group_by(Stakeholder.city_id)
    )
    rows = await session.execute(query)
    return {int(city): int(count) for city, count in rows if city is not None}


async def _activities(session: AsyncSession, partnership_id: int, today: date) -> list[ActionItem]:
    """Open activities due before today (late) or within the digest's coming weeks."""
    due_by = today + timedelta(days=UPCOMING_DAYS)
    return (await open_action_items(session, [partnership_id], due_by)).get(partnership_id, [])


async def _waiting(session: AsyncSession, partnership_id: int, today: date) -> list[Participant]:
    """People asked before today who have not answered, as the digest lists them."""
    start = datetime.combine(today, time(), UTC)
    found = await waiting_for_answers(session, [partnership_id], start)
    return found.get(partnership_id, [])


async def answer_rows(
    session: AsyncSession, partnership_id: int, conversations: Collection[str]
) -> dict[str, tuple[AnswerRow, ...]]:
    """Every answer row of the steps, by step, oldest first, ranked as
    ``current_answers`` ranks them (rank 1 is each person's current answer); one query
    for a step's page and for the downloads alike."""
    ranked = (
        select(
            Answer.id,
            Answer.conversation,
            Answer.stakeholder_id,
            Answer.question,
            Answer.item,
            Answer.value,
            Answer.language,
            Answer.answered_at,
            current_answers.newest_first(),
        )
        .where(
            Answer.partnership_id == partnership_id,
            Answer.conversation.in_(list(conversations)),
        )
        .subquery()
    )
    query = (
        select(ranked, Stakeholder.name, Stakeholder.city_id)
        .join(Stakeholder, Stakeholder.id == ranked.c.stakeholder_id)
        .order_by(ranked.c.id)
    )
    found: dict[str, list[AnswerRow]] = defaultdict(list)
    for row in await session.execute(query):
        found[row.conversation].append(
            AnswerRow(
                row.stakeholder_id,
                row.name,
                row.city_id,
                row.question,
                row.item,
                row.value,
                row.language,
                row.answered_at,
                row.rank,
            )
        )
    return {conversation: tuple(rows) for conversation, rows in found.items()}


async def _completed_by(
    session: AsyncSession, partnership_id: int, conversation: str
) -> Collection[int]:
    """Coordinators whose chat marks the step done (✓ in their steps menu)."""
    query = (
        select(ConversationState.stakeholder_id, ConversationState.data)
        .join(Membership, Membership.stakeholder_id == ConversationState.stakeholder_id)
        .where(Membership.partnership_id == partnership_id, Membership.role.in_(COORDINATING))
    )
    return {
        stakeholder_id
        for stakeholder_id, data in await session.execute(query)
        if conversation in ((data or {}).get("done") or {}).get(str(partnership_id), [])
    }
