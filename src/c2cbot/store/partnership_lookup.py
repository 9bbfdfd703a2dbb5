"""Finding a partnership the way an operator types it: id, key, name or one of its cities.

"Gothenburg-Shanghai", "gothenburg – shanghai", "Gothenburg" (if it has one partnership)
and "哥德堡" all find Gothenburg–Shanghai: names are compared without case, with any
dash and the spaces around it alike. A text that fits several partnerships (Milan has
five) is refused with the candidates, so the command can suggest them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.models import City, Partnership, PartnershipCity

_DASHES = re.compile(r"\s*[-‐‑‒–—―－]\s*")
SUGGESTED = 8  # candidates named at most


class PartnershipNotFound(LookupError):
    """No single partnership fits; ``candidates`` are the names that came close."""

    def __init__(self, wanted: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(wanted)
        self.wanted, self.candidates = wanted, tuple(candidates)[:SUGGESTED]


def folded(text: str) -> str:
    """A name as compared: no case, one kind of dash, single spaces."""
    return " ".join(_DASHES.sub("-", text.strip()).casefold().split())


async def find_partnership(session: AsyncSession, wanted: str) -> Partnership:
    """The one partnership ``wanted`` names; ``PartnershipNotFound`` with suggestions else."""
    text = wanted.strip()
    partnerships = list((await session.execute(select(Partnership))).scalars())
    exact = [
        p for p in partnerships if text in (str(p.id), p.key) or folded(p.name) == folded(text)
    ]
    found = exact or await _by_cities(session, partnerships, text)
    if len(found) == 1:
        return found[0]
    names = sorted(p.name for p in found) or _close(partnerships, text)
    raise PartnershipNotFound(wanted, names)


async def _by_cities(
    session: AsyncSession, partnerships: list[Partnership], text: str
) -> list[Partnership]:
    """Partnerships of every city named ("Gothenburg", or "Gothenburg-Shanghai" in any order)."""
    cities = await _city_ids(session)
    named = [cities.get(part) for part in folded(text).split("-")]
    if not named or None in named:
        return []
    links = (await session.execute(select(PartnershipCity))).scalars()
    members: dict[int, set[int]] = {}
    for link in links:
        members.setdefault(link.partnership_id, set()).add(link.city_id)
    wanted = {city for city in named if city is not None}
    return [p for p in partnerships if wanted <= members.get(p.id, set())]


async def _city_ids(session: AsyncSession) -> dict[str, int]:
    found: dict[str, int] = {}
    for city in (await session.execute(select(City))).scalars():
        for name in (city.key, city.name_en, city.name_zh, city.name_de):
            if name:
                found[folded(name)] = city.id
    return found


def _close(partnerships: list[Partnership], text: str) -> list[str]:
    by_folded = {folded(p.name): p.name for p in partnerships}
    close = difflib.get_close_matches(folded(text), list(by_folded), n=SUGGESTED, cutoff=0.8)
    return [by_folded[name] for name in close]
