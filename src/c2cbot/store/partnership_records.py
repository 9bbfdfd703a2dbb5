"""Partnerships as operators manage them: listed, shown in full, added, moved to a loop.

What ``c2cbot partnerships`` reads and writes. A partnership added here is as real as a
reference one: it has its cities, a loop and a step on it, and invites work for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.partnerships import DASH
from c2cbot.domain.people import Side
from c2cbot.domain.steps import LOOPS, Loop
from c2cbot.store.meetings import partnership_cities
from c2cbot.store.models import (
    City,
    GroupChat,
    KpiPlan,
    Membership,
    Partnership,
    PartnershipCity,
    Stakeholder,
)
from c2cbot.store.partnership_lookup import folded
from c2cbot.store.refused import Refused

_KEY = re.compile(r"[a-z][a-z0-9_]{0,79}\Z")


@dataclass(frozen=True)
class PartnershipLine:
    """One partnership as ``partnerships list`` shows it."""

    id: int
    key: str | None
    name: str
    cities: tuple[str, ...]
    loop: str
    step: str
    members: int


@dataclass(frozen=True)
class Member:
    name: str | None
    city: str | None
    role: str
    helix_role: str | None


@dataclass(frozen=True)
class PartnershipSheet:
    """Everything ``partnerships show`` prints about one partnership."""

    partnership: Partnership
    cities: tuple[City, ...]
    members: tuple[Member, ...]
    groups: tuple[GroupChat, ...]
    kpi_plans: tuple[KpiPlan, ...]


async def partnership_lines(session: AsyncSession) -> list[PartnershipLine]:
    """Every partnership with its cities and how many members it has, by name."""
    cities = await _city_names(session)
    members = func.count(Membership.id)
    query = (
        select(Partnership, members)
        .outerjoin(Membership, Membership.partnership_id == Partnership.id)
        .group_by(Partnership.id)
        .order_by(Partnership.name, Partnership.id)
    )
    return [
        PartnershipLine(p.id, p.key, p.name, cities.get(p.id, ()), p.loop, p.step, count)
        for p, count in await session.execute(query)
    ]


async def partnership_sheet(session: AsyncSession, partnership: Partnership) -> PartnershipSheet:
    """One partnership in full: cities, members by city and role, groups and KPI plans."""
    groups = await session.execute(
        select(GroupChat)
        .where(GroupChat.partnership_id == partnership.id, GroupChat.active.is_(True))
        .order_by(GroupChat.id)
    )
    plans = await session.execute(
        select(KpiPlan).where(KpiPlan.partnership_id == partnership.id).order_by(KpiPlan.id)
    )
    return PartnershipSheet(
        partnership,
        tuple(await partnership_cities(session, partnership.id)),
        tuple(await _members(session, partnership.id)),
        tuple(groups.scalars()),
        tuple(plans.scalars()),
    )


async def add_partnership(
    session: AsyncSession,
    cities: Sequence[City],
    *,
    name: str | None,
    key: str | None,
    loop: str,
    step: str | None,
    now: datetime,
) -> Partnership:
    """A new partnership of ``cities`` (at least one on each side), named "A–B" by default."""
    _check_cities(cities)
    name = (name or DASH.join(city.name_en for city in cities)).strip()
    key = key or "_".join(city.key for city in cities)
    if not _KEY.match(key):
        raise Refused(f"key {key!r} must be a lowercase ascii slug (a-z, 0-9, _; at most 80)")
    await _check_unique(session, name, key)
    on, first = _on_loop(loop, step)
    row = Partnership(key=key, name=name, loop=on.key, step=first, created_at=now)
    session.add(row)
    await session.flush()
    session.add_all(PartnershipCity(partnership_id=row.id, city_id=city.id) for city in cities)
    await session.flush()
    return row


def move_to_loop(partnership: Partnership, loop: str, step: str | None) -> None:
    """Put a partnership on ``loop`` at ``step``; without a step it keeps its own if the
    loop has it, else it starts at the loop's first step."""
    if step is None and partnership.step in {s.value for s in _loop(loop).steps}:
        step = partnership.step
    on, at = _on_loop(loop, step)
    partnership.loop, partnership.step = on.key, at


def _loop(key: str) -> Loop:
    loop = LOOPS.get(key)
    if loop is None:
        raise Refused(f"unknown loop {key!r}; the loops are: {', '.join(LOOPS)}")
    return loop


def _on_loop(key: str, step: str | None) -> tuple[Loop, str]:
    loop = _loop(key)
    steps = [s.value for s in loop.steps]
    if step is None:
        return loop, steps[0]
    if step not in steps:
        raise Refused(f"step {step!r} is not on the loop {key}; its steps: {', '.join(steps)}")
    return loop, step


def _check_cities(cities: Sequence[City]) -> None:
    if len({city.id for city in cities}) != len(cities):
        raise Refused("a city is named twice")
    if {city.side for city in cities} != {Side.EU.value, Side.CN.value}:
        raise Refused("a partnership needs at least one European and one Chinese city")


async def _check_unique(session: AsyncSession, name: str, key: str) -> None:
    for existing in (await session.execute(select(Partnership))).scalars():
        if existing.key == key:
            raise Refused(f"the key {key!r} is already the partnership {existing.name}")
        if folded(existing.name) == folded(name):
            raise Refused(f"there is already a partnership called {existing.name}")


async def _city_names(session: AsyncSession) -> dict[int, tuple[str, ...]]:
    query = (
        select(PartnershipCity.partnership_id, City.name_en)
        .join(City, City.id == PartnershipCity.city_id)
        .order_by(City.side.desc(), City.name_en)
    )
    names: dict[int, list[str]] = {}
    for partnership_id, name in await session.execute(query):
        names.setdefault(partnership_id, []).append(name)
    return {key: tuple(value) for key, value in names.items()}


async def _members(session: AsyncSession, partnership_id: int) -> list[Member]:
    query = (
        select(Stakeholder.name, City.name_en, Membership.role, Stakeholder.helix_role)
        .join(Stakeholder, Stakeholder.id == Membership.stakeholder_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Membership.partnership_id == partnership_id)
        .order_by(City.name_en, Membership.role, Stakeholder.name, Stakeholder.id)
    )
    return [Member(*row) for row in await session.execute(query)]
