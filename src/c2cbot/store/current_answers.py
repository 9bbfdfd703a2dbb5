"""Which answers are current: the newest row of each person, question and group item.

Answering again adds a row (``models.Answer``), so the current answer is found by rank,
not by overwriting: ``row_number()`` over the rows of one person, partnership,
conversation, question and item, newest first. A withdrawal row (``flows.answer_history``)
ranks like any other and means there is no current answer. Reads of a few rows, so the
ORM's select rather than the per-message statements.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.flows.answer_history import CityAnswers, CurrentAnswer, counts_for, is_withdrawn
from c2cbot.store.models import Answer, City, PartnershipCity, Stakeholder


def newest_first() -> Any:
    """Rank 1 is a row's current version: per person, partnership, question and item."""
    return (
        func.row_number()
        .over(
            partition_by=(
                Answer.stakeholder_id,
                Answer.partnership_id,
                Answer.conversation,
                Answer.question,
                Answer.item,
            ),
            order_by=Answer.id.desc(),
        )
        .label("rank")
    )


async def current(
    session: AsyncSession, stakeholder_id: int, partnership_id: int, conversation: str
) -> list[CurrentAnswer]:
    """One person's current answers in one conversation, in the order they were given."""
    ranked = (
        select(
            Answer.id, Answer.question, Answer.item, Answer.value, Answer.display, newest_first()
        )
        .where(
            Answer.stakeholder_id == stakeholder_id,
            Answer.partnership_id == partnership_id,
            Answer.conversation == conversation,
        )
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank == 1).order_by(ranked.c.id)
    return [
        CurrentAnswer(row.question, row.item, row.value.get("value"), row.display)
        for row in await session.execute(query)
        if not is_withdrawn(row.value)
    ]


async def answered(
    session: AsyncSession, stakeholder_id: int, partnership_id: int
) -> dict[str, set[str]]:
    """The top-level questions one person has a current answer to, per conversation."""
    found: dict[str, set[str]] = defaultdict(set)
    query = _ranked_in(partnership_id).where(Answer.stakeholder_id == stakeholder_id)
    for row in await _current_rows(session, query):
        found[row.conversation].add(row.question.split(".", 1)[0])
    return found


async def by_city(session: AsyncSession, partnership_id: int) -> list[CityAnswers]:
    """Per city of the partnership, the questions its people have a current answer to."""
    cities = (
        await session.execute(
            select(City)
            .join(PartnershipCity, PartnershipCity.city_id == City.id)
            .where(PartnershipCity.partnership_id == partnership_id)
            .order_by(City.side.desc(), City.name_en)
        )
    ).scalars()
    query = _ranked_in(partnership_id).add_columns(Stakeholder.city_id)
    query = query.join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
    per_city: dict[int, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for row in await _current_rows(session, query):  # oldest first: the newest value wins
        top, value = counts_for(row.question, row.value)
        per_city[row.city_id][row.conversation][top] = value
    return [
        CityAnswers(
            city.id,
            {"en": city.name_en, "zh": city.name_zh, "de": city.name_de or city.name_en},
            per_city.get(city.id, {}),
        )
        for city in cities
    ]


def _ranked_in(partnership_id: int) -> Select[Any]:
    return select(
        Answer.id, Answer.conversation, Answer.question, Answer.value, newest_first()
    ).where(Answer.partnership_id == partnership_id)


async def _current_rows(session: AsyncSession, ranked: Select[Any]) -> list[Any]:
    table = ranked.subquery()
    rows = await session.execute(select(table).where(table.c.rank == 1).order_by(table.c.id))
    return [row for row in rows if not is_withdrawn(row.value)]
