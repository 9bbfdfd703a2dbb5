"""What the prompt jobs read besides the prompts: who and what a batch of prompts is about.

Loaded in a few queries per batch (never one per prompt): the people, their channels,
partnerships, KPI plans, activities and reported prompts a batch of messages talks about;
the people who stopped answering; and what a preview of the next prompts shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.models import (
    Activity,
    Answer,
    ChannelIdentity,
    KpiPlan,
    Prompt,
    Stakeholder,
)
from c2cbot.store.planning_snapshot import (
    Person,
    Plan,
    Task,
    Team,
    people_by_id,
    plan_view,
    task_view,
    teams_where,
)
from c2cbot.store.prompts import (
    ACTIVITY_KINDS,
    ANSWERABLE,
    AWAITING,
    BATCH,
    CLOSED,
    KPI,
    PLANNED,
    ROW_COLUMNS,
    Identity,
    Planned,
    PromptRow,
    chunks,
    read_rows,
)
from c2cbot.store.rerouting import PROMPT_ORDER


@dataclass
class Lookup:
    """What the messages for a batch of prompts talk about, loaded in a few queries."""

    people: dict[int, Person] = field(default_factory=dict)
    identities: dict[int, Identity] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    plans: dict[int, Plan] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    prompts: dict[int, PromptRow] = field(default_factory=dict)


async def look_up(session: AsyncSession, rows: Sequence[PromptRow]) -> Lookup:
    """People, channels, partnerships, plans, activities and reported prompts of ``rows``.

    An escalation's subject is another prompt, whose person and subject are loaded too;
    so are the people silence notices are about, and the owners of activities.
    """
    reported = [r.subject_id for r in rows if r.kind == "escalation"]
    prompts = {r.id: r for r in await read_rows(session, _by_ids(reported))}
    everything = [*rows, *prompts.values()]
    tasks = await _tasks(session, _subjects(everything, (*ACTIVITY_KINDS, "overdue_note")))
    silent = [r.subject_id for r in rows if r.kind == "silent"]
    owners = [t.owner_id for t in tasks.values() if t.owner_id is not None]
    people = await people_by_id(
        session, [*(r.stakeholder_id for r in everything), *silent, *owners]
    )
    plans = await _plans(session, _subjects(everything, (KPI,)))
    teams = await _teams_by_id(session, {r.partnership_id for r in everything})
    identities = await _identities(session, {r.stakeholder_id for r in rows})
    return Lookup(people, identities, teams, plans, tasks, prompts)


def _by_ids(ids: Sequence[int]) -> Select[*tuple[Any, ...]]:
    return select(*ROW_COLUMNS).where(Prompt.id.in_(sorted(set(ids))))


def _subjects(rows: Iterable[PromptRow], kinds: tuple[str, ...]) -> set[int]:
    return {r.subject_id for r in rows if r.kind in kinds}


async def _tasks(session: AsyncSession, ids: set[int]) -> dict[int, Task]:
    query = select(Activity).where(Activity.id.in_(sorted(ids)))
    return {row.id: task_view(row) for row in await session.scalars(query)}


async def _plans(session: AsyncSession, ids: set[int]) -> dict[int, Plan]:
    query = select(KpiPlan).where(KpiPlan.id.in_(sorted(ids)))
    return {row.id: plan_view(row) for row in await session.scalars(query)}


async def _teams_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Team]:
    """Names and homes of some partnerships (their members' roles are not needed here)."""
    return await teams_where(session, {}, ids)


async def _identities(session: AsyncSession, ids: set[int]) -> dict[int, Identity]:
    """Each person's channel for prompts: the one they chose, else the one they wrote on last."""
    found: dict[int, Identity] = {}
    for chunk in chunks(sorted(ids), BATCH):
        query = (
            select(ChannelIdentity.stakeholder_id, ChannelIdentity.channel, ChannelIdentity.chat_id)
            .where(ChannelIdentity.stakeholder_id.in_(chunk), ChannelIdentity.active)
            .order_by(*PROMPT_ORDER)
        )
        for stakeholder_id, channel, chat_id in await session.execute(query):
            found.setdefault(stakeholder_id, Identity(channel, chat_id))
    return found


# ----- silence: people who stopped answering


@dataclass(frozen=True)
class Silence:
    """A person asked for four weeks without a word back; ``since`` names the episode."""

    stakeholder_id: int
    partnership_id: int
    since: int


async def silent_people(session: AsyncSession, now: datetime, days: int = 28) -> list[Silence]:
    """People with a prompt unanswered for ``days`` days and no answer of any kind since.

    ``since`` is the id of their last answer (0 if none), so one silence is flagged once,
    and a new one can be flagged after they have answered again. People on leave are not
    silent.
    """
    cutoff = now - timedelta(days=days)
    answered = select(Answer.id).where(
        Answer.stakeholder_id == Prompt.stakeholder_id, Answer.answered_at >= cutoff
    )
    query = (
        select(Prompt.stakeholder_id, Prompt.partnership_id)
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .where(
            Prompt.kind.in_(ANSWERABLE),
            Prompt.sent_at.is_not(None),
            Prompt.sent_at <= cutoff,
            Prompt.status.in_((*AWAITING, CLOSED)),
            ~answered.exists(),
            or_(Stakeholder.paused_until.is_(None), Stakeholder.paused_until < now.date()),
        )
        .distinct()
    )
    pairs = list(await session.execute(query))
    last = await _last_answers(session, {stakeholder for stakeholder, _ in pairs})
    return [Silence(s, p, last.get(s, 0)) for s, p in pairs]


async def _last_answers(session: AsyncSession, ids: set[int]) -> dict[int, int]:
    query = (
        select(Answer.stakeholder_id, func.max(Answer.id))
        .where(Answer.stakeholder_id.in_(sorted(ids)))
        .group_by(Answer.stakeholder_id)
    )
    return {stakeholder: int(last) for stakeholder, last in await session.execute(query)}


async def existing_keys(session: AsyncSession) -> set[tuple[str, int, int, str]]:
    """Keys of every prompt ever planned, so a preview shows only what would be new."""
    query = select(Prompt.kind, Prompt.stakeholder_id, Prompt.subject_id, Prompt.period_key)
    return {(k, s, sub, p) for k, s, sub, p in await session.execute(query)}


async def planned_before(session: AsyncSession, until: datetime) -> list[Planned]:
    """Prompts planned but not sent that fall due before ``until`` (for previews)."""
    query = select(
        Prompt.kind,
        Prompt.stakeholder_id,
        Prompt.partnership_id,
        Prompt.subject_id,
        Prompt.period_key,
        Prompt.due_at,
    ).where(Prompt.status == PLANNED, Prompt.due_at < until)
    return [Planned(*row) for row in await session.execute(query)]


async def identities_of(session: AsyncSession, ids: set[int]) -> dict[int, Identity]:
    """Each person's preferred active channel (for previews)."""
    return await _identities(session, ids)
