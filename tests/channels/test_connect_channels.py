"""One person on Telegram and WeChat, through the running bot and both fakes.

Halfway through Aim on Telegram the person sends /connect, types the code on WeChat
(where they had never written), and answers the rest of the step there, by number:
one stakeholder, one conversation, answers from both channels.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from c2cbot.config import Settings
from c2cbot.flows.commands import connect
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import Answer, Stakeholder
from tests.channels.test_telegram_run import QUICK, LivePerson
from tests.channels.test_wechat_walks import Follower
from tests.conftest import make_invite
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.wechat_api import APP_ID, APP_SECRET, CALLBACK_TOKEN, FakeWeChat, WeChatUser
from tests.flows.walker import (
    NumberTyping,
    Walker,
    answer_until,
    load_conversations,
    onboard,
    says,
    start_step,
    state_of,
)

CODE_SHOWN = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")


@pytest.fixture
async def wechat() -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat() as fake:
        yield fake


@pytest.fixture
async def both(
    database_url: str, database: Database, fast_fake: FakeTelegram, wechat: FakeWeChat
) -> AsyncIterator[tuple[Bot, str]]:
    """The bot as ``c2cbot run`` starts it, with Telegram and a WeChat Official Account."""
    bot = Bot(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database_url,
            telegram_token=fast_fake.token,
            telegram_api_url=fast_fake.api_url,
            wechat_app_id=APP_ID,
            wechat_app_secret=APP_SECRET,
            wechat_token=CALLBACK_TOKEN,
            wechat_api_url=wechat.api_url,
        ),
        options={"telegram": QUICK},
    )
    url = await bot.start("127.0.0.1", 0)
    yield bot, url
    await bot.stop()


async def test_a_telegram_person_links_wechat_and_finishes_the_step_there(
    both: tuple[Bot, str], fast_fake: FakeTelegram, wechat: FakeWeChat, database: Database
) -> None:
    bot, url = both
    conversations = load_conversations(bot.settings.conversations_dir)
    aim = conversations["aim"]
    telegram = LivePerson(bot, fast_fake, 4242)
    await onboard(telegram, conversations, "en", await make_invite(database, role="coordinator"))  # type: ignore[arg-type]
    await start_step(telegram, "aim")  # type: ignore[arg-type]
    await answer_until(telegram, aim, "en", "facts_collected")  # type: ignore[arg-type]
    asked = telegram.last.text
    await telegram.send("/connect")
    [code] = set(CODE_SHOWN.findall(telegram.text))

    user = WeChatUser(wechat, f"{url}/wechat", "o_traveller")
    phone = Follower(bot, user.openid, "wechat", wechat=user)
    await phone.send(f"／connect {code}")  # a Chinese keyboard's slash
    assert says(bot, "en", connect.LINKED) in phone.text
    assert asked.split("\n", 1)[0] in phone.shown  # the same question, on WeChat
    assert phone.last.text.split("\n", 1)[0] == asked.split("\n", 1)[0]
    assert await state_of(phone) == await state_of(telegram)  # type: ignore[arg-type]

    await Walker(NumberTyping(phone), aim, "en").run()  # type: ignore[arg-type]
    async with bot.database.sessions() as session:
        answers = list(await session.execute(select(Answer).where(Answer.step == "aim")))
        people = (await session.execute(select(func.count()).select_from(Stakeholder))).scalar()
    channels = [a.channel for (a,) in answers]
    assert channels[:3] == ["telegram"] * 3 and set(channels[3:]) == {"wechat"}
    assert len({a.stakeholder_id for (a,) in answers}) == 1 and people == 1
    assert (await state_of(telegram)).get("conv") is None  # type: ignore[arg-type]  # Aim is done
    await phone.check_every_reply_arrived_once()
    assert await bot.outbox.dead_letters() == []
