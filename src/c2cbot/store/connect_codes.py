"""/connect codes: made, looked up by their hash, used once; wrong ones counted per identity.

A code is ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): 32¹⁰,
about 10¹⁵ codes, alive for ten minutes, and an identity may type five wrong ones an
hour. Guessing one is hopeless, and the counts live in the database, so a restart
forgets none. Only a SHA-256 of the code is stored, and no code is ever logged.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.values import normalise
from c2cbot.store.guard_models import ConnectAttempt, ConnectCode
from c2cbot.store.models import ChannelIdentity

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 letters and digits nobody confuses
LENGTH = 10
LIFETIME = timedelta(minutes=10)
WRONG_PER_HOUR = 5
WINDOW = timedelta(hours=1)
_KEPT = timedelta(days=1)  # used and expired codes are removed after this


def shown(code: str) -> str:
    """``ABCDE-FGHJK``: read and typed in two halves."""
    return f"{code[:5]}-{code[5:]}"


def canonical(typed: str) -> str:
    """What people typed as a code: any case, full-width, with or without dashes or spaces."""
    return "".join(c for c in normalise(typed).upper() if c.isalnum())


def digest(code: str) -> str:
    return hashlib.sha256(canonical(code).encode()).hexdigest()


async def identity_of(session: AsyncSession, channel: str, external_id: str) -> ChannelIdentity:
    query = select(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
    )
    return (await session.execute(query)).scalar_one()


async def make(session: AsyncSession, identity: ChannelIdentity, now: datetime) -> str:
    """A new code for the identity's person; the identity's earlier codes stop working."""
    await session.execute(
        delete(ConnectCode).where(
            (ConnectCode.identity_id == identity.id) | (ConnectCode.expires_at < now - _KEPT)
        )
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session.add(
        ConnectCode(
            code_hash=digest(code),
            stakeholder_id=identity.stakeholder_id,
            identity_id=identity.id,
            expires_at=now + LIFETIME,
            created_at=now,
        )
    )
    await session.flush()
    return code


class CodeProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Wait:
    """Too many wrong codes: how long until the oldest of the hour no longer counts."""

    minutes: int


async def find(session: AsyncSession, typed: str, now: datetime) -> ConnectCode | CodeProblem:
    """The live code ``typed`` names, locked until the transaction ends (used once)."""
    if len(canonical(typed)) != LENGTH:
        return CodeProblem.UNKNOWN
    query = select(ConnectCode).where(ConnectCode.code_hash == digest(typed)).with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        return CodeProblem.UNKNOWN
    if found.used_at is not None:
        return CodeProblem.USED
    if found.expires_at <= now:
        return CodeProblem.EXPIRED
    return found


async def waiting(session: AsyncSession, identity_id: int, now: datetime) -> Wait | None:
    """Whether this identity typed too many wrong codes in the last hour."""
    await session.execute(
        delete(ConnectAttempt).where(
            ConnectAttempt.identity_id == identity_id, ConnectAttempt.attempted_at <= now - WINDOW
        )
    )
    query = select(func.count(), func.min(ConnectAttempt.attempted_at)).where(
        ConnectAttempt.identity_id == identity_id
    )
    count, oldest = (await session.execute(query)).one()
    if count < WRONG_PER_HOUR:
        return None
    left = oldest + WINDOW - now
    return Wait(max(1, -(-int(left.total_seconds()) // 60)))


async def count_wrong(session: AsyncSession, identity_id: int, now: datetime) -> None:
    session.add(ConnectAttempt(identity_id=identity_id, attempted_at=now))
    await session.flush()
