"""The reminder delay: C2C_REMINDER_DAYS, checked, and a partnership's own delay over it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import update

from c2cbot.config import Settings
from c2cbot.i18n import Catalogues
from c2cbot.scheduling import commands, jobs
from c2cbot.store.database import Database
from c2cbot.store.models import Partnership
from tests.scheduling.conftest import build_world, outbox, utc


def test_the_setting_defaults_to_three_and_refuses_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(_env_file=None).reminder_days == 3  # type: ignore[call-arg]
    monkeypatch.setenv("C2C_REMINDER_DAYS", "5")
    assert Settings(_env_file=None).reminder_days == 5  # type: ignore[call-arg]
    for bad in ("0", "-1", "31", "three"):
        monkeypatch.setenv("C2C_REMINDER_DAYS", bad)
        with pytest.raises(ValidationError, match="reminder_days"):
            Settings(_env_file=None)  # type: ignore[call-arg]


async def _asked_monday(database: Database, texts: Catalogues) -> None:
    await jobs.plan_rounds(database, texts, utc(2026, 5, 4, 7))
    await jobs.send_due(database, texts, utc(2026, 5, 4, 8))  # Monday 4 May, 10:00 CEST


async def test_the_setting_sets_when_reminders_go_out(
    database: Database, texts: Catalogues
) -> None:
    await build_world(database)
    await _asked_monday(database, texts)
    # Two working days later: reminded with a delay of 2, not with the default of 3.
    await commands.run_job(database, texts, "remind_and_escalate", utc(2026, 5, 6, 8))
    assert len(await outbox(database, "sven")) == 1
    await commands.run_job(
        database, texts, "remind_and_escalate", utc(2026, 5, 6, 8), reminder_days=2
    )
    assert len(await outbox(database, "sven")) == 2


async def test_a_partnerships_own_delay_wins_over_the_setting(
    database: Database, texts: Catalogues
) -> None:
    world = await build_world(database)
    async with database.transaction() as session:
        mine = Partnership.id == world.partnership_id
        await session.execute(update(Partnership).where(mine).values(reminder_days=1))
    await _asked_monday(database, texts)
    await jobs.remind_and_escalate(database, texts, utc(2026, 5, 5, 8), reminder_days=5)
    sven = await outbox(database, "sven")
    assert [m.at for m in sven] == [utc(2026, 5, 4, 8), utc(2026, 5, 5, 8)]
    assert sven[1].text.startswith("A reminder")
