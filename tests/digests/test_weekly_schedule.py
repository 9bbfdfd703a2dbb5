"""The weekly digest reaches groups and coordinators at their local time, once.

Gothenburg–Shanghai has a Telegram group linked by Alice (Gothenburg) and a WeCom group
chat linked by nobody in particular (the Chinese side's); Alice and Wang coordinate. The
job is called with explicit times, as the scheduler would call it every quarter hour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from c2cbot.config import DEFAULT_HOME, Settings
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.scheduling import weekly_digests as weekly
from c2cbot.scheduling.weekly_digests import due
from c2cbot.store.database import Database
from c2cbot.store.digest_deliveries import Reader
from c2cbot.store.ledger import SqlStore
from c2cbot.store.meeting_models import DigestDelivery
from c2cbot.store.models import GroupChat, Membership, OutboxMessage
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import load_conversations, onboard

TELEGRAM_GROUP = "-1009876543210"
WECOM_GROUP = "group:wrc2cWeekly"
LINKED = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
MONDAY = date(2027, 1, 4)


def utc(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def bot(settings: Settings, database: Database) -> AsyncIterator[Bot]:
    bot = Bot(settings)
    yield bot
    await bot.stop()


@pytest.fixture
async def world(bot: Bot, database: Database) -> Database:
    """Alice (Gothenburg, English) and Wang (Shanghai, Chinese) coordinate; two groups."""
    conversations = load_conversations(bot.settings.conversations_dir)
    for user, language, city in (("alice", "en", 0), ("wang", "zh_Hans", 1)):
        invite = await make_invite(database, role="coordinator")
        await onboard(Driver(bot, user), conversations, language, invite, picks={"city": city})
    async with database.sessions() as session:
        pid, alice = (
            await session.execute(select(Membership.partnership_id, Membership.stakeholder_id))
        ).first() or (0, 0)
    async with SqlStore(database).transaction() as ledger:
        await ledger.chats.link_group("telegram", TELEGRAM_GROUP, pid, ["en", "zh_Hans"], alice)
        await ledger.chats.link_group("wecom", WECOM_GROUP, pid, ["zh_Hans", "en"], None)
    async with database.transaction() as session:
        await session.execute(update(GroupChat).values(linked_at=LINKED))
        await session.execute(update(Membership).values(joined_at=LINKED))
    return database


async def digests_to(database: Database, since: int = 0) -> dict[str, list[str]]:
    """Digest texts written to the outbox after message ``since``, by chat."""
    async with database.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.payload)
                .where(OutboxMessage.id > since)
                .order_by(OutboxMessage.id)
            )
        ).all()
    found: dict[str, list[str]] = {}
    for chat, payload in rows:
        found.setdefault(chat, []).append(payload["text"])
    return found


async def last_id(database: Database) -> int:
    async with database.sessions() as session:
        rows = await session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
        return rows.scalars().first() or 0


async def run(database: Database, now: datetime) -> int:
    texts = Catalogues(DEFAULT_HOME / "locale")
    return await jobs.weekly_digests(database, texts, now)


async def test_each_reader_gets_the_digest_at_nine_local_time_and_only_once(
    world: Database,
) -> None:
    start = await last_id(world)
    assert await run(world, utc(0, 45)) == 0  # 08:45 in Shanghai, 01:45 in Gothenburg

    assert await run(world, utc(1, 0)) == 2  # 09:00 in Shanghai
    shanghai = await digests_to(world, start)
    assert set(shanghai) == {WECOM_GROUP, "wang"}
    assert await run(world, utc(1, 15)) == 0  # the next quarter hour: already written

    middle = await last_id(world)
    assert await run(world, utc(8, 0)) == 2  # 09:00 in Gothenburg
    gothenburg = await digests_to(world, middle)
    assert set(gothenburg) == {TELEGRAM_GROUP, "alice"}

    group = "\n".join(gothenburg[TELEGRAM_GROUP])
    assert "Gothenburg" in group and "哥德堡" in group  # both of the group's languages
    assert "哥德堡" not in "\n".join(gothenburg["alice"])  # Alice reads English only
    assert "Gothenburg" not in "\n".join(shanghai["wang"])  # Wang reads Chinese only

    async with world.sessions() as session:
        keys = (await session.execute(select(DigestDelivery.period_key))).scalars().all()
    assert sorted(keys) == ["2027-01-04"] * 4


async def test_a_restart_and_a_second_instance_write_no_second_digest(
    world: Database, settings: Settings
) -> None:
    assert await run(world, utc(9, 0)) == 4
    other = Database(settings.database_url)  # another process, same database
    try:
        assert await run(other, utc(9, 15)) == 0
        assert await run(other, utc(23, 59, date(2027, 1, 10))) == 0  # Sunday, same week
        assert await run(other, utc(8, 0, date(2027, 1, 11))) == 4  # the next Monday
    finally:
        await other.close()


async def test_a_group_chooses_its_own_weekday_and_time(world: Database) -> None:
    async with world.transaction() as session:
        await session.execute(
            update(GroupChat)
            .where(GroupChat.channel == "telegram")
            .values(digest_weekday=5, digest_time="17:30")
        )
    # Monday: the Telegram group's last Friday 17:30 (1 January) came after it was linked
    assert await run(world, utc(9, 0)) == 4
    async with world.sessions() as session:
        keys = dict(
            (await session.execute(select(DigestDelivery.target, DigestDelivery.period_key))).all()
        )
    telegram = next(k for k in keys if k.startswith("group:") and keys[k] != "2027-01-04")
    assert keys[telegram] == "2027-01-01"
    start = await last_id(world)
    assert await run(world, utc(16, 29, date(2027, 1, 8))) == 0  # Friday 17:29 in Gothenburg
    assert await run(world, utc(16, 30, date(2027, 1, 8))) == 1
    assert set(await digests_to(world, start)) == {TELEGRAM_GROUP}


async def test_a_group_the_bot_was_removed_from_gets_no_weekly_digest(
    bot: Bot, world: Database
) -> None:
    await bot.outbox.unreachable("wecom", WECOM_GROUP)  # the WeCom chat was deleted
    start = await last_id(world)
    assert await run(world, utc(9, 0)) == 3
    assert WECOM_GROUP not in await digests_to(world, start)


def reader(weekday: int = 1, at: str = "09:00", zone: str = "Europe/Berlin") -> Reader:
    return Reader("group:1", 1, "telegram", "-1", ("en",), weekday, at, zone, LINKED)


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (datetime(2027, 1, 4, 7, 59, tzinfo=UTC), None),  # 08:59 in Berlin: last week's was
        (datetime(2027, 1, 4, 8, 0, tzinfo=UTC), date(2027, 1, 4)),  # before the group's time
        (datetime(2027, 1, 9, 23, 0, tzinfo=UTC), date(2027, 1, 4)),
        (datetime(2027, 1, 11, 8, 0, tzinfo=UTC), date(2027, 1, 11)),
        (datetime(2027, 3, 29, 7, 0, tzinfo=UTC), date(2027, 3, 29)),  # summer time: 09:00
        (datetime(2027, 3, 29, 6, 59, tzinfo=UTC), date(2027, 3, 22)),
    ],
)
def test_the_digest_day_follows_the_group_s_clock(now: datetime, day: date | None) -> None:
    found = due(reader(), now)
    assert (found.day if found else None) == day
    if found is not None:
        assert (found.day - found.week_end).days == 1


def test_a_broken_setting_falls_back_to_monday_nine_utc() -> None:
    found = due(reader(weekday=9, at="25:61", zone="Mars/Olympus"), utc(9, 0))
    assert found is not None and found.day == MONDAY


async def test_digests_written_in_small_chunks_reach_every_reader_once(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chunk commits on its own, so early readers need not wait for the last chart."""
    monkeypatch.setattr(weekly, "CHUNK", 1)
    assert await run(world, utc(9, 0)) == 4
    assert await run(world, utc(9, 15)) == 0
    async with world.sessions() as session:
        keys = (await session.execute(select(DigestDelivery.period_key))).scalars().all()
    assert keys == ["2027-01-04"] * 4
