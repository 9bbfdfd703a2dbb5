"""Every channel as `c2cbot run` builds it from C2C_* settings, not hand-assembled."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.flows.notice import NOTICE_VERSION
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import Answer, GroupChat, OutboxMessage, Stakeholder
from tests.fakes.wechat_api import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    WeChatUser,
)
from tests.fakes.wecom_api import AES_KEY as WECOM_AES
from tests.fakes.wecom_api import AGENT_ID as WECOM_AGENT
from tests.fakes.wecom_api import CALLBACK_TOKEN as WECOM_TOKEN
from tests.fakes.wecom_api import CORP_ID as WECOM_CORP
from tests.fakes.wecom_api import SECRET as WECOM_SECRET
from tests.fakes.wecom_api import FakeWeCom
from tests.support.waiting import eventually


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
    assert followed.status == 200
    await eventually(
        lambda: "简体中文" in (user.last or ""), within=10, what="the reply"
    )  # in place, or by the service API
    assert (await user.say("2")).status == 200
    await eventually(
        lambda: "李华" not in (user.last or "") and len(user.received) >= 2,
        within=10,
        what="the reply",
    )
    assert (await user.say("1")).status == 200  # 是: consent to the privacy notice
    name_asked = bot.texts.gettext("zh_Hans", "What is your name?")
    await eventually(lambda: name_asked in (user.last or ""), within=10, what="the reply")
    assert (await user.say("李华")).status == 200
    async with bot.database.sessions() as session:
        rows = (await session.execute(select(Answer).where(Answer.channel == "wechat"))).scalars()
        answers = {a.question: a.value["value"] for a in rows}
    consent = {"given": True, "scope": "data", "notice": NOTICE_VERSION}
    assert answers == {"consent": consent, "name": "李华"}  # the language is a setting
    async with bot.database.sessions() as session:
        assert await session.scalar(select(Stakeholder.language)) == "zh_Hans"


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


async def test_the_cli_creates_and_links_a_wecom_group_that_then_gets_posts(
    settings: Settings, database: object, invite: str
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the command is exercised once, on SQLite")
    async with FakeWeCom() as fake:
        for userid in ("zhangwei", "lina", "wangfang"):
            fake.member(userid)
        env = {
            "C2C_DATABASE_URL": settings.database_url,
            "C2C_WECOM_CORP_ID": WECOM_CORP,
            "C2C_WECOM_AGENT_ID": str(WECOM_AGENT),
            "C2C_WECOM_SECRET": WECOM_SECRET,
            "C2C_WECOM_TOKEN": WECOM_TOKEN,
            "C2C_WECOM_AES_KEY": WECOM_AES,
            "C2C_WECOM_API_URL": fake.api_url,
            "PATH": os.environ["PATH"],
        }
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("c2cbot")),
            "wecom-group",
            "--partnership",
            "Gothenburg–Shanghai",
            "--owner",
            "zhangwei",
            "--members",
            "lina",
            "wangfang",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        assert len(fake.groups) == 1
        chatid = next(iter(fake.groups))
        reader = Database(settings.database_url)
        async with reader.sessions() as session:
            group = (await session.execute(select(GroupChat))).scalar_one()
            queued = (await session.execute(select(OutboxMessage))).scalars().all()
        await reader.close()
        assert group.chat_id == f"group:{chatid}"
        assert group.languages == ["en", "zh_Hans"]  # Gothenburg reads English beside Chinese
        assert [m.chat_id for m in queued] == [f"group:{chatid}"]  # the welcome, to be posted
        assert chatid in out.decode()
