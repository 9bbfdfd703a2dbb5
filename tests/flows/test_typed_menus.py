"""A number typed under the steps menu picks a step, even in the middle of a step.

On WeChat and WeCom the menu comes as numbered lines. Someone half-way through Aim who
sends /steps and then "2" means the second step, not "2" as the answer to the question
Aim was asking (issue 13's friction list).
"""

from __future__ import annotations

from c2cbot.flows.schema import Conversation
from c2cbot.flows.steps_menu import WHICH_STEP
from c2cbot.runtime import Bot
from tests.driver import Driver
from tests.flows.walker import answer_until, answers_of, onboard, says, start_step


async def _typist(bot: Bot, invite: str, conversations: dict[str, Conversation]) -> Driver:
    """A WeChat follower (no buttons: everything typed), onboarded and half-way through Aim."""
    follower = Driver(bot, "o_follower", channel="wechat")
    await onboard(follower, conversations, "en", invite)
    await start_step(follower, "aim")
    await answer_until(follower, conversations["aim"], "en", "vision")
    return follower


async def test_a_number_under_the_menu_opens_that_step_mid_step(
    bot: Bot, invite: str, conversations: dict[str, Conversation]
) -> None:
    follower = await _typist(bot, invite, conversations)
    aim_answers = len(await answers_of(follower, "aim"))

    await follower.send("/steps")
    assert says(bot, "en", WHICH_STEP) in follower.text
    await follower.send("2")

    commit = conversations["commit"]
    assert bot.texts.gettext("en", commit.title) in follower.text
    assert len(await answers_of(follower, "aim")) == aim_answers  # "2" answered nothing
    assert await answers_of(follower, "commit") == []


async def test_a_step_typed_by_name_under_the_menu_opens_it(
    bot: Bot, invite: str, conversations: dict[str, Conversation]
) -> None:
    follower = await _typist(bot, invite, conversations)
    await follower.send("/steps")
    await follower.send("Plan")
    assert bot.texts.gettext("en", conversations["plan"].title) in follower.text


async def test_without_the_menu_a_number_still_answers_the_question(
    bot: Bot, invite: str, conversations: dict[str, Conversation]
) -> None:
    follower = await _typist(bot, invite, conversations)
    before = len(await answers_of(follower, "aim"))
    await follower.send("/status")  # the question again, no menu
    await follower.send("A region where 2 cities share 1 climate plan")
    assert len(await answers_of(follower, "aim")) == before + 1


async def test_forged_step_data_cannot_open_a_report_without_its_prompt(
    bot: Bot, invite: str, conversations: dict[str, Conversation]
) -> None:
    """``s:kpi_count`` would start a KPI report that no prompt asked for: only steps open."""
    member = Driver(bot, "o_member")
    await onboard(member, conversations, "en", invite)
    for forged in ("s:kpi_count", "s:progress", "s:onboarding", "s:meeting"):
        await member.press(forged)
        assert says(bot, "en", WHICH_STEP) in member.text, forged
        assert all(c.action.startswith("s:") for c in member.last.choices)
