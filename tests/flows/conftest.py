"""Fixtures for conversation tests: the conversation schemas and an onboarded member."""

from __future__ import annotations

import pytest

from c2cbot.flows.loader import load_all
from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from tests.driver import Driver
from tests.flows.walker import onboard


@pytest.fixture
def conversations(bot: Bot) -> dict[str, Conversation]:
    return load_all(bot.settings.conversations_dir)


@pytest.fixture
async def member(person: Driver, invite: str, conversations: dict[str, Conversation]) -> Driver:
    """Alice, onboarded in English as a coordinator of Gothenburg–Shanghai, at the menu."""
    await onboard(person, conversations, "en", invite)
    return person


@pytest.fixture
def backend(database: Database) -> str:
    return database.engine.dialect.name
