"""A meeting recorded in chat reaches the Telegram group and the WeCom group chat.

The whole bot runs as ``c2cbot run`` builds it — Telegram polling and WeCom against the
loopback fakes, the outbox dispatcher sending — and Alice records the notes in the
browser chat. One bilingual digest arrives in each group; a WeCom chat deleted on
WeCom's side is marked inactive by the failed send and gets no later digest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from c2cbot.channels.telegram.spec import TelegramOptions
from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.ledger import SqlStore
from c2cbot.store.models import GroupChat
from tests.channels.conftest import FAST_LIMITS, FAST_RULES
from tests.conftest import make_invite
from tests.digests.test_meeting_notes import NOW, alice_partnership, record
from tests.driver import Driver
from tests.fakes import wecom_api
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.wecom_api import FakeWeCom, Group
from tests.flows.walker import load_conversations, onboard
from tests.support.outbox import outbox_report
from tests.support.waiting import eventually

QUICK = TelegramOptions(poll_timeout=1, request_timeout=0.5, retry_delay=0.05, limits=FAST_LIMITS)
TELEGRAM_GROUP = -1001234567890
WECOM_CHATID = "wrc2cGothenburgShanghai"


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def running(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[Bot, FakeTelegram, FakeWeCom]]:
    async with FakeTelegram(rules=FAST_RULES) as telegram, FakeWeCom() as wecom:
        members = ["zhangwei", "lina"]
        for member in members:
            wecom.member(member)
        wecom.groups[WECOM_CHATID] = Group(WECOM_CHATID, "哥德堡–上海", members[0], members)
        configured = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=settings.database_url,
            telegram_token=telegram.token,
            telegram_api_url=telegram.api_url,
            wecom_corp_id=wecom_api.CORP_ID,
            wecom_agent_id=wecom_api.AGENT_ID,
            wecom_secret=wecom_api.SECRET,
            wecom_token=wecom_api.CALLBACK_TOKEN,
            wecom_aes_key=wecom_api.AES_KEY,
            wecom_api_url=wecom.api_url,
        )
        bot = Bot(configured, clock=lambda: NOW, options={"telegram": QUICK})
        await bot.start("127.0.0.1", 0)
        try:
            yield bot, telegram, wecom
        finally:
            await bot.stop()


async def test_recorded_notes_reach_the_telegram_group_and_the_wecom_group_chat(
    running: tuple[Bot, FakeTelegram, FakeWeCom], database: Database
) -> None:
    bot, telegram, wecom = running
    alice = Driver(bot, "alice")
    conversations = load_conversations(bot.settings.conversations_dir)
    await onboard(alice, conversations, "en", await make_invite(bot.database, role="coordinator"))
    pid = await alice_partnership(bot, alice)
    async with SqlStore(bot.database).transaction() as ledger:
        await ledger.chats.link_group("telegram", str(TELEGRAM_GROUP), pid, ["en", "zh_Hans"], None)
        await ledger.chats.link_group(
            "wecom", f"group:{WECOM_CHATID}", pid, ["zh_Hans", "en"], None
        )

    await record(alice)

    group = wecom.groups[WECOM_CHATID]
    await eventually(
        lambda: bool(telegram.chat(TELEGRAM_GROUP)) and bool(group.messages),
        explain=lambda: outbox_report(bot.database),
    )
    await eventually(
        lambda: "Find a host school" in "\n".join(group.messages),
        explain=lambda: outbox_report(bot.database),
    )
    await eventually(
        lambda: "Find a host school" in "\n".join(telegram.sent_texts(TELEGRAM_GROUP)),
        explain=lambda: outbox_report(bot.database),
    )
    on_telegram = "\n".join(s.plain for s in telegram.chat(TELEGRAM_GROUP))
    on_wecom = "\n".join(group.shown)  # markdown as WeCom renders it
    for shown in (on_telegram, on_wecom):
        assert shown.count("Meeting notes: Gothenburg–Shanghai") == 1  # one digest, not two
        assert "会议纪要" in shown
        assert "Decisions / 决定" in shown or "决定 / Decisions" in shown
        assert "City Hall <b>Gothenburg</b> @" in shown  # typed markup shown as typed
        assert "王丽" in shown and "Draft the exchange agreement" in shown
    assert all(len(m.encode()) <= wecom_api.MAX_BYTES for m in group.messages)
    sends = wecom.calls("appchat/send")
    assert sends and all(c.errcode == 0 for c in sends)

    # WeCom deletes the chat: the next digest's send fails, the group is marked inactive,
    # and the digest after that goes to the Telegram group only.
    wecom.delete_group(WECOM_CHATID)
    await record(alice)
    await eventually(
        lambda: any(c.errcode == 86003 for c in wecom.calls("appchat/send")),
        explain=lambda: outbox_report(bot.database),
    )

    async def inactive() -> bool:
        async with database.sessions() as session:
            query = select(GroupChat.active).where(GroupChat.channel == "wecom")
            return not (await session.execute(query)).scalar_one()

    for _ in range(400):
        if await inactive():
            break
        await asyncio.sleep(0.05)
    assert await inactive()
    await record(alice)
    assert "Group chats the digest was posted into: 1." in alice.text
