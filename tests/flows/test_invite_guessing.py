"""Invite codes against guessing: codes made before the longer ones still work, wrong
codes are counted per person and per source address, and the counts outlive a restart."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.flows.invites import INVITE_PROBLEMS
from c2cbot.flows.ports import InviteProblem
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from c2cbot.store.invites import GUESSES_PER_ORIGIN, GUESSES_PER_PERSON
from c2cbot.store.models import InviteCode, Partnership
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.test_engine import at_invite_question, membership_count, position_of
from tests.flows.walker import says

WRONG = "WRONG234WRONG2"
TOO_MANY = INVITE_PROBLEMS[InviteProblem.TOO_MANY]


async def test_a_code_made_before_codes_grew_longer_still_redeems(bot: Bot) -> None:
    async with bot.database.transaction() as session:
        partnership = await session.scalar(select(Partnership).limit(1))
        assert partnership is not None
        now = bot.clock()
        session.add(
            InviteCode(
                code="ABCD2345",  # eight characters, as codes were made until 2026-12
                partnership_id=partnership.id,
                role="member",
                uses_left=3,
                expires_at=now + timedelta(days=7),
                created_at=now - timedelta(days=7),
            )
        )
    person = await at_invite_question(bot, "olga")
    await person.send("abcd 2345")
    assert await position_of(person) == Position("name")


async def test_the_guessing_limit_outlives_a_restart(bot: Bot, settings: Settings) -> None:
    code = await make_invite(bot.database)
    guesser = await at_invite_question(bot, "mallory")
    for _ in range(GUESSES_PER_PERSON):
        await guesser.send(WRONG)
    await bot.stop()

    restarted = Bot(settings)
    try:
        guesser.bot = restarted
        replies = await guesser.send(code)  # even the right code, for the rest of the hour
        assert replies[0].text == says(restarted, "en", TOO_MANY)
        assert await position_of(guesser) == Position("invite")
    finally:
        await restarted.stop()


async def _at(bot: Bot, user: str, origin: str) -> Driver:
    person = await at_invite_question(bot, user)
    person.origin = origin
    return person


async def test_many_identities_at_one_address_share_its_limit(bot: Bot) -> None:
    code = await make_invite(bot.database)
    members = await membership_count(bot)
    per_identity = GUESSES_PER_PERSON - 1  # each new cookie stays under its own limit
    for n in range(-(-GUESSES_PER_ORIGIN // per_identity)):
        guesser = await _at(bot, f"cookie{n}", "203.0.113.9")
        for _ in range(per_identity):
            await guesser.send(WRONG)

    newcomer = await _at(bot, "cookie-new", "203.0.113.9")
    replies = await newcomer.send(code)
    assert replies[0].text == says(bot, "en", TOO_MANY)
    elsewhere = await _at(bot, "cookie-elsewhere", "198.51.100.7")
    await elsewhere.send(code)
    assert await position_of(elsewhere) == Position("name")
    assert await position_of(newcomer) == Position("invite")
    assert await membership_count(bot) == members + 1
