"""Invite codes: how people get into a partnership, and the only way they do.

The same concept as ``flows/invites.py``, one layer down: this module makes, checks and
redeems the codes; that one handles them in a chat.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.roles import INVITE_DAYS
from c2cbot.flows.ports import InviteProblem
from c2cbot.store.guard_models import Attempt
from c2cbot.store.guards import subject_of
from c2cbot.store.models import InviteCode, Membership, Partnership

# No 0/O or 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 14 of 31 characters is about 69 bits: out of reach of guessing at any rate the limits
#: below allow. Codes made before (8 characters) still redeem until they expire.
CODE_LENGTH = 14

#: Wrong codes tried within ``GUESS_WINDOW`` before every code gets the same refusal:
#: per person (any channel) and per source address (the browser chat, where a new
#: cookie is a new person).
GUESSES_PER_PERSON = 10
GUESSES_PER_ORIGIN = 30
GUESS_WINDOW = timedelta(hours=1)
PERSON, ORIGIN = "invite:person", "invite:origin"


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _guessers(stakeholder_id: int, origin: str | None) -> list[tuple[str, str, int]]:
    """(kind, subject, limit) of everyone a wrong code counts against."""
    found = [(PERSON, subject_of(PERSON, str(stakeholder_id)), GUESSES_PER_PERSON)]
    if origin:
        found.append((ORIGIN, subject_of(ORIGIN, origin), GUESSES_PER_ORIGIN))
    return found


async def guessing_too_much(
    session: AsyncSession, stakeholder_id: int, origin: str | None, now: datetime
) -> bool:
    """Whether the person or their address used up the wrong codes of the window."""
    for kind, subject, limit in _guessers(stakeholder_id, origin):
        query = select(func.count()).where(
            Attempt.kind == kind, Attempt.subject == subject, Attempt.at > now - GUESS_WINDOW
        )
        if int((await session.execute(query)).scalar_one()) >= limit:
            return True
    return False


async def count_wrong_code(
    session: AsyncSession, stakeholder_id: int, origin: str | None, now: datetime
) -> None:
    """One wrong code against the person and their address (committed with the turn)."""
    for kind, subject, _ in _guessers(stakeholder_id, origin):
        mine = (Attempt.kind == kind) & (Attempt.subject == subject)
        await session.execute(delete(Attempt).where(mine, Attempt.at <= now - GUESS_WINDOW))
        await session.execute(insert(Attempt).values(kind=kind, subject=subject, at=now))


async def checked_invite(
    session: AsyncSession, code: str, stakeholder_id: int, origin: str | None, now: datetime
) -> InviteCode | InviteProblem:
    """``valid_invite`` within the guessing limits: past them, ``TOO_MANY`` for any code."""
    if await guessing_too_much(session, stakeholder_id, origin, now):
        return InviteProblem.TOO_MANY
    invite = await valid_invite(session, code, now)
    if invite is InviteProblem.UNKNOWN:
        await count_wrong_code(session, stakeholder_id, origin, now)
    return invite


async def create_invite(
    session: AsyncSession,
    partnership: Partnership,
    *,
    role: str,
    uses: int,
    now: datetime,
    valid_for: timedelta = timedelta(days=INVITE_DAYS),
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
