"""Loading the reference data (cities, partnerships, KPI catalogue) into the database.

Idempotent: rows are matched by their stable keys, so ``c2cbot seed`` can run at every
start and after every update of the reference file without creating duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.kpis import KPI_CATALOGUE
from c2cbot.domain.reference import Reference
from c2cbot.store.models import City, KpiDefinition, Partnership, PartnershipCity


@dataclass(frozen=True)
class Seeded:
    cities: int
    partnerships: int
    kpis: int


async def seed_reference(session: AsyncSession, reference: Reference, now: datetime) -> Seeded:
    """Add what of the reference data is missing; ``now`` stamps the partnerships added."""
    cities = await _cities(session, reference)
    partnerships = await _partnerships(session, reference, cities, now)
    kpis = await _kpis(session)
    return Seeded(len(cities), partnerships, kpis)


async def _cities(session: AsyncSession, reference: Reference) -> dict[str, int]:
    existing = {c.key: c for c in (await session.execute(select(City))).scalars()}
    for city in reference.cities:
        row = existing.get(city.key) or City(key=city.key)
        row.name_en, row.name_zh, row.name_de = city.name_en, city.name_zh, city.name_de
        row.country, row.side, row.timezone = city.country, city.side.value, city.timezone
        session.add(row)
        existing[city.key] = row
    await session.flush()
    return {key: row.id for key, row in existing.items()}


async def _partnerships(
    session: AsyncSession, reference: Reference, cities: dict[str, int], now: datetime
) -> int:
    existing = {p.key: p for p in (await session.execute(select(Partnership))).scalars() if p.key}
    added = 0
    for seed in reference.partnerships:
        if seed.key in existing:
            continue
        row = Partnership(
            key=seed.key,
            name=seed.name,
            loop=seed.loop,
            step=seed.step.value,
            mou_signed=seed.mou_signed,
            mou_expires=seed.mou_expires,
            story=seed.story,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        session.add_all(
            PartnershipCity(partnership_id=row.id, city_id=cities[c]) for c in seed.cities
        )
        added += 1
    return added


async def _kpis(session: AsyncSession) -> int:
    query = select(KpiDefinition.key).where(KpiDefinition.partnership_id.is_(None))
    existing = set((await session.execute(query)).scalars())
    fresh = [k for k in KPI_CATALOGUE if k.key not in existing]
    session.add_all(
        KpiDefinition(key=k.key, name=k.name, kind=k.kind.value, unit=k.unit) for k in fresh
    )
    return len(fresh)
