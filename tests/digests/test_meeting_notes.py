"""Recording a meeting in chat: the conversation, its checks, the stored notes, the digests.

A coordinator of Gothenburg–Shanghai types the notes through the real engine and
database (``tests.driver``); the digest lands in the outbox of every group chat linked
to the partnership, in the same transaction as the notes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.meeting import parse_people, parse_time
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.ledger import SqlStore
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import Activity, Membership, OutboxMessage, Stakeholder
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import NAMES, load_conversations, onboard

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday; Gothenburg 11:00
TELEGRAM_GROUP = "-1001234567890"
WECOM_GROUP = "group:wrc2cGothenburgShanghai"
DUE = date(2026, 12, 15)
LONG = "Lorem ipsum dolor sit amet. " * 70  # 1,960 characters


@pytest.fixture
async def bot(settings: Settings, database: Database) -> AsyncIterator[Bot]:
    bot = Bot(settings, clock=lambda: NOW)
    yield bot
    await bot.stop()


@pytest.fixture
async def alice(bot: Bot, database: Database) -> Driver:
    """Alice Andersson, coordinator in Gothenburg, onboarded in English."""
    driver = Driver(bot, "alice")
    invite = await make_invite(bot.database, role="coordinator")
    conversations = load_conversations(bot.settings.conversations_dir)
    await onboard(driver, conversations, "en", invite, picks={"city": 0})
    return driver


async def link_groups(bot: Bot, partnership_id: int) -> None:
    async with SqlStore(bot.database).transaction() as ledger:
        await ledger.chats.link_group(
            "telegram", TELEGRAM_GROUP, partnership_id, ["en", "zh_Hans"], None
        )
        await ledger.chats.link_group("wecom", WECOM_GROUP, partnership_id, ["zh_Hans", "en"], None)


async def alice_partnership(bot: Bot, driver: Driver) -> int:
    async with bot.database.sessions() as session:
        return (await session.execute(select(Membership.partnership_id))).scalar_one()


async def record(driver: Driver, *, confirm: bool = True) -> None:
    """The notes of a bilateral meeting, typed the way people type them."""
    await driver.send("/meeting")
    await driver.click("Bilateral meeting")
    await driver.send("28.11.2026")
    await driver.send("下午2点半")
    await driver.send("/skip")  # Alice's own city's time
    await driver.send("City Hall <b>Gothenburg</b> @everyone")
    await driver.click("Gothenburg")
    await driver.send("Alice Andersson (City of Gothenburg, International Affairs), Erik Lund")
    await driver.click("Yes")
    await driver.click("Shanghai")
    await driver.send("王丽（上海市外办）、李明")
    await driver.click("No")
    await driver.send("• Student exchange\n* Zero-carbon house\n\n" + LONG)
    await driver.send("Start the exchange in 2027 **for sure**")
    await driver.click("Yes")
    await driver.send("Draft the exchange agreement")
    await driver.send("alice  ANDERSSON")
    await driver.send("15.12.2026")
    await driver.click("Yes")
    await driver.send("Find a host school")
    await driver.send("/skip")
    await driver.send("/skip")
    await driver.click("No")
    await driver.click("Yes" if confirm else "No")


async def test_notes_are_stored_with_action_items_as_activities_and_posted_to_every_group(
    bot: Bot, alice: Driver
) -> None:
    pid = await alice_partnership(bot, alice)
    await link_groups(bot, pid)

    await record(alice)

    summary = next(r.text for r in alice.replies if r.text.startswith("Please check the notes:"))
    assert "Bilateral meeting · November 28, 2026, 14:30" in summary
    assert "• Erik Lund – Gothenburg" in summary and "• 王丽 (上海市外办) – Shanghai" in summary
    assert "• Find a host school – no owner yet – no due date" in summary
    assert "Thank you! The notes are saved." in alice.text
    assert "Group chats the digest was posted into: 2." in alice.text

    async with bot.database.sessions() as session:
        meeting = (await session.execute(select(Meeting))).scalar_one()
        activities = (await session.execute(select(Activity).order_by(Activity.id))).scalars()
        activities = list(activities)
        alice_id = (
            await session.execute(select(Stakeholder.id).where(Stakeholder.name == NAMES["en"]))
        ).scalar_one()
        posted = list(
            (
                await session.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.chat_id.in_((TELEGRAM_GROUP, WECOM_GROUP)))
                    .order_by(OutboxMessage.id)
                )
            ).scalars()
        )
    assert meeting.kind == "bilateral" and meeting.timezone == "Europe/Stockholm"
    assert meeting.starts_at == datetime(2026, 11, 28, 13, 30, tzinfo=UTC)
    assert meeting.place == "City Hall <b>Gothenburg</b> @everyone"
    assert meeting.agenda[:2] == ["Student exchange", "Zero-carbon house"]
    assert [p["name"] for p in meeting.participants] == [
        "Alice Andersson",
        "Erik Lund",
        "王丽",
        "李明",
    ]
    assert meeting.participants[0]["organisation"] == "City of Gothenburg, International Affairs"
    assert [(a.title, a.owner_id, a.owner_name, a.due_on, a.source) for a in activities] == [
        (
            "Draft the exchange agreement",
            alice_id,
            "alice  ANDERSSON",
            date(2026, 12, 15),
            "meeting",
        ),
        ("Find a host school", None, None, None, "meeting"),
    ]
    assert {a.meeting_id for a in activities} == {meeting.id}

    by_chat = {
        chat: [m for m in posted if m.chat_id == chat] for chat in (TELEGRAM_GROUP, WECOM_GROUP)
    }
    for chat, messages in by_chat.items():
        assert messages, chat
        text = "\n".join(m.payload["text"] for m in messages)
        assert "Draft the exchange agreement" in text and "Zero-carbon house" in text
        assert "王丽" in text
        assert "决定" in text or "决议" in text  # the Chinese half of the bilingual digest
        assert "Decisions" in text
    wecom_parts = [m.payload["text"].encode() for m in by_chat[WECOM_GROUP]]
    assert len(wecom_parts) > 1 and all(len(p) <= 2048 for p in wecom_parts)


async def test_declined_notes_are_not_saved_and_nothing_is_posted(bot: Bot, alice: Driver) -> None:
    pid = await alice_partnership(bot, alice)
    await link_groups(bot, pid)
    await record(alice, confirm=False)
    assert "The notes were not saved." in alice.text
    async with bot.database.sessions() as session:
        assert (await session.execute(select(Meeting))).first() is None
        assert (await session.execute(select(Activity))).first() is None
        groups = select(OutboxMessage).where(OutboxMessage.chat_id == TELEGRAM_GROUP)
        assert (await session.execute(groups)).first() is None


async def test_without_a_linked_group_the_notes_are_saved_and_the_recorder_is_told(
    bot: Bot, alice: Driver
) -> None:
    await record(alice)
    assert "No group chat is linked to the partnership yet" in alice.text
    async with bot.database.sessions() as session:
        assert (await session.execute(select(Meeting))).scalar_one().kind == "bilateral"


async def test_a_group_the_bot_left_gets_no_digest(bot: Bot, alice: Driver) -> None:
    pid = await alice_partnership(bot, alice)
    await link_groups(bot, pid)
    async with SqlStore(bot.database).transaction() as ledger:
        await ledger.chats.chat_event("telegram", TELEGRAM_GROUP, "left_group", None)
    await bot.outbox.unreachable("wecom", WECOM_GROUP)  # as the dispatcher does on 86003
    await record(alice)
    assert "No group chat is linked to the partnership yet" in alice.text
    async with bot.database.sessions() as session:
        to_groups = select(OutboxMessage).where(
            OutboxMessage.chat_id.in_((TELEGRAM_GROUP, WECOM_GROUP))
        )
        assert (await session.execute(to_groups)).first() is None


async def test_bad_answers_are_refused_with_a_reason(bot: Bot, alice: Driver) -> None:
    await alice.send("/meeting")
    await alice.click("Web conference")
    await alice.send("28.11.2026")
    await alice.send("half past something")
    assert "Please send the time like this: 14:30." in alice.text
    await alice.send("9")
    await alice.click("Shanghai")
    await alice.send("https://meet.example.org/c2c")
    await alice.click("Gothenburg")
    await alice.send(" , ，、 ")  # a meeting with no participants
    assert "Please name at least one person who took part." in alice.text
    await alice.send("Erik Lund")
    await alice.click("No")
    await alice.send("x" * 5000)
    # Too long: its first part is offered to keep; the next answer replaces it.
    assert "Your answer has 5000 characters; this question takes up to 2000." in alice.text
    await alice.send("Budget")
    await alice.send("/skip")
    await alice.click("Yes")
    await alice.send("Send the budget")
    await alice.send("/skip")
    await alice.send("1.11.2026")  # a due date in the past
    assert "That day has already passed." in alice.text
    await alice.send("30.11.2026")  # today is fine
    await alice.click("No")
    summary = alice.text
    assert "Web conference · November 28, 2026, 09:00 (Shanghai)" in summary
    assert "(Nobody from Shanghai is listed.)" in summary
    assert "• Send the budget – no owner yet – November 30, 2026" in summary
    await alice.click("Yes")
    async with bot.database.sessions() as session:
        meeting = (await session.execute(select(Meeting))).scalar_one()
    assert meeting.timezone == "Asia/Shanghai"
    assert meeting.starts_at == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert meeting.decisions == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("14.30", time(14, 30)),
        ("９：０５", time(9, 5)),
        ("2pm", time(14, 0)),
        ("2:30 p.m.", time(14, 30)),
        ("12 am", time(0, 0)),
        ("下午2点半", time(14, 30)),
        ("上午10点", time(10, 0)),
        ("14时30分", time(14, 30)),
        ("14 Uhr", time(14, 0)),
        ("14.30 Uhr", time(14, 30)),
    ],
)
def test_start_times_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "14:75", "soon", "", "上午下午3点", "1430"])
def test_times_that_are_not_times_are_refused(typed: str) -> None:
    with pytest.raises(InvalidValue):
        parse_time(typed)


def test_names_with_organisations_in_brackets_and_chinese_separators() -> None:
    assert parse_people("Anna Berg (City of Gothenburg, Office), Erik；王丽（外办）、李明\n") == [
        ("Anna Berg", "City of Gothenburg, Office"),
        ("Erik", None),
        ("王丽", "外办"),
        ("李明", None),
    ]
