"""Correcting a step's answers on Telegram with its buttons (issue 13)."""

from __future__ import annotations

from collections.abc import Callable

from c2cbot.flows.correction_views import CURRENT
from c2cbot.runtime import Bot
from c2cbot.store.exports import answer_rows
from tests.channels.conftest import TelegramPerson
from tests.fakes.telegram_api import FakeTelegram
from tests.flows.walker import start_step, state_of, walk_conversation


async def test_keep_and_change_one_answer_with_buttons(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, fast_fake: FakeTelegram
) -> None:
    person = make_person(31, "en-GB")
    await person.send(f"/start {invite}")
    await walk_conversation(person, bot.conversations["onboarding"], "en")  # type: ignore[arg-type]
    await start_step(person, "aim")  # type: ignore[arg-type]
    await walk_conversation(person, bot.conversations["aim"], "en")  # type: ignore[arg-type]

    await start_step(person, "aim")  # type: ignore[arg-type]
    await person.click("Go through all answers")
    vision = next(m for m in fast_fake.chat(31) if "How do you want your city" in m.plain)
    assert "Your answer so far: " in person.last_sent.plain
    assert person.last.choices[-1].label == "Keep"
    await person.click("Keep")
    assert (await state_of(person))["pos"][0] == "challenges"  # type: ignore[arg-type]
    assert person.last.choices[-1].label == "Keep"  # under the multiple choice, after Done
    await person.click("Keep")
    await person.send("/cancel")

    await start_step(person, "aim")  # type: ignore[arg-type]
    await person.click("How do you want your city")
    assert CURRENT.split("{")[0] in person.last_sent.plain
    await person.send("A city that learns from its partner.")
    saved = "Your changes to “Aim: why go international” are saved."
    assert any(saved in m.plain for m in fast_fake.chat(31)[-3:])
    async with bot.database.sessions() as session:
        rows = [r async for r in answer_rows(session) if r["question"] == "vision"]
    assert [(r["value"], r["current"]) for r in rows][-1] == (
        "A city that learns from its partner.",
        "yes",
    )
    assert [r["current"] for r in rows] == ["no", "yes"] and vision.plain
    assert fast_fake.violations == []
