"""Seeing and correcting the answers of a finished step (issue 13), through the engine.

A person reopens a step from the menu: its answers are listed, one can be changed
alone, or all gone through with a one-tap keep. The export keeps every version and marks
the current one; /steps shows both cities' progress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from c2cbot.export_files import write_xlsx
from c2cbot.flows import walk
from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from c2cbot.store.exports import COLUMNS, answer_rows
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import answers_of, onboard, position_of, says, start_step, walk_conversation

SIGNED = 2  # mou_status: none, in_preparation, signed
CURRENT = "Your answer so far: {answer}"
SAVED = "Your changes to “{title}” are saved."


async def _finish(driver: Driver, conversations: dict[str, Conversation], step: str) -> None:
    await start_step(driver, step)
    picks = {"mou_status": SIGNED} if step == "partner" else {}
    await walk_conversation(driver, conversations[step], "en", picks=picks)


async def _export(bot: Bot) -> list[dict[str, Any]]:
    async with bot.database.sessions() as session:
        return [row async for row in answer_rows(session)]


def _rows_of(rows: list[dict[str, Any]], question: str) -> list[tuple[Any, str | None]]:
    return [(r["value"], r["current"]) for r in rows if r["question"] == question]


async def test_one_answer_changes_without_retyping_and_the_export_marks_the_current(
    bot: Bot, member: Driver, conversations: dict[str, Conversation], tmp_path: Path
) -> None:
    await _finish(member, conversations, "partner")
    stored = len(await answers_of(member, "partner"))
    await start_step(member, "partner")  # the menu after the step: reopen it
    assert "Your answers in “Partner: find a matching city”" in member.text
    assert any(c.label.startswith("Which partner city") for c in member.last.choices)
    await member.click("Which partner city")
    assert "Which partner city have you chosen?" in member.text
    assert says(bot, "en", CURRENT, answer=(await _typed_city(member))) in member.text
    await member.send("Shanghai Pudong")
    assert says(bot, "en", SAVED, title="Partner: find a matching city") in member.text
    assert (await position_of(member)) is None  # back at the menu, nothing else asked
    assert len(await answers_of(member, "partner")) == stored + 1

    rows = await _export(bot)
    city_rows = _rows_of(rows, "partner_city")
    assert city_rows[-1] == ("Shanghai Pudong", "yes")
    assert [current for _value, current in city_rows] == ["no", "yes"]
    others = [r for r in rows if r["step"] == "partner" and r["question"] != "partner_city"]
    assert others and all(r["current"] == "yes" for r in others)
    assert all(r["current"] is None for r in rows if r["conversation"] == "onboarding")

    path = tmp_path / "answers.xlsx"
    await write_xlsx(_aiter(rows), path, COLUMNS)
    sheet = load_workbook(path).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = {name: table[0].index(name) for name in ("question", "value", "current")}
    assert [
        (r[at["value"]], r[at["current"]]) for r in table if r[at["question"]] == "partner_city"
    ] == [
        (city_rows[0][0], "no"),
        ("Shanghai Pudong", "yes"),
    ]


async def _typed_city(driver: Driver) -> str:
    return str(
        next(a.display for a in await answers_of(driver, "partner") if a.question == "partner_city")
    )


async def _aiter(rows: list[dict[str, Any]]) -> Any:
    for row in rows:
        yield row


async def test_going_through_a_step_keeps_every_answer_with_one_tap(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    """Required questions take "keep" where /skip is refused; keeping stores nothing."""
    await _finish(member, conversations, "plan")
    stored = len(await answers_of(member, "plan"))
    await start_step(member, "plan")
    await member.click("Go through all answers")
    assert "Plan: turn the agreement into action · 1/" in member.text
    await member.send("/skip")  # required: refused as before
    assert "can't be skipped" in member.text
    keeps = 0
    while (position := await position_of(member)) is not None:
        labels = [c.label for c in member.last.choices]
        if position.question == "activities" and position.item == 0 and not position.more:
            await member.click("Keep the whole list")
        elif "Keep" not in labels:  # never answered (the review date was skipped): no keep
            assert walk.question_at(conversations["plan"], position).optional, labels
            await member.send("/skip")
        elif keeps % 2:
            await member.send("/keep")  # typed, as on WeChat
        else:
            await member.click("Keep")
        keeps += 1
        assert keeps < 30, member.text
    assert says(bot, "en", SAVED, title="Plan: turn the agreement into action") in member.text
    assert len(await answers_of(member, "plan")) == stored
    assert all(r["current"] == "yes" for r in await _export(bot) if r["step"] == "plan")


async def test_keep_outside_a_correction_stores_nothing_and_says_so(member: Driver) -> None:
    await member.send("/keep")
    assert "There is no earlier answer to keep here." in member.text


async def test_a_changed_condition_withdraws_or_asks_its_dependent_question(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await _finish(member, conversations, "partner")
    stored = len(await answers_of(member, "partner"))
    await start_step(member, "partner")
    await member.click("Is there a framework agreement")
    await member.click("Not yet")  # mou_signed no longer applies
    assert (await position_of(member)) is None
    rows = await _export(bot)
    assert _rows_of(rows, "mou_status")[-1] == ("none", "yes")
    signed = _rows_of(rows, "mou_signed")
    assert signed[0][0] == "2026-12-01" and [c for _v, c in signed] == ["no", "no"]
    assert signed[-1][0] is None  # the withdrawal, kept in the history
    assert len(await answers_of(member, "partner")) == stored + 2
    assert "When was the MoU signed?" not in member.text

    await start_step(member, "partner")
    assert not any(c.label.startswith("When was the MoU") for c in member.last.choices)
    await member.click("Is there a framework agreement")
    await member.click("Signed")  # now the signing date is asked, and only it
    assert "When was the MoU signed?" in member.text
    await member.send("3.5.2024")
    assert "When does the MoU end" in member.text  # newly open too, and optional
    await member.send("/skip")
    assert (await position_of(member)) is None
    signed = _rows_of(await _export(bot), "mou_signed")
    assert signed[-1] == ("2024-05-03", "yes")


async def test_status_jumps_back_to_one_question_and_returns(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await start_step(member, "aim")
    walker_keys = await _answer_aim_until(member, conversations, "has_strategy")
    assert walker_keys
    await member.send("/status")
    assert (
        "To change an earlier answer of this step, choose the step again in /steps." in member.text
    )
    await member.send("/steps")
    await start_step(member, "aim")  # the step again, in the middle of it: its answers
    await member.click("How do you want your city")
    assert "How do you want your city to be" in member.text
    await member.send("A greener city for everyone.")
    position = await position_of(member)
    assert position is not None and position.question == "has_strategy"  # back where they were
    vision = [a for a in await answers_of(member, "aim") if a.question == "vision"]
    assert [a.display for a in vision][-1] == "A greener city for everyone."


async def _answer_aim_until(
    driver: Driver, conversations: dict[str, Conversation], key: str
) -> list[str]:
    from tests.flows.walker import answer_until

    walker = await answer_until(driver, conversations["aim"], "en", key)
    return walker.answered


async def test_an_invalid_edit_is_refused_and_nothing_is_stored(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    await _finish(member, conversations, "partner")
    stored = len(await answers_of(member, "partner"))
    await start_step(member, "partner")
    await member.click("When was the MoU signed?")
    await member.send("next Tuesday-ish")
    assert "When was the MoU signed?" in member.text  # asked again, with its reason
    assert says(bot, "en", CURRENT, answer="December 1, 2026") in member.text
    assert len(await answers_of(member, "partner")) == stored
    await member.click("Keep")
    assert (await position_of(member)) is None
    assert len(await answers_of(member, "partner")) == stored


async def test_steps_shows_both_cities_progress_and_ones_own(
    bot: Bot, member: Driver, conversations: dict[str, Conversation]
) -> None:
    li = Driver(bot, "li")
    shanghai = 1  # the second city offered: Gothenburg, then Shanghai
    await onboard(
        li, conversations, "en", await make_invite(bot.database), picks={"city": shanghai}
    )
    await start_step(li, "aim")
    keys = await walk_conversation(li, conversations["aim"], "en")
    await member.send("/steps")
    lines = member.last.text.splitlines()
    aim = next(line for line in lines if line.startswith("Aim · "))
    answered = len({k.split("#")[0] for k in keys})  # one optional question was skipped
    assert aim.startswith("Aim · Gothenburg 0/"), aim
    assert aim.endswith(f" · Shanghai {answered}/{answered}"), aim
    own = next(c.label for c in member.last.choices if c.action == "s:aim")
    assert own == f"Aim · 0/{len(conversations['aim'].questions)}"  # the reader's own
