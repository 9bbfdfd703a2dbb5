"""Issue 13's chat friction on WeChat, typed in Chinese as a follower would: no buttons to
tap, /skip said once, "one or more" for a multiple choice, typed answers read back,
ratings in words, and an over-long answer kept by typing "1".

The account's callback is served on loopback and the fake WeChat API takes the replies.
"""

from __future__ import annotations

import asyncio

import pytest

from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.flows import walk
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from tests.channels import test_wechat_oa
from tests.channels.conftest import drain, outbox_pending
from tests.channels.test_wechat_oa import MakeOA, Person, position_in, type_through, typed_answer
from tests.flows.walker import ZH, answers_of, says

# The account served on loopback and its fake API, as the WeChat channel tests make them.
fake, make_oa = test_wechat_oa.fake, test_wechat_oa.make_oa
SENTENCE = "建设绿色低碳、开放包容、宜居宜业的国际化城市。"  # 23 characters


class Follower:
    """A follower of the account, and what the bot wrote back since they last spoke."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.seen = 0

    async def say(self, text: str) -> str:
        self.seen = len(self.person.wechat.received)
        await self.person.say(text)
        return self.since

    @property
    def since(self) -> str:
        return "\n".join(r.text for r in self.person.wechat.received[self.seen :])

    async def answer_until(self, key: str) -> None:
        """Type answers in Aim until the question keyed ``key`` is asked."""
        aim = self.person.bot.conversations["aim"]
        for turn in range(40):
            position = await position_in(self.person, "aim")
            assert position is not None
            if position == Position(key):
                return
            question = walk.question_at(aim, position)
            await self.say(typed_answer(self.person, question, position, turn))
        raise AssertionError(f"{key} was never asked")


@pytest.fixture
async def follower(bot: Bot, make_oa: MakeOA, invite: str) -> Follower:
    """A coordinator onboarded in Chinese on WeChat, at the first question of Aim."""
    served = await make_oa()
    dispatcher = Dispatcher(
        bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back
    )

    async def settle() -> None:
        """Deliver until nothing waits: passive replies are marked sent just after the
        callback answers, so a single drain can stop halfway through a turn's replies."""
        for _ in range(200):
            await drain(dispatcher)
            if not await outbox_pending(bot):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the outbox never emptied")

    person = Person(bot, served.user("o_friction"), settle)
    await person.wechat.follow(invite)
    await person.settle()
    await type_through(person, bot.conversations["onboarding"])
    aim = says(bot, ZH, STEP_NAMES[Step.AIM])
    [number] = [n for label, n in person.wechat.numbered().items() if label.startswith(aim)]
    await person.say(number)
    return Follower(person)


async def test_multiple_choice_speaks_of_numbers_only_and_reads_back_what_it_took(
    bot: Bot, follower: Follower
) -> None:
    await follower.answer_until("challenges")
    asked = follower.person.wechat.last
    assert "点选" not in asked and "完成" not in asked  # nothing to tap, no Done
    assert "可以多选。" in asked and "请回复所有适用项的编号" in asked
    labels = list(follower.person.wechat.numbered())

    wrong = await follower.say("1 99")
    assert "“99”不在选项中。请选择一项或多项。" in wrong

    read = await follower.say("2 3")
    assert f"已记录：{labels[1]}、{labels[2]}" in read


async def test_skip_is_said_once_and_ratings_are_numbered_words(
    bot: Bot, follower: Follower
) -> None:
    await follower.answer_until("stakeholders_involved")  # an optional multiple choice
    assert follower.person.wechat.last.count("/skip") == 1
    await follower.answer_until("impact_rating")
    asked = follower.person.wechat.last
    assert list(follower.person.wechat.numbered()) == ["很小", "较小", "一般", "较大", "很大"]
    assert "1. 1" not in asked and "1表示" not in asked
    await follower.say("较大")
    [rating] = [a for a in await answers_of(follower.person) if a.question == "impact_rating"]  # type: ignore[arg-type]
    assert rating.value["value"] == 4


async def test_an_over_long_answer_is_kept_by_typing_its_number(
    bot: Bot, follower: Follower
) -> None:
    assert "最多1000个字符。" in follower.person.wechat.last
    offer = await follower.say(SENTENCE * 60)
    assert offer.startswith("您的回答共1380个字符，本题最多1000个字符。")
    assert follower.person.wechat.numbered() == {"保留前989个字符": "1"}
    await follower.say("1")
    [vision] = [a for a in await answers_of(follower.person) if a.question == "vision"]  # type: ignore[arg-type]
    assert vision.value["value"] == SENTENCE * 43
