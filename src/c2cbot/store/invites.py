"""Invite codes: how people get into a partnership, and the only way they do.

The same concept as ``flows/invites.py``, one layer down: this module makes, checks and
redeems the codes; that one handles them in a chat.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.flows.ports import InviteProblem
from c2cbot.store.models import InviteCode, Membership, Partnership

# No 0/O or 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


async def create_invite(
    session: AsyncSession,
    partnership: Partnership,
    *,
    role: str,
    uses: int,
    now: datetime,
    valid_for: timedelta = timedelta(days=14),
    created_by: int | None = None,
) -> InviteCode:
    invite = InviteCode(
        code=new_code(),
        partnership_id=partnership.id,
        role=role,
        uses_left=uses,
        expires_at=now + valid_for,
        created_by=created_by,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    return invite


async def valid_invite(
    session: AsyncSession, code: str, now: datetime
) -> InviteCode | InviteProblem:
    """The invite, locked for this transaction, or why it cannot be used."""
    invite = await session.get(InviteCode, code, with_for_update=True)
    if invite is None:
        return InviteProblem.UNKNOWN
    return InviteProblem.EXPIRED if invite.expires_at <= now else invite


async def member_of(
    session: AsyncSession, partnership_id: int, stakeholder_id: int
) -> Membership | None:
    query = select(Membership).where(
        Membership.partnership_id == partnership_id, Membership.stakeholder_id == stakeholder_id
    )
    return (await session.execute(query)).scalar_one_or_none()


def rank(role: str) -> int:
    """A role's weight: an invite never lowers the role someone already has."""
    return {"member": 0, "coordinator": 1, "admin": 2}.get(role, 0)
