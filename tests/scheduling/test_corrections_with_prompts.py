"""Editing a step's answer while a KPI prompt is open keeps both intact (issue 13).

A half-answered KPI report waits while the person changes an answer of a finished step,
and is asked again where it stood; a correction under way waits while a prompt's
"Answer now" is answered, and goes on where it stood.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.exports import answer_rows
from c2cbot.store.models import KpiValue
from tests.driver import Driver
from tests.flows.walker import load_conversations, position_of, walk_conversation
from tests.scheduling.conftest import build_world, prompts, utc

BACK = "Let's go on where you were."


async def _april_prompt(database: Database, texts: Catalogues, stakeholder: int) -> int:
    for day in (4, 5, 6):
        await jobs.plan_rounds(database, texts, utc(2026, 5, day, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 3))
    return next(
        p.id
        for p in await prompts(database, period_key="2026-04")
        if p.stakeholder_id == stakeholder
    )


async def _values(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        return [v.value for v in await session.scalars(select(KpiValue).order_by(KpiValue.id))]


async def _visions(bot: Bot) -> list[tuple[Any, Any]]:
    async with bot.database.sessions() as session:
        rows = [row async for row in answer_rows(session)]
    return [(r["value"], r["current"]) for r in rows if r["question"] == "vision"]


async def _sven_finished_aim(bot: Bot) -> Driver:
    sven = Driver(bot, "sven")
    await sven.press("s:aim")
    await walk_conversation(sven, load_conversations(bot.settings.conversations_dir)["aim"], "en")
    return sven


async def test_an_edit_while_a_report_is_half_done_keeps_both(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database)
    sven = await _sven_finished_aim(bot)
    prompt = await _april_prompt(database, texts, world.sven)
    await sven.press(f"p:{prompt}")
    await sven.click("I have the figure")  # the report is open, its figure not yet typed
    await sven.press("s:aim")  # the menu's Aim, from an earlier message
    await sven.click("How do you want your city")
    await sven.send("A city that shares its clean-energy know-how.")
    assert BACK in sven.text and "Joint projects" in sven.text  # the figure is asked again
    await sven.send("1,200")
    await sven.send("/skip")
    assert await _values(database) == [{"status": "value", "value": "1200"}]
    statuses = {p.stakeholder_id: p.status for p in await prompts(database, period_key="2026-04")}
    assert statuses[world.sven] == "answered"
    visions = await _visions(bot)
    assert visions[-1] == ("A city that shares its clean-energy know-how.", "yes")
    assert [current for _value, current in visions] == ["no", "yes"]


async def test_a_prompt_answered_during_an_edit_returns_to_the_edit(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database)
    sven = await _sven_finished_aim(bot)
    prompt = await _april_prompt(database, texts, world.sven)
    await sven.press("s:aim")
    await sven.click("Go through all answers")
    await sven.click("Keep")  # the vision kept; now at the challenges
    at = await position_of(sven)
    await sven.press(f"p:{prompt}")  # "Answer now" from the prompt's message
    await sven.click("I have the figure")
    await sven.send("7")
    await sven.send("/skip")
    assert await _values(database) == [{"status": "value", "value": "7"}]
    assert BACK in sven.text
    assert await position_of(sven) == at  # the correction goes on where it stood
    for _ in range(30):
        if await position_of(sven) is None:
            break
        keeps = any(c.action.endswith(":/keep") for c in sven.last.choices)
        await sven.send("/keep" if keeps else "/skip")  # the optional one skipped before
    assert await position_of(sven) is None
    assert [current for _value, current in await _visions(bot)] == ["yes"]
