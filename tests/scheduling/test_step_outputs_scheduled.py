"""Step answers drive the schedule: a Shanghai coordinator walks Partner, Plan and Do in
Chinese, then the real scheduler runs on a controlled clock for seven weeks.

Wang (Shanghai, coordinator, Chinese) records an MoU that ends on 15 June 2027, plans one
activity owned by Sven in Gothenburg (the other city), due at the end of September, with a
plan review on 15 April, and chooses a weekly progress check. What follows without anyone
touching a setting:

- the MoU renewal reminder reaches both cities' coordinators three months before the end
  (Monday 15 March), each at 10:00 their time;
- Sven is asked for progress on that activity, in English, every seven days from its start
  (Monday 1 March), each at 10:00 in Gothenburg (summer time from 28 March);
- the plan review reminder reaches the coordinators on 15 April.

Fixed dates are safe here: the whole test runs on the clock it sets (``time_machine``),
which the bot, the engine and APScheduler all read.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from c2cbot.flows import step_outputs
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling.scheduler import Scheduling
from c2cbot.store.database import Database
from c2cbot.store.models import Activity, Partnership
from tests.driver import Driver
from tests.flows.walker import state_of
from tests.scheduling.conftest import World, build_world, outbox, prompts, says, utc
from tests.scheduling.test_clocked_scheduler import Clock, _capture

START = utc(2027, 3, 1, 2)  # Monday 1 March 2027, 10:00 in Shanghai
END = date(2027, 4, 16)
STEP_TIMES = tuple(time(h, m) for h, m in ((0, 20), (2, 0), (2, 35), (8, 0), (8, 35), (9, 0)))
STEP_TIMES += (time(9, 35),)
EASTER_MONDAY = date(2027, 3, 29)

PARTNER = [
    *(["是"] * 12),  # the twelve selection criteria
    "哥德堡",  # partner city
    "教育与知识交流、联合研究",  # first priorities, typed
    "零碳社区试点",  # a low-hanging area
    "已签署",  # the MoU is signed
    "2024年6月15日",  # signed
    "2027年6月15日",  # ends
]
PLAN = [
    "双方交流了零碳社区与城市交通的合作想法",
    "是",
    "是",
    "联合零碳社区试点",  # the activity's title
    "Sven",  # its owner, in Gothenburg, typed and matched
    "市级财政",
    "2027年3月1日",  # start
    "2027年9月30日",  # due
    "两市各建成一个零碳示范街区",
    "否",  # no other activity
    "是",  # the partner city agreed
    "已提交审批",  # political approval: submitted
    "2027年4月15日",  # the plan review
]
DO = [
    "是",  # teams set up
    "预算、人员与专家",  # resources
    "是",  # detailed plans
    "上海市人民政府外事办公室",  # focal point
    "/skip",  # risks
    "两者兼有",  # follow-up by meetings and chat
    "每周",  # weekly progress checks
]


async def _walk_steps(bot: Bot, texts: Catalogues) -> Driver:
    wang = Driver(bot, "wang")
    for step, answers in (("partner", PARTNER), ("plan", PLAN), ("do", DO)):
        await wang.press(f"s:{step}")
        for answer in answers:
            await wang.send(answer)
        assert (await state_of(wang)).get("conv") is None, wang.text  # the step is done
        if step == "partner":
            assert says(texts, "zh_Hans", step_outputs.MOU_RECORDED) in wang.text, wang.text
        if step == "plan":
            assert says(texts, "zh_Hans", step_outputs.PLAN_RECORDED) in wang.text, wang.text
            assert "2027年4月15日" in wang.text
        if step == "do":
            assert says(texts, "zh_Hans", step_outputs.RHYTHM_SET) in wang.text, wang.text
    return wang


async def _run_scheduler(
    database: Database,
    texts: Catalogues,
    monkeypatch: pytest.MonkeyPatch,
    traveller: time_machine.Traveller,
) -> None:
    captured = _capture(monkeypatch)
    scheduling = Scheduling(database, texts)
    assert await scheduling.start() is True
    try:
        clock = Clock(traveller, captured)
        day = START.date()
        while day <= END:
            for moment in STEP_TIMES:
                await clock.to(utc(day.year, day.month, day.day, moment.hour, moment.minute))
            day += timedelta(days=1)
    finally:
        await scheduling.stop()
    assert [e for e in captured.runs if e.exception is not None] == []


async def _records(database: Database, world: World) -> tuple[Partnership, list[Activity]]:
    async with database.sessions() as session:
        partnership = await session.get_one(Partnership, world.partnership_id)
        query = select(Activity).where(Activity.partnership_id == world.partnership_id)
        return partnership, list(await session.scalars(query))


def _at(day: date, hour: int) -> datetime:
    return utc(day.year, day.month, day.day, hour)


async def test_partner_plan_and_do_answers_drive_reminders_and_follow_ups(
    database: Database, texts: Catalogues, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await build_world(database, plan_created=None)
    with time_machine.travel(START, tick=False) as traveller:
        await _walk_steps(bot, texts)

        partnership, activities = await _records(database, world)
        assert (partnership.mou_signed, partnership.mou_expires) == (
            date(2024, 6, 15),
            date(2027, 6, 15),
        )
        assert partnership.plan_review_on == date(2027, 4, 15)
        assert partnership.follow_up_days == 7
        [activity] = activities
        assert (activity.title, activity.owner_id, activity.planned_by) == (
            "联合零碳社区试点",
            world.sven,
            world.wang,
        )
        assert (activity.starts_on, activity.due_on) == (date(2027, 3, 1), date(2027, 9, 30))
        assert activity.expected_result == "两市各建成一个零碳示范街区"
        assert activity.funding == "city_budget"

        await _run_scheduler(database, texts, monkeypatch, traveller)

    # Sven, in the other city, is asked for progress every seven days from the start,
    # at 10:00 in Gothenburg: 09:00 UTC in winter, 08:00 UTC from 28 March; Easter Monday
    # (29 March 2027) is a holiday in Sweden, so that week's question waits a day.
    progress = await prompts(database, stakeholder_id=world.sven, kind="progress")
    mondays = [date(2027, 3, 8) + timedelta(weeks=n) for n in range(6)]
    assert [p.period_key for p in progress] == [d.isoformat() for d in mondays]
    asked_on = [d + timedelta(days=d == EASTER_MONDAY) for d in mondays]
    assert [p.sent_at for p in progress] == [
        _at(d, 9 if d < date(2027, 3, 28) else 8) for d in asked_on
    ]
    asked = [m for m in await outbox(database, "sven") if m.action == f"p:{progress[0].id}"]
    assert asked and "联合零碳社区试点" in asked[0].text

    # The MoU renewal, three months before 15 June, and the plan review on 15 April reach
    # both coordinators at 10:00 their time.
    notices = {
        (p.kind, p.stakeholder_id): p.sent_at
        for p in await prompts(database)
        if p.kind in ("mou", "plan_review")
    }
    assert notices == {
        ("mou", world.wang): utc(2027, 3, 15, 2),
        ("mou", world.anna): utc(2027, 3, 15, 9),
        ("plan_review", world.wang): utc(2027, 4, 15, 2),
        ("plan_review", world.anna): utc(2027, 4, 15, 8),
    }
    assert not await prompts(database, stakeholder_id=world.li, kind="progress")
