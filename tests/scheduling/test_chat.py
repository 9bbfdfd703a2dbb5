"""Prompts answered in the web chat end to end, and the chat's leave and schedule commands.

The scheduler's jobs run with an explicit ``now``; the people then chat with the real
engine through the ``Driver`` on the same database, as they would on any channel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from c2cbot.flows.kpi_setup import custom_key, plans_from_measure
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.exports import answer_rows
from c2cbot.store.ledger import SqlStore
from c2cbot.store.models import City, KpiPlan, KpiValue, Partnership, Prompt, Stakeholder
from tests.driver import Driver
from tests.flows.walker import Walker
from tests.scheduling.conftest import World, add_person, build_world, prompts, utc


async def _asked(database: Database, texts: Catalogues, world: World) -> dict[int, int]:
    """The April round, sent in both cities; prompt ids by stakeholder."""
    for day in (4, 5, 6):
        await jobs.plan_rounds(database, texts, utc(2026, 5, day, 1))
    await jobs.send_due(database, texts, utc(2026, 5, 6, 3))
    return {p.stakeholder_id: p.id for p in await prompts(database, period_key="2026-04")}


async def _values(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        return [v.value for v in await session.scalars(select(KpiValue).order_by(KpiValue.id))]


async def _earlier(database: Database, world: World, period: str, value: Any) -> None:
    async with database.transaction() as session:
        assert world.plan_id is not None
        session.add(
            KpiValue(
                kpi_plan_id=world.plan_id,
                period_key=period,
                value={"status": "value", "value": value},
                reported_by=world.sven,
                reported_at=utc(2026, 4, 2),
            )
        )


async def test_a_kpi_round_is_answered_in_the_chat(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database)
    asked = await _asked(database, texts, world)
    sven = Driver(bot, "sven")
    await sven.press(f"p:{asked[world.sven]}")
    assert "Joint projects" in sven.text and "April 2026" in sven.text
    await sven.click("I have the figure")
    await sven.send("1,200")
    await sven.send("/skip")
    assert await _values(database) == [{"status": "value", "value": "1200"}]
    statuses = {p.stakeholder_id: p.status for p in await prompts(database, period_key="2026-04")}
    assert statuses == {world.sven: "answered", world.li: "sent"}


async def test_a_typed_1_under_a_prompt_opens_that_prompt(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    """WeChat shows "Answer now" as option 1; the menu's step 1 must not win."""
    world = await build_world(database)
    await _asked(database, texts, world)
    li = Driver(bot, "li")
    await li.send("1")
    await li.send("1")  # the first option of the KPI question: "I have the figure"
    await li.send("3万")
    await li.send("/skip")
    assert await _values(database) == [{"status": "value", "value": "30000"}]
    await li.send("1")  # the last message offers no prompt now: the menu's step 1 starts
    async with database.sessions() as session:
        answered = await session.scalar(
            select(Prompt.status).where(Prompt.stakeholder_id == world.li)
        )
    assert answered == "answered"


async def test_a_tenfold_jump_is_confirmed_or_corrected(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database)
    await _earlier(database, world, "2026-03", "12")
    asked = await _asked(database, texts, world)
    sven, li = Driver(bot, "sven"), Driver(bot, "li")
    await sven.press(f"p:{asked[world.sven]}")
    await sven.click("I have the figure")
    await sven.send("150")
    assert "You reported 12 for March 2026 and 150 now. Is that right?" in sven.text
    await sven.click("No")
    await sven.send("15")
    await sven.send("/skip")
    await li.press(f"p:{asked[world.li]}")
    await li.send("1")
    await li.send("150")
    await li.send("是")  # yes, it is right
    await li.send("/skip")
    assert (await _values(database))[1:] == [
        {"status": "value", "value": "15"},
        {"status": "value", "value": "150", "confirmed_jump": True},
    ]


async def test_money_comes_in_the_plans_or_the_citys_currency(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        mine = KpiPlan.id == world.plan_id
        await session.execute(update(KpiPlan).where(mine).values(kind="money", unit=None))
    asked = await _asked(database, texts, world)
    sven, li = Driver(bot, "sven"), Driver(bot, "li")
    await li.press(f"p:{asked[world.li]}")
    await li.send("1")
    await li.send("€500")
    assert "CNY" in li.text and "EUR" in li.text  # refused, and said why
    await li.send("1.5万")
    await li.send("/skip")
    await sven.press(f"p:{asked[world.sven]}")
    await sven.send("1")
    await sven.send("€500")  # Gothenburg's figures are kept in Swedish kronor
    assert "SEK" in sven.text and "EUR" in sven.text
    await sven.send("500 000 kr")  # "kr" is also NOK, DKK and ISK: Gothenburg means SEK
    await sven.send("/skip")
    assert (await _values(database))[-2:] == [
        {"status": "value", "value": {"amount": "15000", "currency": "CNY"}},
        {"status": "value", "value": {"amount": "500000", "currency": "SEK"}},
    ]


async def test_a_step_amount_is_in_the_writers_currency_and_exported_with_it(
    database: Database, bot: Bot
) -> None:
    """Commit's budget: Gothenburg in kronor, Hong Kong in HK dollars, typed or implied."""
    world = await build_world(database, plan_created=None)
    async with database.transaction() as session:
        hong_kong = await session.scalar(select(City.id).where(City.key == "hong_kong"))
        assert hong_kong is not None
        for name in ("ka-ming", "wing"):
            await add_person(session, world.partnership_id, name, "en", hong_kong, None, "member")
    budgets = [("sven", "500 000 kr"), ("ka-ming", "HK$2m"), ("wing", "300 000")]
    for name, typed in budgets:
        person = Driver(bot, name)
        await person.press("s:commit")
        await Walker(person, bot.conversations["commit"], "en").run(until="budget")
        await person.send(typed)
    async with database.sessions() as session:
        rows = [row async for row in answer_rows(session) if row["question"] == "budget"]
    assert [(r["city"], r["value"]) for r in rows] == [
        ("Gothenburg", {"amount": "500000", "currency": "SEK"}),
        ("Hong Kong", {"amount": "2000000", "currency": "HKD"}),
        ("Hong Kong", {"amount": "300000", "currency": "HKD"}),
    ]
    assert [r["display"] for r in rows] == ["SEK500,000.00", "HK$2,000,000.00", "HK$300,000.00"]


async def _paused_until(database: Database, stakeholder_id: int) -> date | None:
    async with database.sessions() as session:
        return (await session.get_one(Stakeholder, stakeholder_id)).paused_until


async def test_leave_is_set_and_ended_in_the_chat(database: Database, bot: Bot) -> None:
    world = await build_world(database)
    sven = Driver(bot, "sven")
    today = datetime.now(UTC).date()  # Gothenburg's date, but for a few hours each night
    await sven.send("/pause 31.2.2027")
    assert "does not exist" in sven.text
    await sven.send(f"/pause {(today - timedelta(days=3)).isoformat()}")
    assert "has already passed" in sven.text
    await sven.send(f"/pause {(today + timedelta(days=400)).isoformat()}")
    assert "at most a year" in sven.text
    assert await _paused_until(database, world.sven) is None
    until = today + timedelta(days=20)
    await sven.send(f"/pause {until.isoformat()}")
    assert "Enjoy your time away" in sven.text
    assert await _paused_until(database, world.sven) == until
    await sven.send("/resume")
    assert await _paused_until(database, world.sven) is None
    await sven.send("/pause")
    await sven.click("Two weeks")
    assert await _paused_until(database, world.sven) in {
        today + timedelta(days=14 + shift) for shift in (-1, 0, 1)
    }


async def _partnership(database: Database, world: World) -> Partnership:
    async with database.sessions() as session:
        return await session.get_one(Partnership, world.partnership_id)


async def test_coordinators_see_and_change_the_schedules(database: Database, bot: Bot) -> None:
    world = await build_world(database)
    anna, sven = Driver(bot, "anna"), Driver(bot, "sven")
    await sven.send("/schedule")
    assert "Only coordinators" in sven.text
    await anna.send("/schedule")
    overview = anna.text
    assert "followed up every 14 days" in overview
    assert "Joint projects: every month, reported by Government or public body" in overview
    await anna.click("Follow-up interval")
    await anna.click("every 7 days")
    assert (await _partnership(database, world)).follow_up_days == 7
    for bad, reason in (("followup 0", "from 1 to 366"), ("reminders 0", "from 1 to 30")):
        await anna.send(f"/schedule {bad}")
        assert reason in anna.text
    await anna.send("/schedule reminders 4")
    assert "after 4 working days" in anna.text
    assert (await _partnership(database, world)).reminder_days == 4
    await anna.send("/schedule kpi 1 fortnightly-ish")
    assert "Please choose one of" in anna.text
    await anna.send("/schedule kpi 1 every quarter")
    await anna.send("/schedule kpi 7 yearly")
    assert "no KPI number 7" in anna.text
    async with database.sessions() as session:
        assert (await session.get_one(KpiPlan, world.plan_id)).frequency == "quarterly"


def test_measure_answers_become_kpi_plans() -> None:
    values = {
        "kpis": ["joint_projects", "trade_volume"],
        "custom_kpis#0.name": "Student exchanges",
        "custom_kpis#0.kind": "count",
        "custom_kpis#0.unit": "students",
        "kpi_reporters": "academia",
        "kpi_targets#0.kpi": "joint_projects",
        "kpi_targets#0.baseline": "2",
        "kpi_targets#0.target": "10",
    }
    plans = {p.kpi_key: p for p in plans_from_measure(values)}
    assert set(plans) == {"joint_projects", "trade_volume", custom_key("Student exchanges")}
    projects = plans["joint_projects"]
    assert (projects.kind, projects.unit, projects.frequency) == ("count", "projects", "quarterly")
    assert (projects.baseline, projects.target) == (Decimal(2), Decimal(10))
    assert projects.responsible_helix == "academia"
    assert plans["trade_volume"].kind == "money" and plans["trade_volume"].target is None
    assert plans[custom_key("Student exchanges")].unit == "students"


async def test_kpi_plans_are_saved_and_updated(database: Database) -> None:
    world = await build_world(database, plan_created=None)
    store, now = SqlStore(database), utc(2026, 6, 1)
    first = {"kpis": ["joint_projects", "visitors"], "kpi_frequency": "monthly"}
    async with store.transaction() as ledger:
        await ledger.kpi_plans.save_kpi_plans(world.partnership_id, plans_from_measure(first), now)
    again = {"kpis": ["joint_projects"], "kpi_targets#0.kpi": "joint_projects"}
    again["kpi_targets#0.target"] = "5"
    async with store.transaction() as ledger:
        await ledger.kpi_plans.save_kpi_plans(world.partnership_id, plans_from_measure(again), now)
    async with database.sessions() as session:
        rows = {p.kpi_key: p for p in await session.scalars(select(KpiPlan))}
    assert rows["joint_projects"].active and rows["joint_projects"].frequency == "quarterly"
    assert rows["joint_projects"].target == Decimal(5)
    assert rows["joint_projects"].responsible_helix == "government"
    assert not rows["visitors"].active


async def test_prompts_that_arrive_together_are_offered_one_after_another(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    """Two open prompts: after the report on one, the other is offered, typed "1" opens it."""
    world = await build_world(database)
    asked = await _asked(database, texts, world)
    assert world.plan_id is not None
    async with database.transaction() as session:
        march = Prompt(
            kind="kpi",
            stakeholder_id=world.li,
            partnership_id=world.partnership_id,
            subject_id=world.plan_id,
            period_key="2026-03",
            due_at=utc(2026, 5, 6, 2),
            status="sent",
            sent_at=utc(2026, 5, 6, 2),
            created_at=utc(2026, 5, 6, 1),
        )
        session.add(march)
    li = Driver(bot, "li")
    await li.press(f"p:{asked[world.li]}")  # April's message, the newest
    await li.send("1")
    await li.send("3万")
    await li.send("/skip")
    assert "2026年3月" in li.text and li.last.choices[0].action == f"p:{march.id}"
    await li.send("1")  # WeChat's "1": Answer now, under the offer
    assert "2026年3月" in li.text
    await li.send("1")
    await li.send("2万")
    await li.send("/skip")
    statuses = {p.period_key: p.status for p in await prompts(database, stakeholder_id=world.li)}
    assert statuses == {"2026-03": "answered", "2026-04": "answered"}
    assert li.last.choices[0].action.startswith("s:")  # nothing left: the menu
