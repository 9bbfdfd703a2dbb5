"""Erasing a person (GDPR Art. 17, PIPL Art. 47), and what stays of them.

What goes: the name, organisation, time zone and leave; every channel identity (so no
message can reach them and a new message starts afresh as a stranger) with its /connect
attempts, any /connect code they made (nobody can link to them afterwards), any /mydata
or /web link not yet opened and every workspace session (a browser signed in as them is
signed out); memberships, open prompts, the messages to them (unsent,
and sent but the newest of each chat), the conversation in progress, and their name as
an activity's owner. What stays is the partnership's shared record without the person's
identity: their answers and KPI figures remain, tied to a nameless person of the same
city, so digests still count what each city contributed and nobody can tell who
answered. What they said about themselves while joining (their name, organisation and
consents: the answers of ``ABOUT_THEMSELVES``) is blanked, the rows staying to be counted.
The nameless row stays while it holds answers; without any, the retention job removes it
(``store/inactive_people.py``).

A person who refuses consent while joining (``refused``) is erased the same way, and
their answers, city and helix role go too: they never joined.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Delete, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.guard_models import ConnectCode, OneTimeLink, WebSession
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

ABOUT_THEMSELVES = ("onboarding", "consent")
"""Conversations whose answers are about the person, not the partnership's work."""
BLANKED = {"value": None, "withdrawn": True, "erased": True}


@dataclass(frozen=True)
class Erased:
    """What an erasure removed, counted; logged without any of the data itself."""

    identities: int
    memberships: int
    prompts: int
    messages: int
    answers_kept: int
    answers_removed: int = 0

    def summary(self) -> str:
        removed = f", {self.answers_removed} answers" if self.answers_removed else ""
        return (
            f"{self.identities} identities, {self.memberships} memberships, "
            f"{self.prompts} open prompts, {self.messages} messages to them{removed} removed; "
            f"{self.answers_kept} answers kept without identity"
        )


async def erase_person(
    session: AsyncSession, stakeholder_id: int, *, refused: bool = False
) -> Erased:
    """Erase one person in the caller's transaction (all of it, or nothing); ``refused``:
    they refused consent while joining, and their answers go as well."""
    person = await session.get_one(Stakeholder, stakeholder_id, with_for_update=True)
    identities = await _delete(
        session, delete(ChannelIdentity).where(ChannelIdentity.stakeholder_id == stakeholder_id)
    )
    memberships = await _delete(
        session, delete(Membership).where(Membership.stakeholder_id == stakeholder_id)
    )
    prompts = await _close_prompts(session, stakeholder_id)
    messages = await _delete_messages(session, stakeholder_id)
    await session.execute(
        delete(ConversationState).where(ConversationState.stakeholder_id == stakeholder_id)
    )
    for keys in (ConnectCode, OneTimeLink, WebSession):
        await session.execute(delete(keys).where(keys.stakeholder_id == stakeholder_id))
    await session.execute(
        update(Activity).where(Activity.owner_id == stakeholder_id).values(owner_name=None)
    )
    removed = 0
    if refused:
        removed = await _delete(
            session, delete(Answer).where(Answer.stakeholder_id == stakeholder_id)
        )
        person.city_id = person.helix_role = None
    await _blank_about_themselves(session, stakeholder_id)
    kept = await _count(session, Answer, Answer.stakeholder_id == stakeholder_id)
    kept += await _count(session, KpiValue, KpiValue.reported_by == stakeholder_id)
    _anonymise(person)
    await session.flush()
    return Erased(identities, memberships, prompts, messages, kept, removed)


def _anonymise(person: Stakeholder) -> None:
    """Keep only what the shared record needs to stay countable: the city and helix role."""
    person.name = None
    person.organisation_id = None
    person.timezone = None
    person.paused_until = None
    person.active_partnership_id = None


async def _blank_about_themselves(session: AsyncSession, stakeholder_id: int) -> None:
    """Their name and organisation as they typed them while joining, and their consents."""
    await session.execute(
        update(Answer)
        .where(
            Answer.stakeholder_id == stakeholder_id,
            Answer.conversation.in_(ABOUT_THEMSELVES),
        )
        .values(value=BLANKED, display="")
    )


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


async def _delete_messages(session: AsyncSession, stakeholder_id: int) -> int:
    """Nothing of theirs is sent afterwards, and what was sent to them goes too: it holds
    their name, their answers read back and any /mydata file. A row being sent right now
    may still go, and each chat's newest sent row stays until the retention job takes it,
    so that ids keep growing: a browser reads its chat by id, and SQLite would hand a
    deleted highest id to the farewell."""
    theirs = OutboxMessage.stakeholder_id == stakeholder_id
    newest = (
        select(func.max(OutboxMessage.id))
        .where(theirs, OutboxMessage.status != "pending")
        .group_by(OutboxMessage.channel, OutboxMessage.chat_id)
    )
    unsent = OutboxMessage.status == "pending"
    sent = OutboxMessage.status.in_(("sent", "dead")) & OutboxMessage.id.not_in(newest)
    statement = delete(OutboxMessage).where(theirs, unsent | sent)
    return _rows(await session.execute(statement))


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _count(session: AsyncSession, model: type, where: object) -> int:
    query = select(func.count()).select_from(model).where(where)  # type: ignore[arg-type]
    return int(await session.scalar(query) or 0)
