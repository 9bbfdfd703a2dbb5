"""A linked Telegram group moves to another partnership only at the word of a coordinator
of the partnership it belongs to, or of a group administrator (Telegram's getChatMember,
through python-telegram-bot against the fake Bot API); an invite code sent in a group
stops working, and plain /link needs none."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from c2cbot.channels.telegram.channel import TelegramChannel
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import GroupChat, Partnership
from tests.channels.conftest import drain
from tests.conftest import make_invite
from tests.driver import Driver
from tests.fakes.telegram_api import FakeTelegram
from tests.flows.walker import choose_and_consent, load_conversations, onboard

GROUP = -1001234567890
ALICE, MALLORY = 701, 702  # coordinators of Gothenburg–Shanghai and of Bonn–Chengdu


async def coordinator(bot: Bot, database: Database, user_id: int, partnership: str) -> Driver:
    """A Telegram user who coordinates ``partnership`` (onboarded through the engine)."""
    driver = Driver(bot, str(user_id), channel="telegram")
    invite = await make_invite(database, partnership, role="coordinator")
    await onboard(driver, load_conversations(bot.settings.conversations_dir), "en", invite)
    return driver


async def in_group(
    fake: FakeTelegram, channel: TelegramChannel, dispatcher: Dispatcher, user: int, text: str
) -> list[str]:
    """``user`` sends ``text`` in the group; what the bot posts there."""
    before = len(fake.chat(GROUP))
    fake.group_command(user, GROUP, text)
    await channel.poll_once()
    await drain(dispatcher)
    return [sent.plain for sent in fake.chat(GROUP)[before:]]


async def linked_to(database: Database) -> str | None:
    query = (
        select(Partnership.name)
        .join(GroupChat, GroupChat.partnership_id == Partnership.id)
        .where(GroupChat.chat_id == str(GROUP), GroupChat.active)
    )
    async with database.sessions() as session:
        return (await session.execute(query)).scalar_one_or_none()


@pytest.fixture
async def people(bot: Bot, database: Database) -> tuple[Driver, Driver]:
    return (
        await coordinator(bot, database, ALICE, "Gothenburg–Shanghai"),
        await coordinator(bot, database, MALLORY, "Bonn–Chengdu"),
    )


async def test_only_the_groups_coordinator_or_an_admin_moves_a_linked_group(
    bot: Bot,
    database: Database,
    fast_fake: FakeTelegram,
    telegram_bot: TelegramChannel,
    dispatcher: Dispatcher,
    people: tuple[Driver, Driver],
) -> None:
    async def says(user: int, text: str) -> list[str]:
        return await in_group(fast_fake, telegram_bot, dispatcher, user, text)

    await says(ALICE, "/link")
    assert await linked_to(database) == "Gothenburg–Shanghai"

    mallorys_code = await make_invite(database, "Bonn–Chengdu", role="coordinator")
    posted = await says(MALLORY, f"/link {mallorys_code}")
    assert await linked_to(database) == "Gothenburg–Shanghai"
    assert any("linked to another partnership" in text for text in posted), posted
    posted = await says(MALLORY, "/link")
    assert await linked_to(database) == "Gothenburg–Shanghai"

    fast_fake.admins[GROUP] = {MALLORY}  # the group's administrator may move it
    await says(MALLORY, "/link")
    assert await linked_to(database) == "Bonn–Chengdu"
    asked = [c for c in fast_fake.requests if c.method == "getChatMember"]
    assert asked and all(int(c.params["user_id"]) == MALLORY for c in asked[-1:])

    await says(ALICE, "/link")  # Alice coordinates neither the group's partnership nor admins it
    assert await linked_to(database) == "Bonn–Chengdu"


async def test_a_code_sent_in_a_group_stops_working(
    bot: Bot,
    database: Database,
    fast_fake: FakeTelegram,
    telegram_bot: TelegramChannel,
    dispatcher: Dispatcher,
    people: tuple[Driver, Driver],
) -> None:
    code = await make_invite(database, "Gothenburg–Shanghai", role="member")
    posted = await in_group(fast_fake, telegram_bot, dispatcher, ALICE, f"/link {code}")
    assert await linked_to(database) == "Gothenburg–Shanghai"
    assert "no longer works" in posted[0]
    assert all(code not in text for text in posted)

    newcomer = Driver(bot, "999", channel="telegram")
    await newcomer.send(f"/start {code}")
    await choose_and_consent(newcomer)  # the code is tried once consent is given
    assert "expired" in newcomer.text
