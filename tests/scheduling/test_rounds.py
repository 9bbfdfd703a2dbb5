"""KPI rounds: each responsible person is asked at 10:00 their time on their working day."""

from __future__ import annotations

from datetime import timedelta

from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from tests.scheduling.conftest import build_world, outbox, prompts, utc, walk


def _due(found: list, period: str) -> dict[int, object]:
    return {p.stakeholder_id: p.due_at for p in found if p.period_key == period}


async def test_monthly_rounds_at_ten_local_across_dst_and_holidays(
    database: Database, texts: Catalogues
) -> None:
    """February, March and April rounds in Gothenburg (CET, then CEST) and Shanghai."""
    world = await build_world(database, plan_created=utc(2026, 2, 1))
    plan = (jobs.plan_rounds,)
    # Sunday 1 March, late evening in Europe: Monday morning in Shanghai.
    await walk(database, texts, utc(2026, 3, 1, 22, 30), utc(2026, 3, 1, 22, 30), run=plan)
    assert _due(await prompts(database, kind="kpi"), "2026-02") == {
        world.sven: utc(2026, 3, 2, 9),  # 10:00 CET
        world.li: utc(2026, 3, 2, 2),  # 10:00 CST
    }
    # Clocks in Europe went forward on 29 March.
    await walk(database, texts, utc(2026, 3, 31, 22, 30), utc(2026, 3, 31, 22, 30), run=plan)
    assert _due(await prompts(database, kind="kpi"), "2026-03") == {
        world.sven: utc(2026, 4, 1, 8),  # 10:00 CEST
        world.li: utc(2026, 4, 1, 2),
    }
    # 1 May is a holiday in both countries; China rests until 5 May.
    await walk(
        database,
        texts,
        utc(2026, 4, 28, 22, 30),
        utc(2026, 5, 1, 22, 30),
        step=timedelta(days=1),
        run=plan,
    )
    assert _due(await prompts(database, kind="kpi"), "2026-04") == {}
    await walk(
        database,
        texts,
        utc(2026, 5, 2, 22, 30),
        utc(2026, 5, 6, 22, 30),
        step=timedelta(days=1),
        run=plan,
    )
    assert _due(await prompts(database, kind="kpi"), "2026-04") == {
        world.sven: utc(2026, 5, 4, 8),  # Monday after May Day
        world.li: utc(2026, 5, 6, 2),  # Wednesday after the Labour Day holiday
    }


async def test_planning_twice_asks_once(database: Database, texts: Catalogues) -> None:
    await build_world(database)
    for _ in range(3):
        await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    assert len(await prompts(database, kind="kpi", period_key="2026-04")) == 1  # Li waits


async def test_prompts_go_out_when_due_in_the_readers_language(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    await walk(database, texts, utc(2026, 5, 3, 22), utc(2026, 5, 6, 4))
    sven, li = await outbox(database, "sven"), await outbox(database, "li")
    assert [m.at for m in sven] == [utc(2026, 5, 4, 8)]
    assert [m.at for m in li] == [utc(2026, 5, 6, 2)]
    april = {p.stakeholder_id: p for p in await prompts(database, period_key="2026-04")}
    assert sven[0].action == f"p:{april[world.sven].id}"
    assert "Joint projects" in sven[0].text and "April 2026" in sven[0].text
    assert {p.status for p in april.values()} == {"sent"}
    assert await outbox(database, "anna") == [] and await outbox(database, "wang") == []


async def test_a_round_closes_when_the_next_one_is_due(
    database: Database, texts: Catalogues
) -> None:
    await build_world(database)
    await walk(database, texts, utc(2026, 5, 4, 8), utc(2026, 5, 6, 2), step=timedelta(days=2))
    assert {p.status for p in await prompts(database, period_key="2026-04")} == {"sent"}
    await jobs.plan_rounds(database, texts, utc(2026, 6, 1, 1))  # May round planned for 10:00
    assert {p.status for p in await prompts(database, period_key="2026-04")} == {"sent"}
    await jobs.plan_rounds(database, texts, utc(2026, 6, 1, 9))  # both are due now
    assert {p.status for p in await prompts(database, period_key="2026-04")} == {"closed"}
    assert {p.status for p in await prompts(database, period_key="2026-05")} == {"planned"}


async def test_quarterly_rounds_wait_for_the_quarter(database: Database, texts: Catalogues) -> None:
    world = await build_world(database, plan_created=utc(2026, 1, 10), frequency="quarterly")
    await jobs.plan_rounds(database, texts, utc(2026, 3, 30, 1))
    assert await prompts(database, kind="kpi") == []
    await jobs.plan_rounds(database, texts, utc(2026, 3, 31, 1))  # planned a day ahead
    assert _due(await prompts(database, kind="kpi"), "2026-Q1") == {
        world.sven: utc(2026, 4, 1, 8),
        world.li: utc(2026, 4, 1, 2),
    }
