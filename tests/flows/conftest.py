"""Fixtures for conversation tests: the conversation schemas, an onboarded member, and a
faster SQLite database.

``database`` overrides the shared fixture only for SQLite: the schema is migrated and the
reference data seeded once per session into a template file, which each test copies. The
result is the same database the shared fixture builds, without repeating the migration for
each of the many tests here. PostgreSQL is built exactly as the shared fixture does.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.migrate import upgrade
from c2cbot.store.seeding import seed_reference
from tests.driver import Driver
from tests.flows.walker import load_conversations, onboard


async def _build(database: Database) -> None:
    await upgrade(database)
    async with database.transaction() as session:
        await seed_reference(session, load_reference(), database.clock())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "c2cbot.sqlite3"

    async def build() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await _build(database)
        await database.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def database(settings: Settings, sqlite_template: Path) -> AsyncIterator[Database]:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        shutil.copyfile(sqlite_template, url.database)
        database = Database(settings.database_url)
    else:
        database = Database(settings.database_url)
        await _build(database)
    yield database
    await database.close()


@pytest.fixture
def conversations(bot: Bot) -> dict[str, Conversation]:
    """The conversation schemas, read once per run (the files do not change meanwhile)."""
    return load_conversations(bot.settings.conversations_dir)


@pytest.fixture
async def member(person: Driver, invite: str, conversations: dict[str, Conversation]) -> Driver:
    """Alice, onboarded in English as a coordinator of Gothenburg–Shanghai, at the menu."""
    await onboard(person, conversations, "en", invite)
    return person
