"""What the workspace tests put in the database: answers, activities, prompts, people.

Rows are written as the bot writes them (``{"type": …, "value": …}`` answers, a new row
for a changed answer), straight into the store, so each test says exactly what it needs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from c2cbot.store.database import Database
from c2cbot.store.models import Activity, Answer, ConversationState, Prompt, Stakeholder
from tests.scheduling.conftest import add_person, utc


async def answer(
    database: Database,
    who: int,
    partnership_id: int,
    question: str,
    kind: str,
    value: Any,
    *,
    conversation: str = "aim",
    language: str = "en",
    at: datetime | None = None,
    item: int | None = None,
) -> None:
    async with database.transaction() as session:
        session.add(
            Answer(
                stakeholder_id=who,
                partnership_id=partnership_id,
                conversation=conversation,
                step=conversation,
                question=question,
                item=item,
                value={"type": kind, "value": value},
                display=str(value),
                language=language,
                channel="web",
                answered_at=at or utc(2026, 4, 30, 10),
            )
        )


async def activity(
    database: Database, partnership_id: int, title: str, due_on: date, owner: int | None
) -> None:
    async with database.transaction() as session:
        session.add(
            Activity(
                partnership_id=partnership_id,
                title=title,
                owner_id=owner,
                due_on=due_on,
                status="planned",
                source="plan",
                created_at=utc(2026, 4, 1),
            )
        )


async def asked(database: Database, who: int, partnership_id: int, subject: int) -> None:
    """A progress prompt sent to ``who`` and not answered: they are awaited."""
    async with database.transaction() as session:
        session.add(
            Prompt(
                kind="progress",
                stakeholder_id=who,
                partnership_id=partnership_id,
                subject_id=subject,
                period_key=f"p{who}-{subject}",
                due_at=utc(2026, 5, 1, 8),
                status="sent",
                sent_at=utc(2026, 5, 1, 8),
                created_at=utc(2026, 5, 1, 8),
            )
        )


async def completed(database: Database, who: int, partnership_id: int, step: str) -> None:
    """``who``'s chat marks ``step`` done (✓), as completing it as a coordinator does."""
    done = {"done": {str(partnership_id): [step]}}
    async with database.transaction() as session:
        state = await session.get(ConversationState, who)
        if state is not None:  # the chat has one already (a command was sent): keep the rest
            state.data = {**state.data, **done}
            return
        session.add(
            ConversationState(
                stakeholder_id=who,
                partnership_id=partnership_id,
                data=done,
                version=1,
                updated_at=utc(2026, 5, 1),
            )
        )


async def member(
    database: Database,
    partnership_id: int,
    name: str,
    city_id: int,
    *,
    language: str = "en",
    role: str = "member",
) -> int:
    async with database.transaction() as session:
        return await add_person(session, partnership_id, name, language, city_id, None, role)


async def rename(database: Database, who: int, name: str) -> None:
    async with database.transaction() as session:
        person = await session.get_one(Stakeholder, who)
        person.name = name
