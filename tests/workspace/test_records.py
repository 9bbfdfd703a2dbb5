"""The workspace's per-person rows follow the person: the nightly retention job removes
expired links and sessions, erasure removes them all (``test_sign_in``), and merging two
stakeholders moves the merged one's sessions to the one kept, still signed in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from c2cbot.store.database import Database
from c2cbot.store.guard_models import OneTimeLink, WebSession
from c2cbot.store.retention import DEFAULT_RETENTION, prune
from c2cbot.store.stakeholder_merge import merge
from tests.scheduling.conftest import World
from tests.support.clock import SetClock
from tests.workspace.conftest import Browsers, Served, sign_in_link


async def _owners(database: Database, model: type) -> list[int]:
    async with database.sessions() as session:
        found = await session.scalars(select(model.stakeholder_id))  # type: ignore[attr-defined]
        return sorted(found)


async def test_retention_removes_expired_links_and_sessions_only(
    served: Served, world: World, browsers: Browsers, hands: SetClock, database: Database
) -> None:
    await browsers().sign_in("sven")
    await sign_in_link(served, "sven")  # a new link (the used one goes), for a quarter of an hour
    hands.now += timedelta(hours=13)  # Sven's session has been idle for longer than 12 hours
    await browsers().sign_in("li")
    await sign_in_link(served, "li")
    removed = await prune(database, DEFAULT_RETENTION, hands.now)
    assert removed["one-time links"] == 1 and removed["web sessions"] == 1  # Sven's
    assert await _owners(database, WebSession) == [world.li]
    assert await _owners(database, OneTimeLink) == [world.li]


async def test_a_merged_persons_sessions_move_to_the_person_kept(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    phone = browsers()
    await phone.sign_in("sven")
    async with database.transaction() as session:
        await merge(session, world.sven, world.anna, ())
    assert await _owners(database, WebSession) == [world.anna]
    page = await phone.get(f"/p/{world.partnership_id}/")
    assert page.status == 200 and '<span class="who">Anna</span>' in page.text
