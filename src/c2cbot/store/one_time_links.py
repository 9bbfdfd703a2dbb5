"""One-time links: a secret handed to a person once, kept only as a hash, used up when
opened. /mydata's downloads (``DataDownload``) and /web's sign-in links (``SignInLink``)
are both such links, with their own table and lifetime.

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

from c2cbot.store.guard_models import DataDownload, SignInLink

SECRET_BYTES = 32
Link = type[DataDownload] | type[SignInLink]


def secret_hash(secret: str) -> str:
    """What is stored of a secret (a link's, or a session cookie's)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def plausible(secret: str) -> bool:
    """Whether ``secret`` could be one of ours; anything else is not even looked up."""
    return 20 <= len(secret) <= 100


async def offer(
    session: AsyncSession, link: Link, stakeholder_id: int, now: datetime, lifetime: timedelta
) -> str:
    """A new link's secret; the person's earlier links of this kind stop working."""
    await session.execute(delete(link).where(link.stakeholder_id == stakeholder_id))
    secret = new_secret()
    session.add(
        link(
            secret_hash=secret_hash(secret),
            stakeholder_id=stakeholder_id,
            expires_at=now + lifetime,
            created_at=now,
        )
    )
    await session.flush()
    return secret


async def take(session: AsyncSession, link: Link, secret: str, now: datetime) -> int | None:
    """Whose link it is, using it up; ``None`` if unknown, used or expired."""
    if not plausible(secret):
        return None
    claimed = await session.scalar(
        update(link)
        .where(*_unused(link, secret, now))
        .values(used_at=now)
        .returning(link.stakeholder_id)
    )
    return int(claimed) if claimed is not None else None


async def works(session: AsyncSession, link: Link, secret: str, now: datetime) -> bool:
    """Whether the link would still work, without using it up."""
    if not plausible(secret):
        return False
    found = await session.scalar(select(link.id).where(*_unused(link, secret, now)))
    return found is not None


def _unused(link: Link, secret: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (link.secret_hash == secret_hash(secret), link.used_at.is_(None), link.expires_at > now)
