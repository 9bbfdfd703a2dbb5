"""Chat commands through the engine: /help fits the reader's role, and commands for
coordinators refuse everyone else in one place, the registry."""

from __future__ import annotations

import pytest

from c2cbot.flows.commands import Audience, listed
from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import onboard, says

ONLY_COORDINATORS = "Only coordinators of the partnership can do this."
FOR_COORDINATORS = [c.name for c in listed() if c.audience is Audience.COORDINATORS]


@pytest.fixture
async def bob(bot: Bot, conversations: dict[str, Conversation]) -> Driver:
    """Bob, onboarded in English as a plain member of Gothenburg–Shanghai."""
    driver = Driver(bot, "bob")
    await onboard(driver, conversations, "en", await make_invite(bot.database, role="member"))
    return driver


async def test_help_shows_coordinators_their_commands_and_members_theirs(
    member: Driver, bob: Driver
) -> None:
    coordinator_help = (await member.send("/help"))[0].text
    member_help = (await bob.send("/help"))[0].text
    assert FOR_COORDINATORS == ["invite", "members", "invites", "schedule"]
    for name in FOR_COORDINATORS:
        assert f"\n/{name} – " in coordinator_help
        assert f"\n/{name} – " not in member_help
    for name in ("start", "steps", "pause", "meeting", "digest", "help"):
        assert f"\n/{name} – " in member_help


@pytest.mark.parametrize("name", FOR_COORDINATORS)
async def test_coordinator_commands_refuse_members(bot: Bot, bob: Driver, name: str) -> None:
    replies = await bob.send(f"/{name}")
    assert replies[0].text == says(bot, "en", ONLY_COORDINATORS)


async def test_a_coordinator_button_pressed_by_a_member_is_refused(bot: Bot, bob: Driver) -> None:
    replies = await bob.press("sc:f:7")
    assert replies[0].text == says(bot, "en", ONLY_COORDINATORS)
