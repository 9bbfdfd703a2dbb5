"""A KPI round answered on Telegram end to end, through the fake Bot API.

The scheduler's jobs run with an explicit ``now`` and write the round to the outbox; the
real dispatcher and Telegram channel deliver it to the fake Telegram; Sven and Li then
press the message's "Answer now" button and type their figures as real updates, which
the channel polls and the bot's engine handles. What must come out is a ``kpi_values``
row for the period each message asked about, even when the answer comes late.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, update

from c2cbot.channels.telegram.channel import TelegramChannel
from c2cbot.config import Settings
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.scheduling.prompt_texts import ANSWER_NOW, KPI_ROUND
from c2cbot.store.database import Database
from c2cbot.store.models import ChannelIdentity, KpiValue
from tests.channels.conftest import FAST, FAST_RULES, TelegramPerson, drain
from tests.fakes.telegram_api import FakeTelegram, Sent
from tests.scheduling.conftest import World, build_world, prompts, says, utc
from tests.support.clock import SetClock

SVEN, LI = 801, 802  # their Telegram user ids (and private chat ids)


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations, whose int form warns (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(rules=FAST_RULES) as fake:
        yield fake


@dataclass(frozen=True)
class Telegram:
    """The Telegram channel feeding the bot's engine, and the dispatcher delivering to it."""

    channel: TelegramChannel
    dispatcher: Dispatcher


@pytest.fixture
def clock() -> SetClock:
    return SetClock(utc(2026, 5, 4, 7))


@pytest.fixture
async def bot(settings: Settings, database: Database, clock: SetClock) -> AsyncIterator[Bot]:
    """The bot on the test's clock: its answers and its deliveries agree with the jobs' time."""
    bot = Bot(settings, clock=clock)
    yield bot
    await bot.stop()


@pytest.fixture
async def telegram(bot: Bot, fake: FakeTelegram, texts: Catalogues) -> AsyncIterator[Telegram]:
    channel = TelegramChannel(fake.token, fake.api_url, texts, bot.engine.handle, options=FAST)
    await channel.start()
    dispatcher = Dispatcher(bot.outbox, {"telegram": channel}, clock=bot.clock, idle_poll=0.05)
    yield Telegram(channel, dispatcher)
    await channel.close()


async def _on_telegram(database: Database, world: World) -> None:
    """Sven and Li talk to the bot on Telegram instead of the web chat."""
    async with database.transaction() as session:
        for stakeholder, user in ((world.sven, SVEN), (world.li, LI)):
            await session.execute(
                update(ChannelIdentity)
                .where(ChannelIdentity.stakeholder_id == stakeholder)
                .values(channel="telegram", external_id=str(user), chat_id=str(user))
            )


def _person(bot: Bot, fake: FakeTelegram, telegram: Telegram, user: int) -> TelegramPerson:
    language = "zh-hans" if user == LI else "en"
    return TelegramPerson(bot, fake, telegram.channel, telegram.dispatcher, user, language)


async def _values(database: Database) -> list[tuple[str, int | None, Any, bool]]:
    async with database.sessions() as session:
        rows = await session.scalars(select(KpiValue).order_by(KpiValue.id))
        return [(v.period_key, v.reported_by, v.value, v.late) for v in rows]


def _kpi_prompt(texts: Catalogues, language: str, message: Sent, period: str) -> str:
    """The "Answer now" button's data, after checking the message asks about ``period``."""
    assert says(texts, language, KPI_ROUND) in message.plain
    assert texts.gettext(language, "Joint projects") in message.plain  # the KPI's name
    assert period in message.plain
    label = texts.gettext(language, ANSWER_NOW)
    assert message.labels == [label]
    return message.data_for(label)


async def test_a_kpi_round_answered_on_telegram(
    database: Database,
    texts: Catalogues,
    bot: Bot,
    fake: FakeTelegram,
    telegram: Telegram,
    clock: SetClock,
) -> None:
    world = await build_world(database)
    await _on_telegram(database, world)
    sven, li = _person(bot, fake, telegram, SVEN), _person(bot, fake, telegram, LI)

    # The April round: Sven on Monday 4 May at 10:00 in Gothenburg, Li on Wednesday
    # 6 May at 10:00 in Shanghai (1 to 5 May are holidays in China).
    for now in (utc(2026, 5, 4, 7), utc(2026, 5, 4, 8), utc(2026, 5, 6, 1), utc(2026, 5, 6, 2)):
        clock.now = now
        await jobs.plan_rounds(database, texts, now)
        await jobs.send_due(database, texts, now)
        await drain(telegram.dispatcher)
    [asked] = fake.chat(SVEN)
    [asked_li] = fake.chat(LI)
    april = {p.stakeholder_id: p for p in await prompts(database, period_key="2026-04")}
    assert _kpi_prompt(texts, "en", asked, "April 2026") == f"p:{april[world.sven].id}"
    assert _kpi_prompt(texts, "zh_Hans", asked_li, "2026年4月") == f"p:{april[world.li].id}"

    # Sven answers at once: the button, the figure with a thousands separator, no comment.
    await sven.press(f"p:{april[world.sven].id}")
    assert "What can you report" in sven.text
    await sven.click("I have the figure")
    assert "What is the value of Joint projects for April 2026?" in sven.text
    await sven.send("1,200")
    await sven.send("/skip")
    assert "Your report is saved" in sven.text
    assert await _values(database) == [
        ("2026-04", world.sven, {"status": "value", "value": "1200"}, False)
    ]

    # Li waits until the May round has reached her, then answers April's message.
    for now in (utc(2026, 6, 1, 1), utc(2026, 6, 1, 2)):
        clock.now = now
        await jobs.plan_rounds(database, texts, now)
        await jobs.send_due(database, texts, now)
        await drain(telegram.dispatcher)
    first, second = fake.chat(LI)
    assert first.message_id == asked_li.message_id
    may = (await prompts(database, stakeholder_id=world.li, period_key="2026-05"))[0]
    assert _kpi_prompt(texts, "zh_Hans", second, "2026年5月") == f"p:{may.id}"
    assert (await prompts(database, id=april[world.li].id))[0].status == "closed"
    await li.press(f"p:{april[world.li].id}")  # the older message's button
    assert "2026年4月" in li.text and "2026年5月" not in li.text
    await li.press(li.last.choices[0].action)  # the first answer: the figure
    await li.send("3万")
    await li.send("/skip")
    assert await _values(database) == [
        ("2026-04", world.sven, {"status": "value", "value": "1200"}, False),
        ("2026-04", world.li, {"status": "value", "value": "30000"}, True),
    ]
    statuses = {(p.stakeholder_id, p.period_key): p.status for p in await prompts(database)}
    assert statuses == {
        (world.sven, "2026-04"): "answered",
        (world.li, "2026-04"): "answered",
        (world.sven, "2026-05"): "planned",  # for 10:00 in Gothenburg, 08:00 UTC
        (world.li, "2026-05"): "sent",
    }
    assert fake.violations == []
    assert len(fake.answered) == len(fake.calls("answerCallbackQuery")) == 4
