"""The whole bot as ``c2cbot run`` assembles it, every channel on, behind loopback fakes.

Browser chat, Telegram in webhook mode, the WeChat Official Account in safe mode and the
WeCom app, each configured with the test tokens and keys of its fake, so hostile
requests can be signed (and sealed) well enough to reach the parsers behind the checks.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from c2cbot.channels.telegram.spec import TelegramOptions
from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.invites import create_invite
from c2cbot.store.migrate import upgrade
from c2cbot.store.partnership_lookup import find_partnership
from c2cbot.store.seeding import seed_reference
from tests.fakes import wechat_api, wecom_api
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.wechat_api import FakeWeChat
from tests.fakes.wecom_api import FakeWeCom

WEBHOOK_SECRET = "hostile-corpus-webhook-secret-0123456789"
QUICK = TelegramOptions(poll_timeout=1, request_timeout=2.0, retry_delay=0.05)


@dataclass
class Wired:
    """A running bot with every channel, its fakes, and a coordinator invite code."""

    bot: Bot
    url: str
    telegram: FakeTelegram
    wechat: FakeWeChat
    wecom: FakeWeCom
    invite: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    async def settle(self) -> None:
        """Let every callback's engine run that outlived its request finish."""
        await self.bot.channels["wechat"].idle()  # type: ignore[attr-defined]
        await self.bot.channels["wecom"].settle()  # type: ignore[attr-defined]
        await self.bot.journal.idle()
        await self.bot.replays.idle()


async def prepared(database_url: str) -> str:
    """Migrate and seed the database; a coordinator invite code for Gothenburg–Shanghai."""
    database = Database(database_url)
    try:
        await upgrade(database)
        async with database.transaction() as session:
            await seed_reference(session, load_reference(), database.clock())
            partnership = await find_partnership(session, "Gothenburg–Shanghai")
            invite = await create_invite(
                session,
                partnership,
                role="coordinator",
                uses=100,
                now=database.clock(),
                valid_for=timedelta(days=30),
            )
        return invite.code
    finally:
        await database.close()


@contextlib.asynccontextmanager
async def wired_bot(database_url: str) -> AsyncIterator[Wired]:
    """Start the fakes and the fully configured bot; stop everything afterwards."""
    invite = await prepared(database_url)
    previous = os.environ.get("PTB_TIMEDELTA")
    os.environ["PTB_TIMEDELTA"] = "true"  # as `c2cbot` sets it: PTB's coming duration type
    try:
        async with FakeTelegram() as telegram, FakeWeChat() as wechat, FakeWeCom() as wecom:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=database_url,
                public_url="http://127.0.0.1:9",  # only told to the fake Telegram
                telegram_token=telegram.token,
                telegram_api_url=telegram.api_url,
                telegram_mode="webhook",
                telegram_webhook_secret=WEBHOOK_SECRET,
                wechat_app_id=wechat_api.APP_ID,
                wechat_app_secret=wechat_api.APP_SECRET,
                wechat_token=wechat_api.CALLBACK_TOKEN,
                wechat_aes_key=wechat_api.AES_KEY,
                wechat_api_url=wechat.api_url,
                wecom_corp_id=wecom_api.CORP_ID,
                wecom_agent_id=wecom_api.AGENT_ID,
                wecom_secret=wecom_api.SECRET,
                wecom_token=wecom_api.CALLBACK_TOKEN,
                wecom_aes_key=wecom_api.AES_KEY,
                wecom_api_url=wecom.api_url,
                # Hundreds of cases come from one browser and one address, and each must
                # reach what it attacks; the limits have tests of their own
                # (tests/web/test_web_limits.py).
                web_message_burst=1000,
                web_messages_per_minute=6000,
                web_new_identities_per_hour=100_000,
            )
            bot = Bot(settings, options={"telegram": QUICK})
            try:
                url = await bot.start("127.0.0.1", 0)
                wecom.callback_url = f"{url}/wecom"
                yield Wired(bot, url, telegram, wechat, wecom, invite)
            finally:
                await bot.stop()
    finally:
        if previous is None:
            os.environ.pop("PTB_TIMEDELTA", None)
        else:
            os.environ["PTB_TIMEDELTA"] = previous
