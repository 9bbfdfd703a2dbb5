"""Step outputs refuse what cannot be right, and only coordinators' answers set records.

Each bad answer gets its reason in the person's language and the same question again,
with nothing stored; the clock is fixed (``time_machine``) so "past" and "future" hold on
any day the suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from c2cbot.flows import step_checks, step_outputs
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import Activity, Answer, KpiPlan, Partnership
from tests.driver import Driver
from tests.flows.walker import position_of
from tests.scheduling.conftest import World, add_person, build_world, says, utc
from tests.scheduling.test_step_outputs_scheduled import DO, PARTNER, PLAN

TODAY = utc(2027, 3, 1, 9)  # Monday 1 March 2027, 10:00 in Gothenburg


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


async def _answer(driver: Driver, answers: list[str]) -> None:
    for answer in answers:
        await driver.send(answer)


async def _partnership(database: Database, world: World) -> Partnership:
    async with database.sessions() as session:
        return await session.get_one(Partnership, world.partnership_id)


async def _answer_rows(database: Database, question: str) -> list[Answer]:
    async with database.sessions() as session:
        return list(await session.scalars(select(Answer).where(Answer.question == question)))


async def _refused(driver: Driver, typed: str, key: str) -> None:
    """``typed`` is refused: the question stays where it was, and nothing was stored."""
    before = await position_of(driver)
    assert before is not None and before.key == key
    await driver.send(typed)
    assert await position_of(driver) == before, driver.text


async def test_bad_mou_dates_are_refused_with_their_reason(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database, plan_created=None)
    anna = Driver(bot, "anna")
    await anna.press("s:partner")
    await _answer(anna, ["yes"] * 12 + ["Shanghai", "1 2", "A zero-carbon house", "Signed"])
    await _refused(anna, "the day after the election", "mou_signed")
    await _refused(anna, "2027-03-02", "mou_signed")  # tomorrow
    assert says(texts, "en", step_checks.SIGNED_LATER) in anna.text
    await anna.send("2024-06-15")
    await _refused(anna, "2024-06-14", "mou_expiry")  # before it was signed
    assert "June 15, 2024" in anna.text
    assert await _answer_rows(database, "mou_expiry") == []
    await anna.send("2027-06-15")
    partnership = await _partnership(database, world)
    assert (partnership.mou_signed, partnership.mou_expires) == (
        date(2024, 6, 15),
        date(2027, 6, 15),
    )


async def test_an_owner_who_is_not_a_member_and_bad_plan_dates_are_refused(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    await build_world(database, plan_created=None)
    wang = Driver(bot, "wang")
    await wang.press("s:plan")
    await _answer(wang, PLAN[:4])
    await _refused(wang, "Greta Garbo", "activities#0.owner")
    assert {"Sven（哥德堡）", "Li（上海）"} <= {c.label for c in wang.last.choices}
    await _answer(wang, ["Li", "市级财政", "2027年3月1日"])
    await _refused(wang, "2027年2月1日", "activities#0.due")  # before it starts
    assert says(texts, "zh_Hans", step_checks.DUE_BEFORE_START) in wang.text
    await _answer(wang, PLAN[7:12])
    await _refused(wang, "2027年2月28日", "review_date")  # yesterday
    assert says(texts, "zh_Hans", step_checks.REVIEW_PASSED) in wang.text
    await wang.send("/skip")
    assert await position_of(wang) is None


async def test_another_coordinator_naming_the_same_activity_updates_it(
    database: Database, bot: Bot, texts: Catalogues
) -> None:
    world = await build_world(database, plan_created=None)
    async with database.transaction() as session:
        zhou = await add_person(
            session, world.partnership_id, "zhou", "zh_Hans", world.shanghai, None, "coordinator"
        )
    for name, owner in (("wang", "Sven"), ("zhou", "Li")):
        coordinator = Driver(bot, name)
        await coordinator.press("s:plan")
        await _answer(coordinator, [*PLAN[:4], owner, *PLAN[5:]])
    async with database.sessions() as session:
        activities = list(await session.scalars(select(Activity)))
    assert [(a.title, a.owner_id, a.planned_by) for a in activities] == [
        ("联合零碳社区试点", world.li, zhou)
    ]
    assert "新增0项，更新1项" in coordinator.text


async def test_a_members_answers_change_no_record(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    world = await build_world(database, plan_created=None)
    li = Driver(bot, "li")
    await li.press("s:do")
    await _answer(li, DO)
    assert says(texts, "zh_Hans", step_outputs.CONTRIBUTION) in li.text
    assert (await _partnership(database, world)).follow_up_days == 14
    await li.press("s:partner")
    await _answer(li, PARTNER)
    assert (await _partnership(database, world)).mou_expires is None
    assert [a.value["value"] for a in await _answer_rows(database, "mou_expiry")] == ["2027-06-15"]


async def _rating_kpi(database: Database, world: World) -> None:
    async with database.transaction() as session:
        session.add(
            KpiPlan(
                partnership_id=world.partnership_id,
                kpi_key="citizen_satisfaction",
                name="Citizen satisfaction",
                kind="rating",
                frequency="yearly",
                target=Decimal(3),
                created_at=utc(2027, 1, 1),
            )
        )


ACT_START = ["Refocus on mobility", "yes", "yes", "Approved", "yes", "New city policy"]


async def _plan_targets(database: Database) -> dict[str, Decimal | None]:
    async with database.sessions() as session:
        return {p.kpi_key: p.target for p in await session.scalars(select(KpiPlan))}


@pytest.mark.parametrize("confirmed", [True, False])
async def test_act_targets_change_the_kpi_plans_once_the_coordinator_confirms(
    database: Database, texts: Catalogues, bot: Bot, confirmed: bool
) -> None:
    world = await build_world(database)  # measures "Joint projects", a count
    await _rating_kpi(database, world)
    anna = Driver(bot, "anna")
    await anna.press("s:act")
    await _answer(anna, [*ACT_START, "Citizen satisfaction"])
    await _refused(anna, "7", "target_changes#0.target")  # a rating goes to 5
    assert says(texts, "en", step_checks.RATING_TARGET) in anna.text
    await _answer(anna, ["4", "yes", "Joint projects"])
    await _refused(anna, "-2", "target_changes#1.target")
    await _answer(anna, ["12", "no"])
    assert "Citizen satisfaction: 3 → 4" in anna.text
    assert "Joint projects: no target → 12" in anna.text
    await _answer(anna, ["yes" if confirmed else "no", "A committed person on each side"])
    await anna.send("/skip")
    assert await position_of(anna) is None
    expected = {"citizen_satisfaction": Decimal(4), "joint_projects": Decimal(12)}
    if not confirmed:
        expected = {"citizen_satisfaction": Decimal(3), "joint_projects": None}
        assert says(texts, "en", step_outputs.TARGETS_KEPT) in anna.text
    assert await _plan_targets(database) == expected


async def test_a_member_proposes_targets_without_changing_them(
    database: Database, texts: Catalogues, bot: Bot
) -> None:
    await build_world(database)
    sven = Driver(bot, "sven")
    await sven.press("s:act")
    await _answer(sven, [*ACT_START, "Joint projects", "30", "no", "Trust", "/skip"])
    assert await position_of(sven) is None
    assert says(texts, "en", step_outputs.CONTRIBUTION) in sven.text
    assert await _plan_targets(database) == {"joint_projects": None}
    proposed = await _answer_rows(database, "target_changes.target")
    assert [a.value["value"] for a in proposed] == ["30"]
