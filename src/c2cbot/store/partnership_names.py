"""Partnership names in each language, from their cities' names (domain.partnerships)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.partnerships import titles
from c2cbot.store.models import City, Partnership, PartnershipCity


async def partnership_titles(
    session: AsyncSession, ids: Collection[int] | None = None
) -> dict[int, dict[str, str]]:
    """Each partnership's name by language (those in ``ids``, or all), in one query.

    A partnership missing from the result is named only by its own name.
    """
    query = (
        select(Partnership.id, Partnership.name, City.name_en, City.name_zh, City.name_de)
        .join(PartnershipCity, PartnershipCity.partnership_id == Partnership.id)
        .join(City, City.id == PartnershipCity.city_id)
    )
    if ids is not None:
        query = query.where(Partnership.id.in_(sorted(ids)))
    names: dict[int, str] = {}
    cities: dict[int, list[dict[str, str]]] = {}
    for partnership_id, name, name_en, name_zh, name_de in await session.execute(query):
        names[partnership_id] = name
        city = {"en": name_en, "zh_Hans": name_zh, "de": name_de or name_en}
        cities.setdefault(partnership_id, []).append(city)
    found = {key: titles(names[key], cities[key]) for key in names}
    return {key: named for key, named in found.items() if named}


async def titles_of(session: AsyncSession, partnership_id: int) -> dict[str, str]:
    """One partnership's name by language (empty if it has no cities)."""
    titles = await partnership_titles(session, [partnership_id])
    return titles.get(partnership_id, {})
