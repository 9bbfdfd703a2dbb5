"""The activities page's reads: every activity of a partnership with its progress reports,
in three statements however many there are.

A progress report is not stored as one row. Answering a progress prompt walks the
``progress`` conversation (status, percent, then risks and the next milestone), which
stores an ``Answer`` row per question, tied to the person and the partnership but not to
the activity; the prompt, marked answered when the conversation ends, names the activity
(``Prompt.subject_id``). The conversation opens only from a prompt (``flows/answers.
open_prompt``) and always begins with the status, so a person's progress answers fall
into runs, each starting at a status answer, and the run a prompt's answer came from is
the last one begun by the moment the prompt was answered. A run nobody finished (the
person cancelled) is passed over; a question answered again within a run (``/back``)
counts as last answered.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.digests import Written
from c2cbot.store.digest_facts import guess_language
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import Activity, Answer, City, Prompt, Stakeholder
from c2cbot.store.prompts import ACTIVITY_KINDS, ANSWERED
from c2cbot.workspace.activity_facts import ActivityFacts, ProgressReport

PROGRESS = "progress"  # the conversation a progress prompt opens
FIRST_QUESTION = "status"


async def activities(session: AsyncSession, partnership_id: int) -> list[ActivityFacts]:
    """The partnership's activities, oldest first, each with its reports oldest first."""
    reports = await _reports(session, partnership_id)
    query = (
        select(Activity, Stakeholder.name, Stakeholder.language, City.key, Meeting.language)
        .outerjoin(Stakeholder, Stakeholder.id == Activity.owner_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .outerjoin(Meeting, Meeting.id == Activity.meeting_id)
        .where(Activity.partnership_id == partnership_id)
        .order_by(Activity.id)
    )
    found = []
    for activity, person, person_language, city, meeting_language in await session.execute(query):
        language = meeting_language or guess_language(activity.title, person_language)
        found.append(
            ActivityFacts(
                id=activity.id,
                title=Written(activity.title, language),
                source=activity.source,
                meeting_id=activity.meeting_id,
                owned=activity.owner_id is not None or activity.owner_name is not None,
                owner=activity.owner_name or person,
                owner_city=city,
                starts_on=activity.starts_on,
                due_on=activity.due_on,
                status=activity.status,
                percent_done=activity.percent_done,
                reports=tuple(reports.get(activity.id, ())),
            )
        )
    return found


@dataclass
class _Run:
    """One walk through the progress conversation, from its status answer on."""

    began: datetime
    answers: dict[str, Any] = field(default_factory=dict)  # question → Answer row


async def _reports(session: AsyncSession, partnership_id: int) -> dict[int, list[ProgressReport]]:
    """Activity id → its progress reports, oldest first (two statements)."""
    prompts = (
        select(Prompt.stakeholder_id, Prompt.subject_id, Prompt.answered_at)
        .where(
            Prompt.partnership_id == partnership_id,
            Prompt.kind.in_(ACTIVITY_KINDS),
            Prompt.status == ANSWERED,
            Prompt.answered_at.is_not(None),
        )
        .distinct()  # an answer also settles the person's other prompts about the activity
        .order_by(Prompt.answered_at)
    )
    answered = [(s, a, at) for s, a, at in await session.execute(prompts) if at is not None]
    answers = (
        select(
            Answer.stakeholder_id,
            Answer.question,
            Answer.value,
            Answer.language,
            Answer.answered_at,
            Stakeholder.name,
            City.key,
        )
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Answer.partnership_id == partnership_id, Answer.conversation == PROGRESS)
        .order_by(Answer.stakeholder_id, Answer.id)
    )
    runs, people = _runs(await session.execute(answers))
    reports: dict[int, list[ProgressReport]] = defaultdict(list)
    taken: set[int] = set()
    for stakeholder_id, activity_id, at in answered:
        run = _run_of(runs.get(stakeholder_id, ()), at)
        if run is None or id(run) in taken:
            continue  # no answers kept for it (given before consent, or erased with them)
        taken.add(id(run))
        name, city = people[stakeholder_id]
        reports[activity_id].append(_report(run, at, name, city))
    return reports


def _runs(
    rows: Iterable[Any],
) -> tuple[dict[int, list[_Run]], dict[int, tuple[str | None, str | None]]]:
    """Each person's progress answers cut into runs, and each person's name and city."""
    runs: dict[int, list[_Run]] = defaultdict(list)
    people: dict[int, tuple[str | None, str | None]] = {}
    for row in rows:
        people[row.stakeholder_id] = (row.name, row.key)
        theirs = runs[row.stakeholder_id]
        if row.question == FIRST_QUESTION:
            theirs.append(_Run(row.answered_at))
        if theirs:
            theirs[-1].answers[row.question] = row
    for theirs in runs.values():
        theirs.sort(key=lambda run: run.began)  # stable: ties stay in the order answered
    return runs, people


def _run_of(runs: Sequence[_Run], answered_at: datetime) -> _Run | None:
    """The last run begun by the moment the prompt was answered (``runs`` in that order)."""
    begun = bisect_right(runs, answered_at, key=lambda run: run.began)
    return runs[begun - 1] if begun else None


def _report(run: _Run, at: datetime, name: str | None, city: str | None) -> ProgressReport:
    status = _value(run.answers.get("status"))
    return ProgressReport(
        reported_at=at,
        name=name,
        city=city,
        status=str(status) if status is not None else None,
        percent=_percent(_value(run.answers.get("percent"))),
        risks=_written(run.answers.get("risks")),
        next_milestone=_written(run.answers.get("next_milestone")),
    )


def _value(row: Any) -> Any:
    stored = row.value if row is not None else None
    return stored.get("value") if isinstance(stored, dict) else None


def _percent(value: Any) -> int | None:
    """The percent as stored ("40", 40 or 40.0); anything else is no percent."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return int(number) if number.is_finite() and 0 <= number <= 100 else None


def _written(row: Any) -> Written | None:
    text = _value(row)
    return Written(text, row.language) if isinstance(text, str) and text.strip() else None
