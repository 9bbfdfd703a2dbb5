"""Every channel as `c2cbot run` builds it from C2C_* settings, not hand-assembled."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.models import Answer
from tests.fakes.wechat_api import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    WeChatUser,
)


@pytest.fixture
async def wechat_bot(
    settings: Settings, database: object
) -> AsyncIterator[tuple[Bot, str, FakeWeChat]]:
    async with FakeWeChat() as fake:
        configured = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=settings.database_url,
            wechat_app_id=APP_ID,
            wechat_app_secret=APP_SECRET,
            wechat_token=CALLBACK_TOKEN,
            wechat_aes_key=AES_KEY,
            wechat_api_url=fake.api_url,
        )
        bot = Bot(configured)
        url = await bot.start("127.0.0.1", 0)
        try:
            yield bot, url, fake
        finally:
            await bot.stop()


async def test_a_follower_onboards_through_the_configured_official_account(
    wechat_bot: tuple[Bot, str, FakeWeChat], invite: str
) -> None:
    bot, url, fake = wechat_bot
    user = WeChatUser(fake, f"{url}/wechat", "o_wired", encoding_aes_key=AES_KEY)
    followed = await user.follow(scene=invite)
    assert followed.status == 200 and followed.text and "简体中文" in followed.text
    language = await user.say("2")
    assert language.status == 200 and language.text
    named = await user.say("李华")
    assert named.status == 200
    async with bot.database.sessions() as session:
        rows = (await session.execute(select(Answer).where(Answer.channel == "wechat"))).scalars()
        answers = {a.question: a.value["value"] for a in rows}
    assert answers == {"language": "zh_Hans", "name": "李华"}


def test_partial_wechat_or_wecom_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="C2C_WECHAT_APP_SECRET"):
        Settings(_env_file=None, wechat_app_id=APP_ID)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="C2C_WECOM_SECRET"):
        Settings(_env_file=None, wecom_corp_id="ww123")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="43-character"):
        Settings(
            _env_file=None,
            wechat_app_id=APP_ID,
            wechat_app_secret="s",  # type: ignore[call-arg]
            wechat_token="t",
            wechat_aes_key="short",
        )
