"""What the workspace tests put in the database: answers, activities, prompts, people.

Rows are written as the bot writes them (``{"type": …, "value": …}`` answers, a new row
for a changed answer), straight into the store, so each test says exactly what it needs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from c2cbot.store.database import Database
from c2cbot.store.meeting_models import Meeting
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


async def tracked(
    database: Database,
    partnership_id: int,
    title: str,
    *,
    owner: int | None = None,
    owner_name: str | None = None,
    starts_on: date | None = None,
    due_on: date | None = None,
    status: str = "planned",
    percent: int | None = None,
    meeting_id: int | None = None,
) -> int:
    """An activity as the Plan step (or, with ``meeting_id``, a meeting's notes) keeps it;
    its id."""
    async with database.transaction() as session:
        row = Activity(
            partnership_id=partnership_id,
            title=title,
            owner_id=owner,
            owner_name=owner_name,
            starts_on=starts_on,
            due_on=due_on,
            status=status,
            percent_done=percent,
            source="meeting" if meeting_id else "plan",
            meeting_id=meeting_id,
            created_at=utc(2026, 3, 1),
        )
        session.add(row)
        await session.flush()
        return row.id


async def meeting(
    database: Database, partnership_id: int, recorded_by: int, *, language: str = "en"
) -> int:
    """Confirmed notes of a bilateral meeting on 2 April 2026; the meeting's id."""
    async with database.transaction() as session:
        row = Meeting(
            partnership_id=partnership_id,
            recorded_by=recorded_by,
            kind="bilateral",
            starts_at=utc(2026, 4, 2, 7),
            timezone="Asia/Shanghai",
            place=None,
            participants=[],
            agenda=[],
            decisions=[],
            language=language,
            confirmed_at=utc(2026, 4, 2, 9),
        )
        session.add(row)
        await session.flush()
        return row.id


async def reported(
    database: Database,
    who: int,
    partnership_id: int,
    activity_id: int,
    at: datetime,
    *,
    status: str,
    percent: int,
    risks: str | None = None,
    milestone: str | None = None,
    language: str = "en",
) -> None:
    """A progress prompt about the activity answered at ``at`` as the chat stores it: one
    answer row per question of the progress conversation, a minute apart, status first,
    and the prompt marked answered when the last one is in."""
    given = [("status", "choice", status), ("percent", "number", str(percent))]
    given += [("risks", "text", risks)] if risks is not None else []
    given += [("next_milestone", "text", milestone)] if milestone is not None else []
    for n, (question, kind, value) in enumerate(given):
        minutes = timedelta(minutes=len(given) - 1 - n)
        progress = {"conversation": "progress", "language": language, "at": at - minutes}
        await answer(database, who, partnership_id, question, kind, value, **progress)
    async with database.transaction() as session:
        session.add(
            Prompt(
                kind="progress",
                stakeholder_id=who,
                partnership_id=partnership_id,
                subject_id=activity_id,
                period_key=at.isoformat(),
                due_at=at - timedelta(hours=1),
                status="answered",
                sent_at=at - timedelta(hours=1),
                answered_at=at,
                created_at=at - timedelta(hours=1),
            )
        )
