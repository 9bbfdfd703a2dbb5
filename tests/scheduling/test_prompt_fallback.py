"""A KPI prompt for WeChat outside its 48-hour window reaches the person on Telegram, once.

Li has linked WeChat (where she chose to get prompts) and Telegram. The April round is
written to the outbox for WeChat; the fake WeChat answers 45015 (she last wrote more
than 48 hours ago) and no template is configured, so the real dispatcher hands the
message back and it goes, unchanged, to her Telegram chat, where she answers it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from c2cbot.channels.telegram.channel import TelegramChannel
from c2cbot.channels.wechat_oa.channel import WeChatOfficialAccount
from c2cbot.config import Settings
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.models import ChannelIdentity, KpiValue, OutboxMessage
from tests.channels.conftest import FAST, FAST_RULES, TelegramPerson, drain
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.wechat_api import APP_ID, APP_SECRET, CALLBACK_TOKEN, FakeWeChat
from tests.scheduling.conftest import World, build_world, prompts, utc
from tests.support.clock import SetClock

LI = 802  # her Telegram user id
OPENID = "o_li"


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> SetClock:
    return SetClock(utc(2026, 5, 6, 1))


@pytest.fixture
async def bot(settings: Settings, database: Database, clock: SetClock) -> AsyncIterator[Bot]:
    bot = Bot(settings, clock=clock)
    yield bot
    await bot.stop()


@dataclass(frozen=True)
class Channels:
    telegram: FakeTelegram
    wechat: FakeWeChat
    dispatcher: Dispatcher
    telegram_channel: TelegramChannel


@pytest.fixture
async def channels(bot: Bot, texts: Catalogues) -> AsyncIterator[Channels]:
    """The real Telegram and WeChat channels on their fakes, and the real dispatcher."""
    async with FakeTelegram(rules=FAST_RULES) as telegram, FakeWeChat() as wechat:
        on_telegram = TelegramChannel(
            telegram.token, telegram.api_url, texts, bot.engine.handle, options=FAST
        )
        await on_telegram.start()
        on_wechat = WeChatOfficialAccount(
            app_id=APP_ID,
            app_secret=APP_SECRET,
            token=CALLBACK_TOKEN,
            aes_key=None,
            api_url=wechat.api_url,
            texts=texts,
            on_inbound=bot.engine.handle,
            in_place=bot.in_place,
            vault=bot.vault,
        )
        dispatcher = Dispatcher(
            bot.outbox, {"telegram": on_telegram, "wechat": on_wechat}, clock=bot.clock
        )
        yield Channels(telegram, wechat, dispatcher, on_telegram)
        await on_wechat.close()
        await on_telegram.close()


async def _linked(database: Database, world: World) -> None:
    """Li on WeChat (chosen for prompts, written on last) and on Telegram: one person."""
    async with database.transaction() as session:
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.stakeholder_id == world.li)
            .values(channel="wechat", external_id=OPENID, chat_id=OPENID, preferred=True)
        )
        session.add(
            ChannelIdentity(
                channel="telegram",
                external_id=str(LI),
                chat_id=str(LI),
                stakeholder_id=world.li,
                created_at=utc(2026, 1, 1),
                last_seen_at=utc(2025, 12, 1),
            )
        )


async def _rows(database: Database) -> list[tuple[str, str, str]]:
    query = (
        select(OutboxMessage.channel, OutboxMessage.chat_id, OutboxMessage.status)
        .where(OutboxMessage.stakeholder_id.is_not(None))
        .order_by(OutboxMessage.id)
    )
    async with database.sessions() as session:
        return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


async def test_a_wechat_prompt_outside_the_window_reaches_telegram_once(
    database: Database, texts: Catalogues, bot: Bot, channels: Channels, clock: SetClock
) -> None:
    world = await build_world(database)
    await _linked(database, world)
    channels.wechat.close_window(OPENID)

    # Li's April round: Wednesday 6 May at 10:00 in Shanghai.
    for now in (utc(2026, 5, 6, 1), utc(2026, 5, 6, 2)):
        clock.now = now
        await jobs.plan_rounds(database, texts, now)
        await jobs.send_due(database, texts, now)
        await drain(channels.dispatcher)
    [prompt] = await prompts(database, stakeholder_id=world.li, period_key="2026-04")
    assert await _rows(database) == [
        ("wechat", OPENID, "moved"),
        ("telegram", str(LI), "sent"),
    ]
    assert channels.wechat.texts(OPENID) == []
    [asked] = channels.telegram.chat(LI)
    assert "2026年4月" in asked.plain and asked.data_for(asked.labels[0]) == f"p:{prompt.id}"
    assert await bot.outbox.dead_letters() == []

    li = TelegramPerson(
        bot, channels.telegram, channels.telegram_channel, channels.dispatcher, LI, "zh-hans"
    )
    await li.press(f"p:{prompt.id}")
    await li.press(li.last.choices[0].action)  # the figure
    await li.send("3万")
    await li.send("/skip")
    async with database.sessions() as session:
        [value] = (await session.execute(select(KpiValue))).scalars()
    assert (value.reported_by, value.period_key) == (world.li, "2026-04")
    assert len(channels.telegram.chat(LI)) > 1 and channels.wechat.texts(OPENID) == []


async def test_a_message_moves_once_and_then_is_a_dead_letter(
    database: Database, texts: Catalogues, bot: Bot, channels: Channels, clock: SetClock
) -> None:
    """With Telegram blocked too, the prompt is not bounced back: one dead letter."""
    world = await build_world(database)
    await _linked(database, world)
    channels.wechat.close_window(OPENID)
    channels.telegram.blocked.add(LI)
    for now in (utc(2026, 5, 6, 1), utc(2026, 5, 6, 2)):
        clock.now = now
        await jobs.plan_rounds(database, texts, now)
        await jobs.send_due(database, texts, now)
        await drain(channels.dispatcher)
    assert await _rows(database) == [
        ("wechat", OPENID, "moved"),
        ("telegram", str(LI), "dead"),
    ]
    assert channels.wechat.texts(OPENID) == [] and channels.telegram.chat(LI) == []
