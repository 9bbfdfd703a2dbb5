"""The weekly digest's facts, gathered from a real database (SQLite, and PostgreSQL when set).

The query counter proves the gathering takes the same number of queries for one
partnership as for many: no query per partnership.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select

from c2cbot.domain.kpi_values import kpi_number
from c2cbot.domain.steps import Step
from c2cbot.store.database import Database
from c2cbot.store.digest_facts import BATCH, weekly_facts
from c2cbot.store.models import (
    Activity,
    Answer,
    City,
    KpiPlan,
    KpiValue,
    Partnership,
    PartnershipCity,
    Prompt,
    Stakeholder,
)
from c2cbot.store.partnership_lookup import find_partnership

WEEK_END = date(2026, 11, 29)  # a Sunday
IN_WEEK = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SET_UP = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # when the test partnerships were set up


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _city(session: Any, key: str) -> int:
    return int((await session.execute(select(City.id).where(City.key == key))).scalar_one())


async def _fill(database: Database, partnership_id: int, suffix: str = "") -> None:
    """A week of a partnership's life: answers, a KPI, action items and prompts."""
    async with database.transaction() as session:
        bonn, chengdu = await _city(session, "bonn"), await _city(session, "chengdu")
        anna = Stakeholder(
            name=f"Anna Berg{suffix}", language="en", city_id=bonn, created_at=SET_UP
        )
        li = Stakeholder(
            name=f"李明{suffix}", language="zh_Hans", city_id=chengdu, created_at=SET_UP
        )
        jonas = Stakeholder(
            name=f"Jonas Weber{suffix}", language="de", city_id=bonn, created_at=SET_UP
        )
        session.add_all([anna, li, jonas])
        await session.flush()

        def answer(who: Stakeholder, conversation: str, at: datetime, **value: Any) -> Answer:
            return Answer(
                stakeholder_id=who.id,
                partnership_id=partnership_id,
                conversation=conversation,
                step=None,
                question=value.pop("question", "q"),
                value=value or {"type": "text", "value": "x"},
                display="x",
                language=who.language,
                channel="web",
                answered_at=at,
            )

        session.add_all(
            [
                answer(anna, "plan", IN_WEEK),
                answer(anna, "plan", IN_WEEK),
                answer(li, "plan", IN_WEEK),
                answer(li, "progress", IN_WEEK, question="status", type="choice", value="done"),
                answer(anna, "progress", IN_WEEK, question="status", value="delayed"),
                answer(anna, "plan", LAST_WEEK),
            ]
        )
        plan = KpiPlan(
            partnership_id=partnership_id,
            kpi_key="joint_projects",
            name="Joint projects",
            kind="count",
            unit="projects",
            frequency="quarterly",
            target=Decimal(10),
            created_at=SET_UP,
        )
        session.add(plan)
        await session.flush()
        session.add_all(
            [
                KpiValue(
                    kpi_plan_id=plan.id,
                    period_key="2026-Q2",
                    value={"status": "value", "value": "4"},
                    reported_by=anna.id,
                    reported_at=datetime(2026, 7, 2, tzinfo=UTC),
                ),
                KpiValue(
                    kpi_plan_id=plan.id,
                    period_key="2026-Q3",
                    value={"status": "no_change"},
                    reported_by=anna.id,
                    reported_at=datetime(2026, 10, 2, tzinfo=UTC),
                ),
                KpiValue(
                    kpi_plan_id=plan.id,
                    period_key="2026-Q4",
                    value={"status": "value", "value": "7"},
                    reported_by=li.id,
                    reported_at=IN_WEEK,
                ),
            ]
        )

        def activity(title: str, due: date | None, status: str = "planned") -> Activity:
            return Activity(
                partnership_id=partnership_id,
                title=title,
                owner_id=li.id if "访问" in title else None,
                owner_name=None,
                due_on=due,
                status=status,
                created_at=SET_UP,
            )

        session.add_all(
            [
                activity("Send the draft MoU", WEEK_END + timedelta(days=5)),
                activity("确认访问日期", WEEK_END + timedelta(days=14)),
                activity("Book rooms", WEEK_END - timedelta(days=9), "delayed"),
                activity("Already done", WEEK_END - timedelta(days=9), "done"),
                activity("Far away", WEEK_END + timedelta(days=30)),
                activity("Whenever", None),
            ]
        )
        for who, status in ((jonas, "sent"), (anna, "answered"), (li, "reminded")):
            session.add(
                Prompt(
                    kind="kpi",
                    stakeholder_id=who.id,
                    partnership_id=partnership_id,
                    subject_id=plan.id,
                    period_key="2026-Q4",
                    due_at=LAST_WEEK,
                    status=status,
                    sent_at=LAST_WEEK,
                    created_at=SET_UP,
                )
            )


async def _bonn_chengdu(database: Database) -> int:
    async with database.transaction() as session:
        return (await find_partnership(session, "Bonn–Chengdu")).id


async def test_a_week_of_a_partnership(database: Database) -> None:
    pid = await _bonn_chengdu(database)
    await _fill(database, pid)
    async with database.transaction() as session:
        facts = (await weekly_facts(session, [pid], WEEK_END))[pid]

    assert facts.partnership == "Bonn–Chengdu"
    assert [c.key for c in facts.cities] == ["bonn", "chengdu"]
    assert facts.cities[1].name("zh_Hans") == "成都"
    assert (facts.week_start, facts.week_end) == (date(2026, 11, 23), WEEK_END)
    assert dict(facts.answers_by_step) == {"plan": 3, "progress": 2}
    balance = {b.city: (b.answers, b.reports, b.actions_done) for b in facts.balance}
    # Anna: 2 plan answers + 1 progress report; Li: 1 plan + 1 progress (done) + 1 KPI value.
    assert balance == {"bonn": (3, 1, 0), "chengdu": (2, 2, 1)}
    [kpi] = facts.kpis
    assert kpi.values == (
        ("2026-Q2", Decimal(4)),
        ("2026-Q3", Decimal(4)),
        ("2026-Q4", Decimal(7)),
    )
    assert kpi.target == Decimal(10)
    assert [(i.what.text, i.what.language) for i in facts.upcoming] == [
        ("Send the draft MoU", "en"),
        ("确认访问日期", "zh_Hans"),
    ]
    assert facts.upcoming[1].owner == "李明" and facts.upcoming[1].owner_city == "chengdu"
    assert [(i.what.text, i.status) for i in facts.overdue] == [("Book rooms", "delayed")]
    assert sorted(p.name for p in facts.silent) == ["Jonas Weber", "李明"]
    assert not facts.quiet


async def test_progress_follows_the_loop(database: Database) -> None:
    pid = await _bonn_chengdu(database)
    async with database.transaction() as session:
        partnership = await session.get(Partnership, pid)
        assert partnership is not None
        partnership.loop, partnership.step = "continual_improvement", "measure"
    async with database.transaction() as session:
        facts = (await weekly_facts(session, [pid], WEEK_END))[pid]
    assert facts.step is Step.MEASURE
    assert facts.steps_done == (Step.PLAN, Step.DO)


async def test_a_quiet_week_is_quiet(database: Database) -> None:
    pid = await _bonn_chengdu(database)
    async with database.transaction() as session:
        facts = await weekly_facts(session, [pid, 999_999], WEEK_END)
    assert list(facts) == [pid]
    assert facts[pid].quiet
    assert facts[pid].answers_by_step == ()
    assert [b.answers for b in facts[pid].balance] == [0, 0]


async def _more_partnerships(database: Database, count: int) -> list[int]:
    async with database.transaction() as session:
        bonn, chengdu = await _city(session, "bonn"), await _city(session, "chengdu")
        made = [
            Partnership(name=f"Test {n}", loop="new_partnership", step="plan", created_at=SET_UP)
            for n in range(count)
        ]
        session.add_all(made)
        await session.flush()
        for partnership in made:
            session.add_all(
                [
                    PartnershipCity(partnership_id=partnership.id, city_id=bonn),
                    PartnershipCity(partnership_id=partnership.id, city_id=chengdu),
                ]
            )
        ids = [p.id for p in made]
    for n, pid in enumerate(ids):
        await _fill(database, pid, suffix=f" {n}")
    return ids


async def test_the_number_of_queries_does_not_grow_with_partnerships(database: Database) -> None:
    ids = await _more_partnerships(database, 12)
    async with database.transaction() as session:
        with counting(database) as one:
            single = await weekly_facts(session, ids[:1], WEEK_END)
        with counting(database) as many:
            every = await weekly_facts(session, ids, WEEK_END)
    assert len(single) == 1 and len(every) == 12
    assert len(many) == len(one)
    assert all(len(f.kpis) == 1 and len(f.upcoming) == 2 for f in every.values())


async def test_batches_keep_the_queries_per_partnership_constant(database: Database) -> None:
    """More partnerships than one batch: one more round of the same queries, no more."""
    ids = await _more_partnerships(database, 2)
    padded = ids + list(range(10_000_000, 10_000_000 + BATCH))  # ids that do not exist
    async with database.transaction() as session:
        with counting(database) as one_batch:
            await weekly_facts(session, ids, WEEK_END)
        with counting(database) as two_batches:
            found = await weekly_facts(session, padded, WEEK_END)
    assert set(found) == set(ids)
    assert len(two_batches) == len(one_batch) + 1  # the second batch finds no partnership


def test_stored_kpi_values_become_numbers() -> None:
    assert kpi_number({"status": "value", "value": "12.5"}, None) == Decimal("12.5")
    money = {"status": "value", "value": {"amount": "1500000", "currency": "EUR"}}
    assert kpi_number(money, None) == Decimal(1_500_000)
    assert kpi_number({"status": "value", "value": 4}, None) == Decimal(4)
    assert kpi_number({"status": "no_change"}, Decimal(3)) == Decimal(3)
    assert kpi_number({"status": "unknown"}, Decimal(3)) is None
    assert kpi_number({"status": "value", "value": "a written answer"}, None) is None
    assert kpi_number({"status": "value", "value": "NaN"}, None) is None


async def test_money_reported_in_two_currencies_makes_two_trends(database: Database) -> None:
    """Bonn reports euros and Chengdu yuan for one budget KPI: never summed or mixed."""
    pid = await _bonn_chengdu(database)
    async with database.transaction() as session:
        bonn, chengdu = await _city(session, "bonn"), await _city(session, "chengdu")
        people = [
            Stakeholder(name=n, language="en", city_id=c, created_at=SET_UP)
            for n, c in (("Anna", bonn), ("Li", chengdu))
        ]
        plan = KpiPlan(
            partnership_id=pid,
            kpi_key="budget",
            name="Budget",
            kind="money",
            frequency="quarterly",
            target=Decimal(100_000),
            created_at=SET_UP,
        )
        session.add_all([*people, plan])
        await session.flush()
        for who, amount, currency, period in (
            (people[0], "40000", "EUR", "2026-Q3"),
            (people[1], "300000", "CNY", "2026-Q3"),
            (people[0], "60000", "EUR", "2026-Q4"),
        ):
            money = {"amount": amount, "currency": currency}
            session.add(
                KpiValue(
                    kpi_plan_id=plan.id,
                    period_key=period,
                    value={"status": "value", "value": money},
                    reported_by=who.id,
                    reported_at=IN_WEEK,
                )
            )
    async with database.transaction() as session:
        facts = (await weekly_facts(session, [pid], WEEK_END))[pid]
    trends = {(t.currency, t.values, t.target) for t in facts.kpis if t.kpi_key == "budget"}
    assert trends == {
        ("CNY", (("2026-Q3", Decimal(300_000)),), None),
        ("EUR", (("2026-Q3", Decimal(40_000)), ("2026-Q4", Decimal(60_000))), None),
    }
