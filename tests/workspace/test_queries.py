"""Each workspace page reads the database with a fixed number of statements, however much
the partnership holds: no query per answer, per person or per step.

The bot is served with ``aiohttp.test_utils.TestServer`` and not started, so no outbox
dispatcher or scheduler shares the engine while the statements of a page are counted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import event

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from tests.scheduling.conftest import World, utc
from tests.support.clock import SetClock
from tests.workspace.conftest import Browser, Served
from tests.workspace.records import activity, answer, asked, completed, member

#: Measured: the list 3 statements, the overview 13 (10 before it showed the next questions
#: and digests), a step 6 (Act 7: the partnership's KPIs), a step's completion 7; each
#: includes the session and the membership.
PAGES = ("/p/", "/p/{p}/", "/p/{p}/steps/aim", "/p/{p}/steps/plan", "/p/{p}/steps/act")
COMPLETION = "/p/{p}/steps/aim/completion"


@pytest.fixture
async def unstarted(
    settings: Settings, database: Database, hands: SetClock
) -> AsyncIterator[Served]:
    bot = Bot(settings, clock=hands)
    server = TestServer(bot.app, host="127.0.0.1")
    await server.start_server()
    yield Served(bot, str(server.make_url("")).rstrip("/"))
    await server.close()
    await bot.stop()


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def _costs(served: Served, browser: Browser, world: World) -> dict[str, int]:
    costs = {}
    for path in (*PAGES, COMPLETION):
        url = path.format(p=world.partnership_id)
        with counting(served.bot.database) as statements:
            page = await browser.get(url)
        assert page.status == 200, url
        costs[path] = len(statements)
    return costs


async def _grow(database: Database, world: World) -> None:
    """Ten more people in each city, each answering Aim and Plan (some twice), activities
    and questions waiting: the same pages now show many times more rows."""
    p = world.partnership_id
    people = []
    for n in range(10):
        people.append(await member(database, p, f"gothenburg{n}", world.gothenburg))
        people.append(await member(database, p, f"shanghai{n}", world.shanghai, language="zh_Hans"))
    for n, who in enumerate(people):
        at = utc(2026, 4, 1) + timedelta(hours=n)
        await answer(database, who, p, "vision", "text", f"Vision {n}", at=at)
        await answer(database, who, p, "challenges", "multi", ["water"], at=at)
        await answer(database, who, p, "challenges", "multi", ["digital", "water"], at=at)
        await answer(database, who, p, "impact_rating", "rating", 4, at=at)
        for item in range(3):
            plan = {"conversation": "plan", "item": item, "at": at}
            await answer(database, who, p, "activities.title", "text", f"A{n}.{item}", **plan)
            await answer(database, who, p, "activities.owner", "choice", str(who), **plan)
        await activity(database, p, f"Activity {n}", date(2026, 4, 20 + n % 10), who)
        await asked(database, who, p, 100 + n)
    await completed(database, world.anna, p, "aim")


async def test_pages_cost_the_same_queries_for_a_small_and_a_larger_partnership(
    unstarted: Served, world: World, database: Database
) -> None:
    p = world.partnership_id
    await answer(database, world.sven, p, "vision", "text", "A green port city.")
    await answer(database, world.li, p, "challenges", "multi", ["mobility"])
    anna = Browser(unstarted)
    try:
        await anna.sign_in("anna")
        small = await _costs(unstarted, anna, world)
        await _grow(database, world)
        larger = await _costs(unstarted, anna, world)
        aim = await anna.get(f"/p/{p}/steps/aim")
        assert aim.text.count("Earlier answers (1)") == 20 and "Vision 19" in aim.text
    finally:
        await anna.close()
    print(f"statements per page: {small}")
    assert larger == small
    assert max(small.values()) <= 13, small
