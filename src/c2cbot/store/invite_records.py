"""Invite codes as operators manage them: listed with what is left of them, and revoked.

A revoked code expires at the moment it is revoked, so redeeming it afterwards gets
the chat's "this code has expired" answer (``valid_invite``) and nothing else changes:
no code is deleted, and people who joined with it stay members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.models import InviteCode, Partnership
from c2cbot.store.refused import Refused


@dataclass(frozen=True)
class InviteLine:
    code: str
    partnership: str
    role: str
    uses_left: int
    expires_at: datetime
    created_at: datetime

    def state(self, now: datetime) -> str:
        """Whether the code can still be redeemed, as the operator reads it."""
        if self.expires_at <= now:
            return "expired"
        return "used up" if self.uses_left <= 0 else "open"


async def invite_lines(
    session: AsyncSession, partnership_id: int | None = None
) -> list[InviteLine]:
    """Every invite code (or one partnership's), newest first."""
    query = (
        select(InviteCode, Partnership.name)
        .join(Partnership, Partnership.id == InviteCode.partnership_id)
        .order_by(InviteCode.created_at.desc(), InviteCode.code)
    )
    if partnership_id is not None:
        query = query.where(InviteCode.partnership_id == partnership_id)
    return [
        InviteLine(i.code, name, i.role, i.uses_left, i.expires_at, i.created_at)
        for i, name in await session.execute(query)
    ]


def code_as_typed(text: str) -> str:
    """A code the way the chat reads one: without spaces or dashes, in capitals."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


async def revoke_invite(session: AsyncSession, code: str, now: datetime) -> InviteCode:
    """Make ``code`` expire now (or keep its earlier expiry); ``Refused`` if it is unknown."""
    invite = await session.get(InviteCode, code_as_typed(code), with_for_update=True)
    if invite is None:
        raise Refused(f"no invite code {code!r}")
    invite.expires_at = min(invite.expires_at, now)
    invite.revoked_at = invite.revoked_at or now
    await session.flush()
    return invite


async def revoke_own_invite(
    session: AsyncSession, partnership_id: int, code: str, now: datetime
) -> InviteCode | None:
    """``revoke_invite`` for a coordinator: only a code of their own partnership.

    Revoking a code twice is revoking it once (its first moment stays); another
    partnership's code is ``None``, as an unknown one, so nobody learns which exist.
    """
    invite = await session.get(InviteCode, code_as_typed(code)[:32], with_for_update=True)
    if invite is None or invite.partnership_id != partnership_id:
        return None
    return await revoke_invite(session, invite.code, now)
