"""Meeting digests translated by a LibreTranslate server, posted once, on time.

With C2C_TRANSLATE_URL set, Alice's confirmed notes are held (no provider call inside
her chat turn) and the meeting-digest job translates them through the loopback fake
LibreTranslate, then posts one digest per group. A slow or garbage-answering provider
leaves the digest untranslated but still posted, once; a restart between confirming and
posting, or two instances running the job side by side, post it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from apscheduler.util import ref_to_obj
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.scheduling.meeting_digests import meeting_digests
from c2cbot.scheduling.scheduler import JOB_SPECS
from c2cbot.store.database import Database
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import OutboxMessage
from tests.conftest import make_invite
from tests.digests.test_meeting_notes import (
    NOW,
    TELEGRAM_GROUP,
    WECOM_GROUP,
    alice_partnership,
    link_groups,
    record,
)
from tests.driver import Driver
from tests.fakes.libretranslate import API_KEY, FakeLibreTranslate
from tests.flows.walker import load_conversations, onboard

GROUPS = (TELEGRAM_GROUP, WECOM_GROUP)
TRANSLATED = "机器翻译] [zh] Draft the exchange agreement"  # marked as machine-made


@pytest.fixture
async def provider() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def translating(settings: Settings, provider: FakeLibreTranslate) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=settings.database_url,
        translate_url=provider.url,
        translate_api_key=API_KEY,
        translate_timeout=0.5,
    )


@pytest.fixture
async def bot(translating: Settings, database: Database) -> AsyncIterator[Bot]:
    bot = Bot(translating, clock=lambda: NOW)
    yield bot
    await bot.stop()


@pytest.fixture
async def alice(bot: Bot, database: Database) -> Driver:
    driver = Driver(bot, "alice")
    invite = await make_invite(bot.database, role="coordinator")
    conversations = load_conversations(bot.settings.conversations_dir)
    await onboard(driver, conversations, "en", invite, picks={"city": 0})
    await link_groups(bot, await alice_partnership(bot, driver))
    return driver


async def digests(database: Database) -> dict[str, list[str]]:
    """The meeting digests in the outbox, by group: each digest's text, all its parts
    (without the invisible word joiners that defuse typed markdown for WeCom)."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.payload)
            .where(OutboxMessage.chat_id.in_(GROUPS))
            .order_by(OutboxMessage.id)
        )
        found: dict[str, list[str]] = {}
        for chat, payload in rows:
            found.setdefault(chat, []).append(payload["text"].replace("\u2060", ""))
    return {chat: "\n".join(parts).split("Meeting notes:")[1:] for chat, parts in found.items()}


async def pending(database: Database) -> list[bool]:
    async with database.sessions() as session:
        return list((await session.execute(select(Meeting.digest_pending))).scalars())


async def test_the_digest_is_held_then_translated_and_posted_once_marked_machine_made(
    bot: Bot, alice: Driver, provider: FakeLibreTranslate
) -> None:
    await record(alice)

    assert "Group chats the digest was posted into: 2." in alice.text
    assert await digests(bot.database) == {}  # held: nothing posted inside the chat turn
    assert provider.requests == []  # and the provider not called inside it
    assert await pending(bot.database) == [True]

    assert await meeting_digests(bot.database, bot.texts, NOW, translator=bot.translator) == 1
    posted = await digests(bot.database)
    assert set(posted) == set(GROUPS)
    for chat in GROUPS:
        assert len(posted[chat]) == 1
        assert TRANSLATED in posted[chat][0]
        assert "[English] Draft the exchange agreement" in posted[chat][0]  # as typed
    assert await pending(bot.database) == [False]
    assert {(r["source"], r["target"]) for r in provider.requests} == {("en", "zh")}
    assert len(provider.requests) == 1  # both groups read en+zh: translated once

    assert await meeting_digests(bot.database, bot.texts, NOW, translator=bot.translator) == 0
    assert {c: len(d) for c, d in (await digests(bot.database)).items()} == {c: 1 for c in GROUPS}


@pytest.mark.parametrize("trouble", ["slow", "html", "short", "empty", "number"])
async def test_a_slow_or_garbage_provider_leaves_the_digest_untranslated_but_posted_once(
    bot: Bot, alice: Driver, provider: FakeLibreTranslate, trouble: str
) -> None:
    if trouble == "slow":
        provider.delay = 2.0  # longer than the 0.5 s timeout
    else:
        provider.garbage = trouble
    await record(alice)

    assert await meeting_digests(bot.database, bot.texts, NOW, translator=bot.translator) == 1
    assert await meeting_digests(bot.database, bot.texts, NOW, translator=bot.translator) == 0
    posted = await digests(bot.database)
    assert provider.requests  # it was asked ...
    for chat in GROUPS:
        assert len(posted[chat]) == 1  # ... and the digest went out anyway, once
        assert "[English] Draft the exchange agreement" in posted[chat][0]
        assert "[zh]" not in posted[chat][0] and "机器翻译" not in posted[chat][0]


async def test_a_restart_between_confirming_and_posting_posts_once_with_two_instances(
    bot: Bot, alice: Driver, translating: Settings, provider: FakeLibreTranslate
) -> None:
    await record(alice)
    await bot.stop()  # down before the job ran

    first, second = Bot(translating, clock=lambda: NOW), Bot(translating, clock=lambda: NOW)
    try:
        runs = [
            jobs.register(jobs.Context(b.database, b.texts, lambda: NOW, translator=b.translator))
            for b in (first, second)
        ]
        counts = await asyncio.gather(*(meeting_digests(run=r) for r in runs))
        assert sorted(counts) == [0, 1]
        again = await asyncio.gather(*(meeting_digests(run=r) for r in runs))
        assert again == [0, 0]
        posted = await digests(first.database)
        assert {c: len(d) for c, d in posted.items()} == {c: 1 for c in GROUPS}
        assert all(TRANSLATED in d[0] for d in posted.values())
    finally:
        for run in runs:
            jobs.unregister(run)
        await first.stop()
        await second.stop()


async def test_without_a_translator_the_digest_is_posted_in_the_chat_turn(
    settings: Settings, database: Database
) -> None:
    plain = Bot(settings, clock=lambda: NOW)
    try:
        driver = Driver(plain, "alice")
        invite = await make_invite(plain.database, role="coordinator")
        conversations = load_conversations(plain.settings.conversations_dir)
        await onboard(driver, conversations, "en", invite, picks={"city": 0})
        await link_groups(plain, await alice_partnership(plain, driver))
        await record(driver)
        assert {c: len(d) for c, d in (await digests(database)).items()} == {c: 1 for c in GROUPS}
        assert await pending(database) == [False]
        assert await meeting_digests(database, plain.texts, NOW) == 0
    finally:
        await plain.stop()


def test_every_scheduled_job_names_a_function_that_exists() -> None:
    for spec in JOB_SPECS:
        assert callable(ref_to_obj(spec.ref)), spec.ref
