"""One-time links: a secret handed to a person once, kept only as a hash, used up when
opened. /mydata's downloads and /web's sign-in links are both such links, told apart by
their ``purpose`` and each with its own lifetime.

The secret is 32 random bytes (``secrets.token_urlsafe``), so it cannot be guessed; only
its SHA-256 is stored, so a copy of the database opens nothing, and it is never logged.
A new link voids the person's earlier one of the same kind: only the newest works.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.guard_models import OneTimeLink

SECRET_BYTES = 32
MYDATA, SIGN_IN = "mydata", "sign-in"  # the purposes


def secret_hash(secret: str) -> str:
    """What is stored of a secret (a link's, or a session cookie's)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def plausible(secret: str) -> bool:
    """Whether ``secret`` could be one of ours; anything else is not even looked up."""
    return 20 <= len(secret) <= 100


async def offer(
    session: AsyncSession, purpose: str, stakeholder_id: int, now: datetime, lifetime: timedelta
) -> str:
    """A new link's secret; the person's earlier links of this kind stop working."""
    theirs = OneTimeLink.stakeholder_id == stakeholder_id, OneTimeLink.purpose == purpose
    await session.execute(delete(OneTimeLink).where(*theirs))
    secret = new_secret()
    session.add(
        OneTimeLink(
            purpose=purpose,
            secret_hash=secret_hash(secret),
            stakeholder_id=stakeholder_id,
            expires_at=now + lifetime,
            created_at=now,
        )
    )
    await session.flush()
    return secret


async def take(session: AsyncSession, purpose: str, secret: str, now: datetime) -> int | None:
    """Whose link it is, using it up; ``None`` if unknown, used, expired or for another
    purpose."""
    if not plausible(secret):
        return None
    claimed = await session.scalar(
        update(OneTimeLink)
        .where(*_unused(purpose, secret, now))
        .values(used_at=now)
        .returning(OneTimeLink.stakeholder_id)
    )
    return int(claimed) if claimed is not None else None


async def works(session: AsyncSession, purpose: str, secret: str, now: datetime) -> bool:
    """Whether the link would still work, without using it up."""
    if not plausible(secret):
        return False
    found = await session.scalar(select(OneTimeLink.id).where(*_unused(purpose, secret, now)))
    return found is not None


def _unused(purpose: str, secret: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OneTimeLink.secret_hash == secret_hash(secret),
        OneTimeLink.purpose == purpose,
        OneTimeLink.used_at.is_(None),
        OneTimeLink.expires_at > now,
    )
