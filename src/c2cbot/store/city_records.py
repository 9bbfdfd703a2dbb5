"""Cities as operators manage them: added beside the reference data, listed, looked up.

A city is found by its key or any of its names, compared like partnership names
(``partnership_lookup.folded``), so "gothenburg", "Göteborg" and "哥德堡" are one city;
that is also why no two cities may share a key or a name.
"""

from __future__ import annotations

import difflib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain import reference
from c2cbot.store.models import City, PartnershipCity
from c2cbot.store.partnership_lookup import folded
from c2cbot.store.refused import Refused


def names_of(city: City | reference.City) -> list[str]:
    """Everything a city may be called by: its key and its names."""
    return [name for name in (city.key, city.name_en, city.name_zh, city.name_de) if name]


async def add_city(session: AsyncSession, city: reference.City) -> City:
    """Store a checked city; ``Refused`` if its key or a name is another city's."""
    for existing in (await session.execute(select(City))).scalars():
        taken = {folded(name) for name in names_of(existing)}
        clash = next((n for n in names_of(city) if folded(n) in taken), None)
        if clash is not None:
            raise Refused(f"{clash!r} is already the city {existing.name_en} ({existing.key})")
    row = City(
        key=city.key,
        name_en=city.name_en,
        name_zh=city.name_zh,
        name_de=city.name_de,
        country=city.country,
        side=city.side.value,
        timezone=city.timezone,
    )
    session.add(row)
    await session.flush()
    return row


async def find_city(session: AsyncSession, wanted: str) -> City:
    """The city ``wanted`` names by key or name; ``Refused`` with the close ones if none."""
    cities = list((await session.execute(select(City))).scalars())
    by_name = {folded(name): city for city in cities for name in names_of(city)}
    found = by_name.get(folded(wanted))
    if found is not None:
        return found
    close = difflib.get_close_matches(folded(wanted), list(by_name), n=5, cutoff=0.75)
    hint = f"; did you mean: {', '.join(sorted({by_name[n].name_en for n in close}))}"
    raise Refused(f"no city is called {wanted!r}" + (hint if close else ""))


async def cities_with_partnerships(session: AsyncSession) -> list[tuple[City, int]]:
    """Every city, by side and English name, with how many partnerships it is in."""
    count = func.count(PartnershipCity.partnership_id)
    query = (
        select(City, count)
        .outerjoin(PartnershipCity, PartnershipCity.city_id == City.id)
        .group_by(City.id)
        .order_by(City.side.desc(), City.name_en)
    )
    return [(city, partnerships) for city, partnerships in await session.execute(query)]
