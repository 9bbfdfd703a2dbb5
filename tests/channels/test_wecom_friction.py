"""Issue 13's chat friction in the WeCom app, typed in Chinese: the multiple choice tells
people to reply with numbers (nothing to tap), /skip is said once, a wrong pick is told
"one or more", a typed amount is read back, and a rating's options are words.
"""

from __future__ import annotations

from c2cbot.channels.wecom.channel import WeComApp
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.flows import walk
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from tests.channels import test_wecom
from tests.channels.test_wecom import WeComPerson, answer_by_typing, position_in, reply_for
from tests.fakes.wecom_api import FakeWeCom
from tests.flows.walker import ZH

# The app on loopback, its fake and its dispatcher, as the WeCom channel tests make them.
fake, make_app, wecom, dispatcher = (
    test_wecom.fake,
    test_wecom.make_app,
    test_wecom.wecom,
    test_wecom.dispatcher,
)


async def in_step(person: WeComPerson, step: Step, key: str) -> None:
    """Open ``step`` from the menu and type answers until question ``key`` is asked."""
    name = person.bot.texts.gettext(ZH, STEP_NAMES[step])
    await person.say(next(n for label, n in person.numbered().items() if label.startswith(name)))
    conversation = person.bot.conversations[step.value]
    for turn in range(40):
        position = await position_in(person, conversation)
        assert position is not None, person.last
        if position == Position(key):
            return
        question = walk.question_at(conversation, position)
        await person.say(reply_for(person, question, position, turn))
    raise AssertionError(f"{key} was never asked")


async def member(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher, invite: str
) -> WeComPerson:
    person = WeComPerson(bot, fake.member("lina"), wecom, dispatcher)
    await person.say(f"/start {invite}")
    await answer_by_typing(person, bot.conversations["onboarding"])
    return person


async def test_multiple_choice_and_skip_read_right_without_buttons(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher, invite: str
) -> None:
    person = await member(bot, fake, wecom, dispatcher, invite)
    await in_step(person, Step.AIM, "stakeholders_involved")  # optional, multiple choice
    asked = person.last
    assert "点选" not in asked and "完成" not in asked
    assert asked.count("/skip") == 1
    assert "“九”不在选项中。请选择一项或多项。" in "\n".join(await person.say("1、九"))


async def test_a_typed_amount_is_read_back_and_ratings_are_words(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher, invite: str
) -> None:
    person = await member(bot, fake, wecom, dispatcher, invite)
    await in_step(person, Step.COMMIT, "budget")
    said = "\n".join(await person.say("200万元"))
    assert "已记录：" in said and "2,000,000" in said.replace("，", ",")
    await person.say("/steps")
    await in_step(person, Step.AIM, "impact_rating")
    assert list(person.numbered()) == ["很小", "较小", "一般", "较大", "很大"]
