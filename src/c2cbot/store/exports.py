"""Answers as rows for export: who answered what, where and when — never a token.

Every row is exported, so corrections keep their history. ``current`` says which rows
count now: "yes" on the newest answer of a person to a step's question (and group item),
"no" on the answers it replaced and on withdrawals (rows without a value, added when a
corrected answer made a question stop applying). Answers outside the steps (KPI and
progress reports, meeting notes, onboarding) stand each for itself and leave it empty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from c2cbot.flows.answer_history import is_withdrawn
from c2cbot.store.current_answers import newest_first
from c2cbot.store.models import Answer, City, Organisation, Partnership, Stakeholder

COLUMNS = (
    "answer_id",
    "partnership",
    "city",
    "stakeholder",
    "organisation",
    "helix_role",
    "channel",
    "conversation",
    "step",
    "question",
    "item",
    "value",
    "display",
    "language",
    "answered_at",
    "current",
)


async def answer_rows(
    session: AsyncSession, *, partnership_id: int | None = None, batch: int = 1000
) -> AsyncIterator[dict[str, Any]]:
    """Every answer in the order given (of one partnership, if named), streamed so a large
    database does not fill memory. A partnership's export holds its people only."""
    city = aliased(City)
    query = (
        select(
            Answer,
            Partnership.name,
            city.name_en,
            Stakeholder.name,
            Stakeholder.helix_role,
            Organisation.name,
            newest_first(),
        )
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .outerjoin(Partnership, Partnership.id == Answer.partnership_id)
        .outerjoin(city, city.id == Stakeholder.city_id)
        .outerjoin(Organisation, Organisation.id == Stakeholder.organisation_id)
        .order_by(Answer.id)
        .execution_options(yield_per=batch)
    )
    if partnership_id is not None:
        query = query.where(Answer.partnership_id == partnership_id)
    rows = await session.stream(query)
    async for answer, partnership, city_name, person, helix, organisation, rank in rows:
        yield {
            "answer_id": answer.id,
            "partnership": partnership,
            "city": city_name,
            "stakeholder": person,
            "organisation": organisation,
            "helix_role": helix,
            "channel": answer.channel,
            "conversation": answer.conversation,
            "step": answer.step,
            "question": answer.question,
            "item": answer.item,
            "value": answer.value.get("value"),
            "display": answer.display,
            "language": answer.language,
            "answered_at": answer.answered_at.isoformat(),
            "current": _current(answer, rank),
        }


def _current(answer: Answer, rank: int) -> str | None:
    if answer.step is None:
        return None
    return "yes" if rank == 1 and not is_withdrawn(answer.value) else "no"
