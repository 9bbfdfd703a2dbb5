"""Two stakeholders become one: everything the merged one owns moves to the kept one.

Run inside the caller's transaction, so a merge happens entirely or not at all. Every
foreign key to ``stakeholders.id`` is re-pointed (``_REPOINTED`` lists them; a test
checks the list against the models), and so are the ids kept where no foreign key can
be declared: silence notices name their person as ``prompts.subject_id``, a weekly
digest sent to a person is ``digest_deliveries.target = "person:<id>"``, and an
activity's owner picked from the members is an answer's value. Nothing is deleted but
what would be there twice:

* memberships of the same partnership become one, with the stronger role;
* a prompt both were sent (same kind, subject and period) is kept once, the one
  further along (answered before sent before planned), and escalations about the other
  one follow it;
* the kept stakeholder's conversation state stays, the merged one's goes (the person
  is told);
* a weekly digest both were sent for the same week is remembered once.

The kept stakeholder's profile wins; blanks in it are filled from the merged one's.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from c2cbot.domain.roles import rank
from c2cbot.store.guard_models import ConnectCode, OneTimeLink, WebSession
from c2cbot.store.meeting_models import DigestDelivery, Meeting
from c2cbot.store.models import (
    Activity,
    Answer,
    ChannelIdentity,
    ConversationState,
    GroupChat,
    InviteCode,
    KpiPlan,
    KpiValue,
    Membership,
    OutboxMessage,
    Prompt,
    Stakeholder,
)

#: Every column that refers to a stakeholder and only needs the new id.
_REPOINTED: tuple[InstrumentedAttribute[Any], ...] = (
    Answer.stakeholder_id,
    ChannelIdentity.stakeholder_id,
    ConnectCode.stakeholder_id,
    OneTimeLink.stakeholder_id,
    WebSession.stakeholder_id,
    OutboxMessage.stakeholder_id,
    KpiPlan.responsible_id,
    KpiValue.reported_by,
    Activity.owner_id,
    Activity.planned_by,
    Meeting.recorded_by,
    InviteCode.created_by,
    GroupChat.linked_by,
)
#: Columns handled by their own rules below.
MERGED_BY_RULE: tuple[InstrumentedAttribute[Any], ...] = (
    Membership.stakeholder_id,
    Prompt.stakeholder_id,
    ConversationState.stakeholder_id,
)
REFERENCES = (*_REPOINTED, *MERGED_BY_RULE)
_PROFILE = (
    "name",
    "city_id",
    "organisation_id",
    "helix_role",
    "timezone",
    "paused_until",
    "active_partnership_id",
)
# How far along a prompt is: the one further along is kept when both were asked.
_PROGRESS = {"answered": 6, "closed": 5, "escalated": 4, "reminded": 3, "sent": 2, "notified": 2}


async def has_data(session: AsyncSession, stakeholder_id: int) -> bool:
    """Whether this person told us anything: answers, memberships or KPI values."""
    for column in (Answer.stakeholder_id, Membership.stakeholder_id, KpiValue.reported_by):
        query = select(func.count()).where(column == stakeholder_id)
        if (await session.execute(query)).scalar_one():
            return True
    return False


async def merge(
    session: AsyncSession, merged: int, kept: int, member_questions: Collection[tuple[str, str]]
) -> None:
    """Move everything of ``merged`` to ``kept`` and delete ``merged``, in this transaction."""
    await session.flush()
    await _profile(session, merged, kept)
    await _identities_preferred(session, merged, kept)
    await _memberships(session, merged, kept)
    await _prompts(session, merged, kept)
    await _digests_sent(session, merged, kept)
    await _member_answers(session, merged, kept, member_questions)
    for column in _REPOINTED:
        await session.execute(
            update(column.class_)
            .where(column == merged)
            .values({column.key: kept})
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        delete(ConversationState).where(ConversationState.stakeholder_id == merged)
    )
    await session.execute(delete(Stakeholder).where(Stakeholder.id == merged))
    session.expire_all()


async def _profile(session: AsyncSession, merged: int, kept: int) -> None:
    old = await session.get_one(Stakeholder, merged)
    new = await session.get_one(Stakeholder, kept)
    for field in _PROFILE:
        if getattr(new, field) is None and getattr(old, field) is not None:
            setattr(new, field, getattr(old, field))
    await session.flush()


async def _identities_preferred(session: AsyncSession, merged: int, kept: int) -> None:
    """The kept person's choice of prompt channel stands; without one, the merged one's."""
    query = select(func.count()).where(
        ChannelIdentity.stakeholder_id == kept, ChannelIdentity.preferred
    )
    if (await session.execute(query)).scalar_one():
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.stakeholder_id == merged)
            .values(preferred=False)
        )


async def _memberships(session: AsyncSession, merged: int, kept: int) -> None:
    query = select(Membership).where(Membership.stakeholder_id.in_((merged, kept)))
    rows = list((await session.execute(query)).scalars())
    ours = {m.partnership_id: m for m in rows if m.stakeholder_id == kept}
    for theirs in (m for m in rows if m.stakeholder_id == merged):
        same = ours.get(theirs.partnership_id)
        if same is None:
            theirs.stakeholder_id = kept
            continue
        if rank(theirs.role) > rank(same.role):
            same.role = theirs.role
        same.joined_at = min(same.joined_at, theirs.joined_at)
        await session.delete(theirs)
    await session.flush()


async def _prompts(session: AsyncSession, merged: int, kept: int) -> None:
    """Re-point prompts and silence notices; a prompt both were sent is kept once."""
    query = select(Prompt).where(
        or_(
            Prompt.stakeholder_id.in_((merged, kept)),
            and_(Prompt.kind == "silent", Prompt.subject_id.in_((merged, kept))),
        )
    )
    rows = list((await session.execute(query)).scalars())
    mine = {_key(p, merged, kept): p for p in rows if not _involves(p, merged)}
    replaced: dict[int, int] = {}
    for prompt in (p for p in rows if _involves(p, merged)):
        key = _key(prompt, merged, kept)
        twin = mine.get(key)
        if twin is None:
            prompt.stakeholder_id, prompt.subject_id = key[1], key[2]
            mine[key] = prompt
            continue
        keep, drop = (prompt, twin) if _further(prompt, twin) else (twin, prompt)
        replaced[drop.id] = keep.id
        await session.delete(drop)
        await session.flush()
        keep.stakeholder_id, keep.subject_id = key[1], key[2]
        mine[key] = keep
    await session.flush()
    for dropped, kept_id in replaced.items():  # escalations about a prompt name it
        await session.execute(
            update(Prompt)
            .where(Prompt.kind == "escalation", Prompt.subject_id == dropped)
            .values(subject_id=kept_id)
            .execution_options(synchronize_session=False)
        )


def _involves(prompt: Prompt, person: int) -> bool:
    """Asked of this person, or a silence notice about them."""
    silence = prompt.kind == "silent" and prompt.subject_id == person
    return prompt.stakeholder_id == person or silence


def _key(prompt: Prompt, merged: int, kept: int) -> tuple[str, int, int, str]:
    subject = prompt.subject_id
    if prompt.kind == "silent" and subject == merged:
        subject = kept
    person = kept if prompt.stakeholder_id == merged else prompt.stakeholder_id
    return (prompt.kind, person, subject, prompt.period_key)


def _further(one: Prompt, other: Prompt) -> bool:
    return _PROGRESS.get(one.status, 0) > _PROGRESS.get(other.status, 0)


async def _digests_sent(session: AsyncSession, merged: int, kept: int) -> None:
    old, new = f"person:{merged}", f"person:{kept}"
    already = select(DigestDelivery.kind, DigestDelivery.partnership_id, DigestDelivery.period_key)
    already = already.where(DigestDelivery.target == new)
    seen = {tuple(row) for row in await session.execute(already)}
    query = select(DigestDelivery).where(DigestDelivery.target == old)
    for row in (await session.execute(query)).scalars():
        if (row.kind, row.partnership_id, row.period_key) in seen:
            await session.delete(row)
        else:
            row.target = new
    await session.flush()


async def _member_answers(
    session: AsyncSession, merged: int, kept: int, questions: Collection[tuple[str, str]]
) -> None:
    """Answers that picked the merged person as a member (an activity's owner) name the kept one."""
    if not questions:
        return
    pairs = [and_(Answer.conversation == c, Answer.question == q) for c, q in questions]
    query = select(Answer).where(or_(*pairs))
    for answer in (await session.execute(query)).scalars():
        value = dict(answer.value)
        if str(value.get("value")) == str(merged):
            answer.value = {**value, "value": str(kept)}
    await session.flush()
