"""Erasing a person (GDPR Art. 17, PIPL Art. 47), and what stays of them.

What goes: the name, organisation, time zone and leave; every channel identity (so no
message can reach them and a new message starts afresh as a stranger) with its /connect
attempts, any /connect code they made (nobody can link to them afterwards), any
/mydata or /web link not yet opened and every workspace session (a browser signed in as
them is signed out); memberships, open prompts, unsent messages, the
conversation in progress, and their name as an activity's owner. What stays is the
partnership's shared record without the person's identity: their answers and KPI
figures remain, tied to a nameless person of the same city, so digests still count what
each city contributed and nobody can tell who answered. The nameless row stays while it
holds answers; without any, the retention job removes it (``store/inactive_people.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Delete, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.guard_models import ConnectCode, DataDownload, SignInLink, WebSession
from c2cbot.store.models import (
    Activity,
    Answer,
    ChannelIdentity,
    ConversationState,
    KpiValue,
    Membership,
    OutboxMessage,
    Prompt,
    Stakeholder,
)
from c2cbot.store.prompts import CLOSED, OPEN


@dataclass(frozen=True)
class Erased:
    """What an erasure removed, counted; logged without any of the data itself."""

    identities: int
    memberships: int
    prompts: int
    messages: int
    answers_kept: int

    def summary(self) -> str:
        return (
            f"{self.identities} identities, {self.memberships} memberships, "
            f"{self.prompts} open prompts, {self.messages} unsent messages removed; "
            f"{self.answers_kept} answers kept without identity"
        )


async def erase_person(session: AsyncSession, stakeholder_id: int) -> Erased:
    """Erase one person in the caller's transaction (all of it, or nothing)."""
    person = await session.get_one(Stakeholder, stakeholder_id, with_for_update=True)
    identities = await _delete(
        session, delete(ChannelIdentity).where(ChannelIdentity.stakeholder_id == stakeholder_id)
    )
    memberships = await _delete(
        session, delete(Membership).where(Membership.stakeholder_id == stakeholder_id)
    )
    prompts = await _close_prompts(session, stakeholder_id)
    messages = await _delete_unsent(session, stakeholder_id)
    await session.execute(
        delete(ConversationState).where(ConversationState.stakeholder_id == stakeholder_id)
    )
    for keys in (ConnectCode, DataDownload, SignInLink, WebSession):
        await session.execute(delete(keys).where(keys.stakeholder_id == stakeholder_id))
    await session.execute(
        update(Activity).where(Activity.owner_id == stakeholder_id).values(owner_name=None)
    )
    kept = await _count(session, Answer, Answer.stakeholder_id == stakeholder_id)
    kept += await _count(session, KpiValue, KpiValue.reported_by == stakeholder_id)
    _anonymise(person)
    await session.flush()
    return Erased(identities, memberships, prompts, messages, kept)


def _anonymise(person: Stakeholder) -> None:
    """Keep only what the shared record needs to stay countable: the city and helix role."""
    person.name = None
    person.organisation_id = None
    person.timezone = None
    person.paused_until = None
    person.active_partnership_id = None


async def _delete(session: AsyncSession, statement: Delete) -> int:
    return _rows(await session.execute(statement))


async def _close_prompts(session: AsyncSession, stakeholder_id: int) -> int:
    """Nothing more is asked of them: open prompts are closed, not chased or escalated."""
    statement = (
        update(Prompt)
        .where(Prompt.stakeholder_id == stakeholder_id, Prompt.status.in_(OPEN))
        .values(status=CLOSED)
    )
    return _rows(await session.execute(statement))


async def _delete_unsent(session: AsyncSession, stakeholder_id: int) -> int:
    """Nothing of theirs is sent afterwards; rows being sent right now may still go."""
    statement = delete(OutboxMessage).where(
        OutboxMessage.stakeholder_id == stakeholder_id, OutboxMessage.status == "pending"
    )
    return _rows(await session.execute(statement))


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _count(session: AsyncSession, model: type, where: object) -> int:
    query = select(func.count()).select_from(model).where(where)  # type: ignore[arg-type]
    return int(await session.scalar(query) or 0)
