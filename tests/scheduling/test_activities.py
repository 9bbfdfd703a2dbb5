"""Activities: follow-ups, reminders a week and a day before the due date, overdue alerts."""

from __future__ import annotations

from datetime import date, timedelta

from c2cbot.i18n import Catalogues
from c2cbot.scheduling import jobs
from c2cbot.scheduling.prompt_texts import OVERDUE_NOTE
from c2cbot.store import prompt_answers, schedule_settings
from c2cbot.store.database import Database
from c2cbot.store.models import Activity
from tests.scheduling.conftest import build_world, outbox, prompts, says, utc, walk


async def test_an_activity_due_in_ten_days(database: Database, texts: Catalogues) -> None:
    """Due Thursday 7 May 2026, started 20 April, followed up every 14 days, not done."""
    world = await build_world(
        database, plan_created=None, due_on=date(2026, 5, 7), starts_on=date(2026, 4, 20)
    )
    await walk(database, texts, utc(2026, 4, 29, 20), utc(2026, 5, 13, 8), step=timedelta(hours=4))
    due = {p.kind: p.due_at for p in await prompts(database, stakeholder_id=world.sven)}
    assert due == {
        "due_week": utc(2026, 4, 30, 8),
        "progress": utc(2026, 5, 4, 8),
        "due_day": utc(2026, 5, 6, 8),
        "overdue": utc(2026, 5, 8, 8),
    }
    sven = await outbox(database, "sven")
    assert [m.at for m in sven] == [
        utc(2026, 4, 30, 8),  # a week before: Thursday 10:00 CEST
        utc(2026, 5, 4, 8),  # the 14-day follow-up
        utc(2026, 5, 6, 8),  # the day before
        utc(2026, 5, 8, 8),  # overdue: the first working day after the due date
        utc(2026, 5, 13, 8),  # the overdue alert, reminded after three working days
    ]
    assert "is due on May 7, 2026" in sven[0].text
    assert "was due on May 7, 2026" in sven[3].text
    assert sven[4].text.startswith("A reminder") and sven[4].action == sven[3].action
    anna = await outbox(database, "anna")
    assert [m.at for m in anna] == [utc(2026, 5, 13, 8)]
    assert "is not done yet. Responsible: Sven." in anna[0].text
    assert await outbox(database, "wang") == []  # Sven is Gothenburg's to chase
    kinds = {p.kind: p.status for p in await prompts(database, subject_id=world.activity_id)}
    assert kinds == {
        "due_week": "closed",
        "progress": "closed",
        "due_day": "closed",
        "overdue": "reminded",
        "overdue_note": "notified",
    }


async def test_a_finished_activity_is_left_alone(database: Database, texts: Catalogues) -> None:
    world = await build_world(
        database, plan_created=None, due_on=date(2026, 5, 7), starts_on=date(2026, 4, 20)
    )
    await walk(database, texts, utc(2026, 5, 5, 22), utc(2026, 5, 6, 8), step=timedelta(hours=10))
    asked = await outbox(database, "sven")  # the day before, and the follow-up it missed
    assert [(m.at, m.text[:30]) for m in asked] == [
        (utc(2026, 5, 6, 8), "How is the activity “Joint urb"),
        (utc(2026, 5, 6, 8), "The activity “Joint urban mobi"),
    ]
    day_before = (await prompts(database, kind="due_day"))[0]
    async with database.transaction() as session:
        await prompt_answers.record_prompt_answer(
            session, day_before.id, {"status": "done", "percent": 100}, utc(2026, 5, 6, 9)
        )
    await walk(database, texts, utc(2026, 5, 6, 10), utc(2026, 5, 20, 10), step=timedelta(hours=12))
    assert await outbox(database, "sven") == asked
    assert await outbox(database, "anna") == []
    statuses = {p.kind: p.status for p in await prompts(database, subject_id=world.activity_id)}
    # The overdue alert was planned a day ahead, and closed unsent.
    assert statuses == {"progress": "answered", "due_day": "answered", "overdue": "closed"}


async def test_follow_ups_every_n_days(database: Database, texts: Catalogues) -> None:
    world = await build_world(
        database, plan_created=None, due_on=date(2026, 9, 30), starts_on=date(2026, 4, 20)
    )
    async with database.transaction() as session:
        await schedule_settings.set_follow_up_days(session, world.partnership_id, 7)
    await walk(
        database,
        texts,
        utc(2026, 4, 26, 22),
        utc(2026, 5, 18, 22),
        step=timedelta(days=1),
        run=(jobs.plan_rounds,),
    )
    follow_ups = await prompts(database, kind="progress")
    assert [(p.period_key, p.due_at) for p in follow_ups] == [
        ("2026-04-27", utc(2026, 4, 27, 8)),
        ("2026-05-04", utc(2026, 5, 4, 8)),
        ("2026-05-11", utc(2026, 5, 11, 8)),
        ("2026-05-18", utc(2026, 5, 18, 8)),
    ]


async def test_an_activity_without_an_owner_is_reported_when_overdue(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database, plan_created=None, due_on=date(2026, 5, 7))
    async with database.transaction() as session:
        activity = await session.get_one(Activity, world.activity_id)
        activity.owner_id, activity.owner_name = None, "The port authority"
    await walk(database, texts, utc(2026, 5, 6, 22), utc(2026, 5, 8, 8), step=timedelta(hours=2))
    assert [m.at for m in await outbox(database, "anna")] == [utc(2026, 5, 8, 8)]
    assert [m.at for m in await outbox(database, "wang")] == [utc(2026, 5, 8, 2)]
    [note] = await outbox(database, "wang")
    assert says(texts, "zh_Hans", OVERDUE_NOTE) in note.text and "The port authority" in note.text


async def test_the_week_europe_changes_its_clocks(database: Database, texts: Catalogues) -> None:
    """Due Friday 27 March 2026; clocks go forward on Sunday 29 March."""
    world = await build_world(
        database, plan_created=None, due_on=date(2026, 3, 27), starts_on=date(2026, 3, 20)
    )
    await walk(database, texts, utc(2026, 3, 25, 0), utc(2026, 4, 2, 12), step=timedelta(hours=4))
    due = {(p.stakeholder_id, p.kind): p.due_at for p in await prompts(database)}
    assert due == {
        (world.sven, "due_day"): utc(2026, 3, 26, 9),  # 10:00 CET
        (world.sven, "overdue"): utc(2026, 3, 30, 8),  # 10:00 CEST
        (world.anna, "overdue_note"): utc(2026, 4, 2, 8),  # three working days later
        # The 14-day follow-up falls on Good Friday, 3 April; Easter Monday is off too.
        (world.sven, "progress"): utc(2026, 4, 7, 8),
    }
    assert [m.at for m in await outbox(database, "anna")] == [utc(2026, 4, 2, 8)]
