"""Shared access tokens: refreshed once however many callers notice expiry at once."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from c2cbot.store.database import Database
from c2cbot.store.models import AccessToken
from c2cbot.store.tokens import SqlTokenVault


async def test_concurrent_refreshes_fetch_once(database: Database) -> None:
    vault, fetched = SqlTokenVault(database), []

    async def fetch() -> tuple[str, int]:
        fetched.append(1)
        await asyncio.sleep(0.05)
        return f"token-{len(fetched)}", 7200

    tokens = await asyncio.gather(*(vault.refresh("wecom:corp", None, fetch) for _ in range(5)))
    assert tokens == ["token-1"] * 5
    assert len(fetched) == 1
    assert await vault.current("wecom:corp") == "token-1"


async def test_a_rejected_token_is_replaced(database: Database) -> None:
    vault = SqlTokenVault(database)
    tokens = iter(["old", "new"])

    async def fetch() -> tuple[str, int]:
        return next(tokens), 7200

    assert await vault.refresh("oa", None, fetch) == "old"
    assert await vault.refresh("oa", "old", fetch) == "new"  # the API said 40001 for "old"


async def test_an_expiring_token_is_not_current(database: Database) -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    vault = SqlTokenVault(database, clock=lambda: now)

    async def fetch() -> tuple[str, int]:
        return "short", 120  # inside the five-minute safety margin

    await vault.refresh("oa", None, fetch)
    assert await vault.current("oa") is None
    later = SqlTokenVault(database, clock=lambda: now - timedelta(hours=1))
    assert await later.current("oa") == "short"


async def test_the_current_token_is_remembered_for_a_minute(database: Database) -> None:
    """Every API call asks for the token; the database is asked at most once a minute."""
    now = [datetime(2026, 11, 28, 12, tzinfo=UTC)]
    vault = SqlTokenVault(database, clock=lambda: now[0])

    async def fetch() -> tuple[str, int]:
        return "remembered", 7200

    await vault.refresh("oa", None, fetch)
    async with database.transaction() as session:
        await session.execute(delete(AccessToken))
    assert await vault.current("oa") == "remembered"  # no database read
    now[0] += timedelta(seconds=61)
    assert await vault.current("oa") is None  # read again: the row is gone


async def test_a_token_another_instance_replaced_is_found_on_refresh(database: Database) -> None:
    mine, theirs, fetched = SqlTokenVault(database), SqlTokenVault(database), []

    async def fetch() -> tuple[str, int]:
        fetched.append(1)
        return f"token-{len(fetched)}", 7200

    assert await mine.refresh("oa", None, fetch) == "token-1"
    assert await theirs.refresh("oa", "token-1", fetch) == "token-2"
    assert await mine.current("oa") == "token-1"  # remembered; the API will refuse it
    assert await mine.refresh("oa", "token-1", fetch) == "token-2"  # found, not fetched
    assert len(fetched) == 2
    assert await mine.current("oa") == "token-2"
