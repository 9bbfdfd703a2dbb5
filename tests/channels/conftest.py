"""Fixtures for channel tests: the fake Telegram, channels wired to it, a person chatting."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from c2cbot.channels.ratelimit import ChatLimits, Rate
from c2cbot.channels.telegram.channel import TelegramChannel
from c2cbot.channels.telegram.spec import TelegramOptions
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.flows.messages import Inbound
from c2cbot.flows.texts import Texts
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.store.models import OutboxMessage
from tests.fakes.telegram_api import FakeTelegram, RateRule, RateRules, Sent
from tests.support.chat import TelegramChat

# Fast limits for conversation tests, and a fake that measures the same limits.
FAST_LIMITS = ChatLimits(
    overall=Rate(200.0, 20.0), private=Rate(50.0, 10.0), group=Rate(50.0, 10.0)
)
FAST_RULES = RateRules(
    private=RateRule(50.0, 12.0, 1.0),
    group=RateRule(50.0, 12.0, 1.0),
    overall=RateRule(200.0, 25.0, 1.0),
)
FAST = TelegramOptions(poll_timeout=1, request_timeout=2.0, retry_delay=0.05, limits=FAST_LIMITS)

MakeChannel = Callable[..., Awaitable[TelegramChannel]]


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's coming timedelta durations, whose int form warns (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def fast_fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(rules=FAST_RULES) as fake:
        yield fake


@pytest.fixture(scope="session")
def texts() -> Texts:
    from c2cbot.config import DEFAULT_HOME

    return Catalogues(DEFAULT_HOME / "locale")


@dataclass
class Recorder:
    """An ``on_inbound`` that only remembers what the channel produced."""

    inbounds: list[Inbound] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, inbound: Inbound) -> bool:
        self.inbounds.append(inbound)
        self.arrived.set()
        return True


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def make_channel(texts: Texts) -> AsyncIterator[MakeChannel]:
    """Build and start channels against a fake; all are closed at the end."""
    made: list[TelegramChannel] = []

    async def make(
        fake: FakeTelegram,
        on_inbound: Callable[[Inbound], Awaitable[object]],
        options: TelegramOptions = FAST,
        start: bool = True,
    ) -> TelegramChannel:
        channel = TelegramChannel(fake.token, fake.api_url, texts, on_inbound, options=options)
        made.append(channel)
        if start:
            await channel.start()
        return channel

    yield make
    for channel in made:
        await channel.close()


async def outbox_pending(bot: Bot) -> int:
    query = select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
    async with bot.database.sessions() as session:
        return int((await session.execute(query)).scalar_one())


async def drain(dispatcher: Dispatcher) -> None:
    """Deliver everything that is due now."""
    while await dispatcher.drain_once():
        pass


async def deliver_all(bot: Bot, dispatcher: Dispatcher, within: float = 15.0) -> None:
    """Run the dispatcher until the outbox is empty (retries included)."""
    task = asyncio.create_task(dispatcher.run())
    try:
        for _ in range(int(within / 0.05)):
            if not await outbox_pending(bot):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the outbox still holds {await outbox_pending(bot)} messages")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass
class TelegramPerson(TelegramChat):
    """A person chatting with the bot through the fake Telegram, like ``tests.driver.Driver``.

    Each step is a real update: the channel polls it, the engine handles it, and the
    dispatcher delivers the replies through the channel to the fake, where ``last``
    reads them back — text and buttons as the person sees them.
    """

    bot: Bot
    fake: FakeTelegram
    telegram: TelegramChannel
    dispatcher: Dispatcher
    user_id: int
    language_code: str = "en"
    channel: str = "telegram"

    def __post_init__(self) -> None:
        self._seen = 0

    async def settle(self) -> list[Sent]:
        """Let the channel take the queued updates and deliver every reply; the new messages."""
        before = len(self.fake.chat(self.user_id))
        self._seen = before
        await self.telegram.poll_once()
        await drain(self.dispatcher)
        return self.fake.chat(self.user_id)[before:]


@pytest.fixture
async def telegram_bot(
    bot: Bot, fast_fake: FakeTelegram, make_channel: MakeChannel
) -> TelegramChannel:
    """The Telegram channel feeding the seeded bot's engine."""
    return await make_channel(fast_fake, bot.engine.handle)


@pytest.fixture
def dispatcher(bot: Bot, telegram_bot: TelegramChannel) -> Dispatcher:
    return Dispatcher(bot.outbox, {"telegram": telegram_bot, "web": bot.webchat}, idle_poll=0.05)


@pytest.fixture
def make_person(
    bot: Bot, fast_fake: FakeTelegram, telegram_bot: TelegramChannel, dispatcher: Dispatcher
) -> Callable[..., TelegramPerson]:
    def make(user_id: int, language_code: str = "en") -> TelegramPerson:
        return TelegramPerson(bot, fast_fake, telegram_bot, dispatcher, user_id, language_code)

    return make
