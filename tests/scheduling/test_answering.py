"""A prompt answered end to end: the button, the KPI conversation, the stored value."""

from __future__ import annotations

from sqlalchemy import select

from c2cbot.flows.messages import Outbound
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store import prompt_answers
from c2cbot.store.database import Database
from c2cbot.store.models import KpiPlan, KpiValue
from tests.driver import Driver
from tests.scheduling.conftest import build_world, prompts, utc


async def _values(database: Database) -> list[KpiValue]:
    async with database.sessions() as session:
        return list(await session.scalars(select(KpiValue).order_by(KpiValue.id)))


def _choice(message: Outbound, option: str) -> str:
    """The action of the button for ``option``, whatever its label's language."""
    return next(c.action for c in message.choices if c.action.endswith(f":{option}"))


async def test_a_kpi_prompt_answered_through_the_engine(
    bot: Bot, database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    await jobs.send_due(database, texts, utc(2026, 5, 4, 8))
    prompt = (await prompts(database, stakeholder_id=world.sven))[0]
    sven = Driver(bot, "sven")
    replies = await sven.press(f"p:{prompt.id}")
    assert "Time to report the KPI “Joint projects” for the period April 2026." in sven.text
    assert replies[-1].choices  # "What can you report …?" with its four answers
    await sven.click("I have the figure")
    assert "What is the value of Joint projects for April 2026?" in sven.text
    await sven.send("7")
    await sven.send("/skip")
    assert "Your report is saved" in sven.text
    [value] = await _values(database)
    assert (value.kpi_plan_id, value.period_key, value.late) == (world.plan_id, "2026-04", False)
    assert value.value == {"status": "value", "value": "7"}
    assert value.reported_by == world.sven
    assert (await prompts(database, id=prompt.id))[0].status == "answered"
    await sven.press(f"p:{prompt.id}")
    assert "already been answered or closed" in sven.text


async def test_a_late_answer_is_kept_for_its_period(
    bot: Bot, database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 6, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 2))
    await jobs.plan_rounds(database, texts, utc(2026, 6, 1, 1))
    await jobs.plan_rounds(database, texts, utc(2026, 6, 1, 2))  # the May round is due
    april = (await prompts(database, stakeholder_id=world.li, period_key="2026-04"))[0]
    assert april.status == "closed"
    li = Driver(bot, "li")
    await li.press(f"p:{april.id}")
    await li.press(_choice(li.last, "no_change"))
    await li.send("/skip")
    [value] = await _values(database)
    assert (value.period_key, value.late, value.value) == ("2026-04", True, {"status": "no_change"})
    assert (await prompts(database, id=april.id))[0].status == "answered"


async def test_the_conversation_follows_the_kpi_kind(database: Database, texts: Catalogues) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        plan = await session.get_one(KpiPlan, world.plan_id)
        plan.kind, plan.currency = "money", "EUR"
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    prompt = (await prompts(database, stakeholder_id=world.sven))[0]
    async with database.transaction() as session:
        opened = await prompt_answers.open_prompt(session, prompt.id, world.sven)
        assert await prompt_answers.open_prompt(session, prompt.id, world.li) is None
    assert opened == (
        "kpi_money",
        {
            "kpi": "Joint projects",
            "period": "2026-04",
            "unit": "projects",
            "currency": "EUR",
            "partnership_id": world.partnership_id,  # answered there, whichever is open
        },
    )


async def test_money_in_another_currency_is_kept_and_flagged(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        plan = await session.get_one(KpiPlan, world.plan_id)
        plan.kind, plan.currency = "money", "EUR"
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    prompt = (await prompts(database, stakeholder_id=world.sven))[0]
    money = {"amount": "50000", "currency": "CNY"}
    async with database.transaction() as session:
        await prompt_answers.record_prompt_answer(
            session, prompt.id, {"status": "value", "value": money}, utc(2026, 5, 4, 9)
        )
    [value] = await _values(database)
    assert value.value == {"status": "value", "value": money, "expected_currency": "EUR"}


async def test_a_deleted_plan_closes_its_prompts_quietly(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    prompt = (await prompts(database, stakeholder_id=world.sven))[0]
    async with database.transaction() as session:
        await session.delete(await session.get_one(KpiPlan, world.plan_id))
    async with database.transaction() as session:
        assert await prompt_answers.open_prompt(session, prompt.id, world.sven) is None
        # A conversation opened before the plan went: its answer has nowhere to go.
        await prompt_answers.record_prompt_answer(
            session, prompt.id, {"status": "unknown"}, utc(2026, 5, 4, 9)
        )
    assert await _values(database) == []


async def test_a_prompt_about_a_deleted_plan_is_closed_unsent(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    async with database.transaction() as session:
        await session.delete(await session.get_one(KpiPlan, world.plan_id))
    assert await jobs.send_due(database, texts, utc(2026, 5, 4, 8)) == 0
    assert {p.status for p in await prompts(database, kind="kpi")} == {"closed"}
