"""The coordinators' people page in SQL: who is in the partnership, its invite codes, and
the changes a coordinator makes there (an invite made or revoked, a role changed).

The page reads in a fixed number of statements, however many people and codes there
are: the reader's membership and the partnership's cities (``workspace_reads``), then
one statement each for the members, their channels, their last answers and the codes.
A change runs in one transaction that reads the reader's role again and asks the same
rules as the chat (``domain/roles.py``; revoking is the chat's ``revoke_own_invite``),
so a refused change leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.clock import Clock
from c2cbot.domain.roles import (
    Refusal,
    RoleChange,
    coordinating,
    invite_refusal,
    role_change_refusal,
)
from c2cbot.store.database import Database
from c2cbot.store.invite_records import revoke_own_invite
from c2cbot.store.invites import create_invite, member_of
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    City,
    InviteCode,
    Membership,
    Organisation,
    Partnership,
    Stakeholder,
)
from c2cbot.store.workspace_reads import member_partnership
from c2cbot.workspace.people_facts import (
    InviteFacts,
    MadeInvite,
    NewInvite,
    PeopleFacts,
    PersonFacts,
)


class SqlPeople:
    """``workspace.people_facts.PeopleStore``: one session per read, one transaction per change."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database, self.clock = database, clock

    async def people(self, partnership_id: int, stakeholder_id: int) -> PeopleFacts | None:
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            if partnership is None:
                return None
            channels = await _channels(session, partnership_id)
            answered = await _last_answers(session, partnership_id)
            people = tuple(
                PersonFacts(*row, channels.get(row[0], ()), answered.get(row[0]))
                for row in await _members(session, partnership_id)
            )
            return PeopleFacts(partnership, people, tuple(await _invites(session, partnership_id)))

    async def role_of(self, partnership_id: int, stakeholder_id: int) -> str | None:
        async with self.database.sessions() as session:
            membership = await member_of(session, partnership_id, stakeholder_id)
            return membership.role if membership is not None else None

    async def create_invite(
        self, partnership_id: int, stakeholder_id: int, wanted: NewInvite
    ) -> MadeInvite | Refusal:
        now = self.clock()
        async with self.database.transaction() as session:
            own = await member_of(session, partnership_id, stakeholder_id)
            refusal = invite_refusal(own.role if own else "", wanted.role, wanted.uses, wanted.days)
            if refusal is not None:
                return refusal
            invite = await create_invite(
                session,
                await session.get_one(Partnership, partnership_id),
                role=wanted.role,
                uses=wanted.uses,
                now=now,
                valid_for=timedelta(days=wanted.days),
                created_by=stakeholder_id,
            )
            return MadeInvite(invite.code, invite.expires_at)

    async def revoke_invite(
        self, partnership_id: int, stakeholder_id: int, code: str
    ) -> Refusal | None:
        async with self.database.transaction() as session:
            own = await member_of(session, partnership_id, stakeholder_id)
            if own is None or not coordinating(own.role):
                return Refusal.ABOVE_OWN_RANK
            revoked = await revoke_own_invite(session, partnership_id, code, self.clock())
            return None if revoked is not None else Refusal.NOT_OUR_INVITE

    async def change_role(
        self, partnership_id: int, stakeholder_id: int, member_id: int, role: str
    ) -> Refusal | None:
        async with self.database.transaction() as session:
            everyone = await _locked_memberships(session, partnership_id)
            change = _role_change(everyone, stakeholder_id, member_id, role)
            refusal = role_change_refusal(change)
            if refusal is None and change.target_role != role:
                target = next(m for m, _ in everyone if m.stakeholder_id == member_id)
                target.role = role
                await session.flush()
            return refusal


async def _locked_memberships(
    session: AsyncSession, partnership_id: int
) -> list[tuple[Membership, int | None]]:
    """Every membership of the partnership with the member's city, locked for this change:
    two coordinators stepping each other down at once cannot leave a city without one."""
    query = (
        select(Membership, Stakeholder.city_id)
        .join(Stakeholder, Stakeholder.id == Membership.stakeholder_id)
        .where(Membership.partnership_id == partnership_id)
        .order_by(Membership.id)
        .with_for_update(of=Membership)
    )
    return [(membership, city) for membership, city in await session.execute(query)]


def _role_change(
    everyone: Sequence[tuple[Membership, int | None]], actor: int, target: int, role: str
) -> RoleChange:
    roles = {m.stakeholder_id: m.role for m, _ in everyone}
    cities = {m.stakeholder_id: city for m, city in everyone}
    others = sum(
        1
        for m, city in everyone
        if m.stakeholder_id != target and city == cities.get(target) and coordinating(m.role)
    )
    return RoleChange(actor, roles.get(actor, ""), target, roles.get(target), role, others)


async def _members(
    session: AsyncSession, partnership_id: int
) -> list[tuple[int, str | None, str, int | None, str | None, str | None]]:
    """(id, name, role, city, organisation, helix role) of each member, by city (the
    European one first, as everywhere) then name."""
    query = (
        select(
            Stakeholder.id,
            Stakeholder.name,
            Membership.role,
            Stakeholder.city_id,
            Organisation.name,
            Stakeholder.helix_role,
        )
        .join(Membership, Membership.stakeholder_id == Stakeholder.id)
        .outerjoin(Organisation, Organisation.id == Stakeholder.organisation_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Membership.partnership_id == partnership_id)
        .order_by(City.side.desc(), City.name_en, Stakeholder.name, Stakeholder.id)
    )
    return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


def _of_members(partnership_id: int) -> object:
    return select(Membership.stakeholder_id).where(Membership.partnership_id == partnership_id)


async def _channels(session: AsyncSession, partnership_id: int) -> dict[int, tuple[str, ...]]:
    """The channels each member can be reached on: their names, never ids or handles."""
    query = (
        select(ChannelIdentity.stakeholder_id, ChannelIdentity.channel)
        .where(
            ChannelIdentity.stakeholder_id.in_(_of_members(partnership_id)),  # type: ignore[arg-type]
            ChannelIdentity.active.is_(True),
        )
        .distinct()
        .order_by(ChannelIdentity.stakeholder_id, ChannelIdentity.channel)
    )
    found: dict[int, tuple[str, ...]] = {}
    for stakeholder_id, channel in await session.execute(query):
        found[stakeholder_id] = (*found.get(stakeholder_id, ()), channel)
    return found


async def _last_answers(session: AsyncSession, partnership_id: int) -> dict[int, datetime]:
    """When each member last answered anything in this partnership."""
    query = (
        select(Answer.stakeholder_id, func.max(Answer.answered_at))
        .where(Answer.partnership_id == partnership_id)
        .group_by(Answer.stakeholder_id)
    )
    return {who: at for who, at in await session.execute(query) if at is not None}


async def _invites(session: AsyncSession, partnership_id: int) -> list[InviteFacts]:
    query = (
        select(InviteCode)
        .where(InviteCode.partnership_id == partnership_id)
        .order_by(InviteCode.created_at.desc(), InviteCode.code)
    )
    return [
        InviteFacts(i.code, i.role, i.uses_left, i.expires_at, i.revoked_at)
        for i in await session.scalars(query)
    ]
