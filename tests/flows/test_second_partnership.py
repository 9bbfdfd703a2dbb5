"""Joining a second partnership asks nothing already known, and the chat names which one."""

from __future__ import annotations

from sqlalchemy import func, select

from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import Membership
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import state_of


async def _memberships(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Membership)) or 0)


async def test_a_second_invite_adds_a_membership_and_asks_nothing_known(
    bot: Bot, database: Database, member: Driver
) -> None:
    code = await make_invite(database, "Milan–Shanghai")
    await member.send(f"/start {code}")
    assert "Welcome to the partnership Milan–Shanghai!" in member.text
    assert member.last.text.startswith("Milan–Shanghai\n")  # its steps menu
    assert (await state_of(member)).get("conv") is None  # no onboarding question again
    assert await _memberships(database) == 2

    await member.send("/partnership")
    assert [c.label for c in member.last.choices] == [
        "Gothenburg–Shanghai",
        "Milan–Shanghai ✓",
    ]
    await member.send("/partnership 1")
    assert "We now work on the partnership Gothenburg–Shanghai." in member.text
    await member.send("/steps")
    assert member.last.text.startswith("Gothenburg–Shanghai\n")


async def test_one_partnership_says_how_to_join_another(member: Driver) -> None:
    await member.send("/partnership")
    assert "You work on one partnership: Gothenburg–Shanghai." in member.text
    assert member.last.choices == ()
