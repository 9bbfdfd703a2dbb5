"""A group's coordinator chooses when its weekly digest comes: /digest time in the group.

Weekdays in English, German and Chinese, times as people type them, an optional IANA
time zone; impossible values are refused with a message saying which part is wrong.
Through the real engine and database, and then the weekly job, called at explicit
times, posts the group's digest at the chosen local time and not at the default.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from c2cbot.domain.values import InvalidValue
from c2cbot.flows import digest_times
from c2cbot.flows.commands.declaration import Audience
from c2cbot.flows.commands.digest import DIGEST_TIME_SET
from c2cbot.flows.commands.registry import help_text
from c2cbot.flows.digest_times import DigestTime, parse_digest_time
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.models import GroupChat, OutboxMessage
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.test_german import GROUP, group_sends
from tests.flows.walker import load_conversations, onboard, says

LINKED = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Mon 09:00", DigestTime(1, "09:00", None)),
        ("monday 9", DigestTime(1, "09:00", None)),
        ("Montag 18.30 europe/berlin", DigestTime(1, "18:30", "Europe/Berlin")),
        ("Mi 7:05 Asia/Shanghai", DigestTime(3, "07:05", "Asia/Shanghai")),
        ("周一 09:00", DigestTime(1, "09:00", None)),
        ("星期三 下午2点半 Asia/Shanghai", DigestTime(3, "14:30", "Asia/Shanghai")),
        ("周五９：３０", DigestTime(5, "09:30", None)),  # no space, full-width digits
        ("礼拜天 10:00", DigestTime(7, "10:00", None)),
        ("Sunday 2 pm UTC", DigestTime(7, "14:00", "UTC")),
    ],
)
def test_weekdays_times_and_zones_as_people_type_them(typed: str, expected: DigestTime) -> None:
    assert parse_digest_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", digest_times.USAGE),
        ("Monday", digest_times.USAGE),
        ("Mon 25:00", "“{time}” is not a time of day. Please write it like 09:00 or 17:30."),
        ("Mon 9:75", "“{time}” is not a time of day. Please write it like 09:00 or 17:30."),
        ("Mon 09:00 Mars/Olympus", "I don't know the time zone “{zone}”."),
        ("Mon 09:00 Berlin", "I don't know the time zone “{zone}”."),
        ("Someday 09:00", "I don't know the weekday “{weekday}”."),
        ("周八 09:00", "I don't know the weekday “{weekday}”."),
    ],
)
def test_impossible_values_are_refused_saying_which_part(typed: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_digest_time(typed)
    assert refused.value.reason.startswith(reason)


@pytest.fixture
async def alice(bot: Bot, database: Database) -> Driver:
    """Alice coordinates Gothenburg–Shanghai from Gothenburg and links the group."""
    driver = Driver(bot, "alice")
    conversations = load_conversations(bot.settings.conversations_dir)
    invite = await make_invite(database, role="coordinator")
    await onboard(driver, conversations, "en", invite, picks={"city": 0})
    await group_sends(bot, driver, text="/link")
    await group_sends(bot, driver, action="g:en+zh_Hans")
    return driver


async def stored(database: Database) -> tuple[int, str, str | None]:
    async with database.sessions() as session:
        group = (
            await session.execute(select(GroupChat).where(GroupChat.chat_id == GROUP))
        ).scalar_one()
    return group.digest_weekday, group.digest_time, group.timezone


async def test_a_coordinator_sets_the_groups_digest_time(bot: Bot, alice: Driver) -> None:
    said = await group_sends(bot, alice, text="/digest time Wednesday 18:30 Asia/Shanghai")
    assert said == [
        says(bot, "en", DIGEST_TIME_SET, weekday="Wednesday", time="18:30", zone="Asia/Shanghai")
    ]
    assert await stored(bot.database) == (3, "18:30", "Asia/Shanghai")

    # Without a zone the group keeps the one it has.
    said = await group_sends(bot, alice, text="/digest time 周五 8:00")
    assert said == [
        says(bot, "en", DIGEST_TIME_SET, weekday="Friday", time="08:00", zone="Asia/Shanghai")
    ]
    assert await stored(bot.database) == (5, "08:00", "Asia/Shanghai")


async def test_without_a_zone_the_group_follows_its_linking_coordinators_city(
    bot: Bot, alice: Driver
) -> None:
    said = await group_sends(bot, alice, text="/digest time Montag 07:45")
    assert said == [
        says(bot, "en", DIGEST_TIME_SET, weekday="Monday", time="07:45", zone="Europe/Stockholm")
    ]
    assert await stored(bot.database) == (1, "07:45", None)


async def test_impossible_values_are_refused_in_the_group_and_nothing_changes(
    bot: Bot, alice: Driver
) -> None:
    for typed, reason, params in (
        ("/digest time Mon 25:00", "“{time}” is not a time of day.", {"time": "25:00"}),
        ("/digest time Mon 09:00 Narnia/Cair", "I don't know the time zone", {}),
        ("/digest time Blursday 09:00", "I don't know the weekday “{w}”.", {"w": "Blursday"}),
        ("/digest time", digest_times.USAGE, {}),
    ):
        said = await group_sends(bot, alice, text=typed)
        assert len(said) == 1 and said[0].startswith(reason.format(**params)), said
    assert await stored(bot.database) == (1, "09:00", None)  # the defaults, untouched


async def test_only_coordinators_set_the_time(bot: Bot, alice: Driver, database: Database) -> None:
    bob = Driver(bot, "bob")
    conversations = load_conversations(bot.settings.conversations_dir)
    await onboard(bob, conversations, "en", await make_invite(database), picks={"city": 0})
    said = await group_sends(bot, bob, text="/digest time Friday 17:00")
    assert said == [says(bot, "en", "Only coordinators of the partnership can do this.")]
    assert await stored(bot.database) == (1, "09:00", None)


async def test_digest_without_arguments_still_posts_and_help_lists_the_command(
    bot: Bot, alice: Driver
) -> None:
    said = await group_sends(bot, alice, text="/digest")
    assert said and "Gothenburg–Shanghai" in said[0]
    said = await group_sends(bot, alice, text="/help")
    assert said == [help_text({Audience.GROUPS}, lambda text: says(bot, "en", text))]
    assert "/digest time" in said[0]


async def group_digests(database: Database) -> int:
    async with database.sessions() as session:
        query = select(OutboxMessage.payload).where(OutboxMessage.chat_id == GROUP)
        texts = [p["text"] for p in (await session.execute(query)).scalars()]
    return sum("Weekly digest" in text for text in texts)


async def test_the_weekly_job_posts_at_the_groups_chosen_local_time(
    bot: Bot, alice: Driver
) -> None:
    await group_sends(bot, alice, text="/digest time 星期三 18:30 Asia/Shanghai")
    async with bot.database.transaction() as session:
        await session.execute(update(GroupChat).values(linked_at=LINKED))
    before = await group_digests(bot.database)

    async def run(*at: int) -> None:
        await jobs.weekly_digests(bot.database, bot.texts, datetime(*at, tzinfo=UTC))

    await run(2027, 1, 4, 8, 0)  # Monday 09:00 in Gothenburg: the default, not chosen
    await run(2027, 1, 6, 10, 15)  # Wednesday 18:15 in Shanghai
    assert await group_digests(bot.database) == before
    await run(2027, 1, 6, 10, 30)  # Wednesday 18:30 in Shanghai
    assert await group_digests(bot.database) == before + 1
    await run(2027, 1, 6, 10, 45)
    await run(2027, 1, 7, 10, 30)
    assert await group_digests(bot.database) == before + 1  # once
