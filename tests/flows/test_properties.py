"""Whatever people type, wherever they are in a conversation, the bot answers and never breaks."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2cbot.runtime import Bot
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import (
    ZH,
    Walker,
    load_conversations,
    onboard,
    start_step,
    state_of,
)

# Where a person can be: (conversation, question key); ("", "") is a stranger's first
# message and ("menu", "") an onboarded member at the steps menu.
POINTS = [
    ("", ""),
    ("onboarding", "language"),
    ("onboarding", "invite"),
    ("onboarding", "city"),
    ("menu", ""),
    ("aim", "challenges"),
    ("aim", "has_strategy"),
    ("aim", "impact_rating"),
    ("aim", "swot"),
    ("commit", "staff"),
    ("commit", "budget"),
    ("act", "improvements_approved"),
    ("plan", "activities#0.start"),
    ("plan", "activities#0?"),
]
COMMANDS = ["start", "help", "language", "steps", "status", "back", "skip", "cancel", "invite"]
CHARACTERS = st.characters(codec="utf-8")  # any text a channel can deliver
TYPED = st.one_of(
    st.text(CHARACTERS, max_size=120),
    st.sampled_from(
        ["yes", "no", "是", "1", "4", "１２", "1 3", "1.2万元", "€-5", "2026-02-31", "", " ", "/"]
    ),
    st.builds("/{} {}".format, st.sampled_from(COMMANDS), st.text(CHARACTERS, max_size=40)),
)
_people = itertools.count(1)


async def person_at(bot: Bot, point: tuple[str, str], language: str) -> Driver:
    """A new person, brought to ``point`` in the narrative with an invite code of their own."""
    conversations = load_conversations(bot.settings.conversations_dir)
    invite = await make_invite(bot.database, role="coordinator", uses=1)
    driver = Driver(bot, f"prop{next(_people)}")
    conversation, key = point
    if conversation == "":
        return driver
    if conversation == "onboarding":
        await driver.send("hello")
        walker = Walker(driver, conversations["onboarding"], language, invite=invite)
        await walker.run(until=key)
        return driver
    await onboard(driver, conversations, language, invite)
    if conversation != "menu":
        await start_step(driver, conversation)
        await Walker(driver, conversations[conversation], language).run(until=key)
    return driver


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    point=st.sampled_from(POINTS),
    language=st.sampled_from(["en", ZH]),
    typed=st.lists(TYPED, min_size=1, max_size=3),
)
async def test_any_text_at_any_point_gets_a_reply(
    bot: Bot, point: tuple[str, str], language: str, typed: list[str]
) -> None:
    driver = await person_at(bot, point, language)
    for text in typed:
        replies = await driver.send(text)
        assert replies, (point, text)
        assert all(r.text for r in replies), replies
        state = await state_of(driver)
        assert (state.get("conv") is None) == (state.get("pos") is None), state
