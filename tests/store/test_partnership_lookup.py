"""Partnerships found as operators type them: any dash, any case, a city, a near miss."""

from __future__ import annotations

import pytest

from c2cbot.store.database import Database
from c2cbot.store.partnership_lookup import PartnershipNotFound, find_partnership


@pytest.mark.parametrize(
    "typed",
    [
        "Gothenburg–Shanghai",
        "Gothenburg-Shanghai",
        "gothenburg - shanghai",
        "GOTHENBURG—SHANGHAI",
        "gothenburg_shanghai",
        "Shanghai-Gothenburg",
        "哥德堡–上海",
        "Göteborg-Shanghai",
        "Gothenburg",
    ],
)
async def test_the_same_partnership_however_it_is_typed(database: Database, typed: str) -> None:
    async with database.sessions() as session:
        assert (await find_partnership(session, typed)).name == "Gothenburg–Shanghai"


async def test_by_its_id(database: Database) -> None:
    async with database.sessions() as session:
        found = await find_partnership(session, "Gothenburg")
        assert (await find_partnership(session, str(found.id))).id == found.id


async def test_a_city_with_several_partnerships_names_them(database: Database) -> None:
    async with database.sessions() as session:
        with pytest.raises(PartnershipNotFound) as refused:
            await find_partnership(session, "milan")
    assert set(refused.value.candidates) >= {"Milan–Shanghai", "Milan–Beijing", "Milan–Chengdu"}


async def test_a_near_miss_is_suggested_and_nonsense_is_not(database: Database) -> None:
    async with database.sessions() as session:
        with pytest.raises(PartnershipNotFound) as near:
            await find_partnership(session, "Gothenberg-Shanghai")
        with pytest.raises(PartnershipNotFound) as nonsense:
            await find_partnership(session, "Atlantis")
    assert near.value.candidates == ("Gothenburg–Shanghai",)
    assert nonsense.value.candidates == ()
