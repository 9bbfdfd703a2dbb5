"""Fixtures for conversation tests: the conversation schemas and an onboarded member.

The database is the shared fixture's: a copy of the run's migrated and seeded template.
"""

from __future__ import annotations

import pytest

from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from tests.driver import Driver
from tests.flows.walker import load_conversations, onboard


@pytest.fixture
def conversations(bot: Bot) -> dict[str, Conversation]:
    """The conversation schemas, read once per run (the files do not change meanwhile)."""
    return load_conversations(bot.settings.conversations_dir)


@pytest.fixture
async def member(person: Driver, invite: str, conversations: dict[str, Conversation]) -> Driver:
    """Alice, onboarded in English as a coordinator of Gothenburg–Shanghai, at the menu."""
    await onboard(person, conversations, "en", invite)
    return person
