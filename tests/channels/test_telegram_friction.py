"""Issue 13's chat friction on Telegram: a hint that fits buttons, typed answers read back,
/invite with its link, an over-long answer kept with one tap.

A person on the fake Bot API, the real channel, engine and dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable

from c2cbot.runtime import Bot
from tests.channels.conftest import TelegramPerson
from tests.fakes.telegram_api import USERNAME
from tests.flows.walker import answer_until, answers_of, start_step, walk_conversation

SENTENCE = "Our city grows greener every year, with parks along the river. "  # 63 characters


async def coordinator_in_aim(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, key: str
) -> TelegramPerson:
    """A coordinator onboarded in English through /start CODE, in Aim at question ``key``."""
    person = make_person(21, "en-GB")
    await person.send(f"/start {invite}")
    await walk_conversation(person, bot.conversations["onboarding"], "en")  # type: ignore[arg-type]
    await start_step(person, "aim")  # type: ignore[arg-type]
    await answer_until(person, bot.conversations["aim"], "en", key)  # type: ignore[arg-type]
    return person


async def test_a_multiple_choice_speaks_of_buttons_and_a_typed_one_is_read_back(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str
) -> None:
    person = await coordinator_in_aim(bot, make_person, invite, "challenges")
    asked = person.last
    assert "numbers" not in asked.text and "1 3 4" not in asked.text  # buttons carry none
    assert "You can choose more than one." in asked.text
    labels = [c.label for c in asked.choices]
    assert not labels[0][0].isdigit()

    sent = await person.send("2 3")
    assert sent[0].plain == f"Noted: {labels[1]}, {labels[2]}"


async def test_invite_gives_the_code_and_the_link_it_promises(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str
) -> None:
    person = await coordinator_in_aim(bot, make_person, invite, "vision")
    sent = await person.send("/invite")
    code = sent[0].plain.split("\n", 1)[0].removeprefix("Invite code: ")
    assert "link below" not in sent[0].plain and f"/start {code}" in sent[0].plain
    assert sent[1].plain == f"Or they open this link: https://t.me/{USERNAME}?start={code}"


async def test_an_over_long_answer_is_kept_with_one_tap(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str
) -> None:
    person = await coordinator_in_aim(bot, make_person, invite, "vision")
    assert person.last.text.endswith("Up to 1000 characters.")
    [offer] = await person.send(SENTENCE * 24)  # 1,512 characters: within Telegram's 4,096
    assert offer.plain.startswith(
        "Your answer has 1511 characters; this question takes up to 1000."
    )
    await person.click("Keep the first 944 characters")
    [vision] = [a for a in await answers_of(person) if a.question == "vision"]  # type: ignore[arg-type]
    assert vision.value["value"] == (SENTENCE * 15).rstrip()
    assert "Which pressing challenges" in person.last.text
