"""Signing in to the partnership workspace: /web's one-time links and the sessions they open.

A link is a one-time link (``store/one_time_links.py``) that lives a quarter of an hour;
opening it starts a session whose secret goes into the browser's cookie and whose hash
alone is stored. How long a session lasts is the domain's rule
(``domain/web_sign_in.py``); a page opened moves its end at most every few minutes, so
reading pages rarely writes. Neither secret is ever logged; sign-ins are, with the
person's number.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.clock import Clock
from c2cbot.domain.web_sign_in import (
    SIGN_IN_LINK_LIFETIME,
    session_expiry,
    worth_refreshing,
)
from c2cbot.store import one_time_links
from c2cbot.store.database import Database
from c2cbot.store.guard_models import WebSession
from c2cbot.store.models import City, Stakeholder
from c2cbot.workspace.facts import Reader

log = logging.getLogger(__name__)


async def offer_link(session: AsyncSession, stakeholder_id: int, now: datetime) -> str:
    """A new sign-in link's secret; the person's earlier link stops working."""
    return await one_time_links.offer(
        session, one_time_links.SIGN_IN, stakeholder_id, now, SIGN_IN_LINK_LIFETIME
    )


class SqlWorkspaceSessions:
    """``workspace.ports.Sessions`` in the shared database."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database, self.clock = database, clock

    async def link_works(self, secret: str) -> bool:
        async with self.database.sessions() as session:
            return await one_time_links.works(session, one_time_links.SIGN_IN, secret, self.clock())

    async def sign_in(self, secret: str, replacing: str | None) -> str | None:
        now = self.clock()
        async with self.database.transaction() as session:
            stakeholder_id = await one_time_links.take(session, one_time_links.SIGN_IN, secret, now)
            if stakeholder_id is None:
                return None
            if replacing is not None:
                await _end(session, replacing)
            opened = one_time_links.new_secret()
            session.add(
                WebSession(
                    secret_hash=one_time_links.secret_hash(opened),
                    stakeholder_id=stakeholder_id,
                    created_at=now,
                    seen_at=now,
                    expires_at=session_expiry(now, now),
                )
            )
        log.info("person #%d signed in to the workspace", stakeholder_id)
        return opened

    async def reader(self, secret: str) -> Reader | None:
        if not one_time_links.plausible(secret):
            return None
        now = self.clock()
        async with self.database.sessions() as session:
            row = (await session.execute(_signed_in(secret, now))).one_or_none()
        if row is None:
            return None
        if worth_refreshing(row.seen_at, now):
            await self._refresh(row.id, row.created_at, now)
        zone = row.own_zone or row.city_zone or "UTC"
        return Reader(row.stakeholder_id, row.name, row.language, zone)

    async def _refresh(self, session_id: int, created_at: datetime, now: datetime) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                update(WebSession)
                .where(WebSession.id == session_id)
                .values(seen_at=now, expires_at=session_expiry(created_at, now))
            )

    async def sign_out(self, secret: str) -> None:
        if not one_time_links.plausible(secret):
            return
        async with self.database.transaction() as session:
            await _end(session, secret)


def _signed_in(secret: str, now: datetime) -> Select[*tuple[Any, ...]]:
    """The session's person, with what their pages need: one query per page."""
    return (
        select(
            WebSession.id,
            WebSession.stakeholder_id,
            WebSession.created_at,
            WebSession.seen_at,
            Stakeholder.name,
            Stakeholder.language,
            Stakeholder.timezone.label("own_zone"),
            City.timezone.label("city_zone"),
        )
        .join(Stakeholder, Stakeholder.id == WebSession.stakeholder_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(
            WebSession.secret_hash == one_time_links.secret_hash(secret),
            WebSession.expires_at > now,
        )
    )


async def _end(session: AsyncSession, secret: str) -> None:
    hashed = one_time_links.secret_hash(secret)
    await session.execute(delete(WebSession).where(WebSession.secret_hash == hashed))
