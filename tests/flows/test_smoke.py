"""The shortest real conversation: a new person says hello, joins, and gets the first question."""

from __future__ import annotations

from c2cbot.runtime import Bot
from tests.driver import Driver
from tests.flows.walker import position_of, state_of


async def test_onboarding_then_aim(bot: Bot, person: Driver, invite: str) -> None:
    await person.send("hello")
    assert [c.label for c in person.last.choices] == ["English", "简体中文", "Deutsch"]
    await person.click("English")
    await person.click("Yes")  # to the privacy notice
    await person.send(invite)
    assert person.text.startswith("Welcome to the partnership Gothenburg–Shanghai!")
    await person.send("Alice Andersson")
    await person.click("Gothenburg")
    await person.send("City of Gothenburg")
    await person.click("Government or public body")
    assert (await state_of(person))["onboarded"] is True
    assert len(person.last.choices) == 8

    await person.click("Aim")
    assert "How do you want your city to be in 20 to 30 years?" in person.last.text
    assert (await position_of(person)) is not None
    assert (await position_of(person)).question == "vision"  # type: ignore[union-attr]


async def test_the_partnership_is_named_in_the_newcomers_language(
    bot: Bot, person: Driver, invite: str
) -> None:
    await person.send("你好")
    await person.click("简体中文")
    await person.click("是")  # to the privacy notice
    await person.send(invite)
    assert person.text.startswith("欢迎加入合作项目“哥德堡–上海”")
