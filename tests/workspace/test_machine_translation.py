"""Typed answers in another language than the reader's get a machine translation on the
step page, marked as such, when a translation server is configured (a loopback
LibreTranslate here): sent once per text and language, then remembered; a server that
fails leaves the page as typed, and is left alone for a minute.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.flows import consent, notice
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import ConversationState
from c2cbot.workspace.translations import RESTING
from tests.driver import Driver
from tests.fakes.libretranslate import API_KEY, FakeLibreTranslate, translated
from tests.scheduling.conftest import World
from tests.support.clock import SetClock
from tests.workspace.conftest import PUBLIC, Browser, Served
from tests.workspace.records import answer

VISION_EN = "A green port city for everyone."
VISION_ZH = "一座绿色、开放、宜居的国际化城市。"
MARKUP = '<script>alert("x")</script> & "quotes"'
LABEL = "Machine translation"


@pytest.fixture
async def provider() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def translating(
    settings: Settings, database: Database, hands: SetClock, provider: FakeLibreTranslate
) -> AsyncIterator[Served]:
    configured = Settings(
        database_url=settings.database_url,
        public_url=f"{PUBLIC}/",  # type: ignore[arg-type]
        translate_url=provider.url,  # type: ignore[arg-type]
        translate_api_key=API_KEY,  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = Bot(configured, clock=hands)
    base = await bot.start("127.0.0.1", 0)
    yield Served(bot, base)
    await bot.stop()


@pytest.fixture
async def reconsented(world: World, database: Database) -> World:
    """Everyone has consented to the notice of a deployment that translates."""
    async with database.transaction() as session:
        for state in (await session.scalars(select(ConversationState))).all():
            given = state.data.get(consent.CONSENT, {})
            version = notice.TRANSLATED_NOTICE_VERSION
            state.data = {**state.data, consent.CONSENT: dict.fromkeys(given, version)}
    return world


@pytest.fixture
async def typed(reconsented: World, database: Database) -> World:
    return await _typed(reconsented, database)


async def _typed(world: World, database: Database) -> World:
    """Sven wrote Aim's vision in English, Li in Chinese, Anna a SWOT with markup."""
    p = world.partnership_id
    await answer(database, world.sven, p, "vision", "text", VISION_EN)
    await answer(database, world.li, p, "vision", "text", VISION_ZH, language="zh_Hans")
    await answer(database, world.anna, p, "swot", "text", MARKUP)
    return world


async def _aim(translating: Served, world: World, person: str) -> str:
    reader = Browser(translating)
    try:
        await reader.sign_in(person)
        page = await reader.get(f"/p/{world.partnership_id}/steps/aim")
        assert page.status == 200
        return page.text
    finally:
        await reader.close()


async def test_a_chinese_reader_gets_the_english_answer_translated_and_marked(
    translating: Served, typed: World, provider: FakeLibreTranslate, texts: Catalogues
) -> None:
    html = await _aim(translating, typed, "li")
    label = texts.gettext("zh_Hans", LABEL)
    assert label != LABEL
    assert VISION_EN in html  # as typed, always
    shown = f'<span class="tag">{label}</span> <span lang="zh-Hans">{translated(VISION_EN, "zh")}'
    assert shown in html
    assert translated(VISION_ZH, "zh") not in html  # her own language: nothing to translate
    assert str(escape(translated(MARKUP, "zh"))) in html and "<script>" not in html
    assert all(request["api_key"] == API_KEY for request in provider.requests)
    assert {text for r in provider.requests for text in r["q"]} == {VISION_EN, MARKUP}


async def test_each_text_is_sent_once_then_remembered(
    translating: Served, typed: World, provider: FakeLibreTranslate
) -> None:
    first = await _aim(translating, typed, "li")
    asked = len(provider.requests)
    again = await _aim(translating, typed, "wang")  # another reader of the same language
    assert len(provider.requests) == asked == 1
    assert translated(VISION_EN, "zh") in first and translated(VISION_EN, "zh") in again
    english = await _aim(translating, typed, "anna")  # an English reader: the Chinese one
    assert translated(VISION_ZH, "en") in english and translated(VISION_EN, "en") not in english
    assert len(provider.requests) == 2


async def test_a_failing_server_leaves_the_text_as_typed_and_rests(
    translating: Served, typed: World, provider: FakeLibreTranslate, hands: SetClock
) -> None:
    provider.garbage = "html"
    html = await _aim(translating, typed, "li")
    assert VISION_EN in html and 'class="machine"' not in html
    await _aim(translating, typed, "li")
    assert len(provider.requests) == 1  # resting: the second page did not wait for it

    provider.garbage = None
    hands.now += RESTING + timedelta(seconds=1)
    html = await _aim(translating, typed, "li")
    assert len(provider.requests) == 2 and translated(VISION_EN, "zh") in html


async def test_without_a_translation_server_there_is_none(
    served: Served, world: World, database: Database
) -> None:
    html = await _aim(served, await _typed(world, database), "li")
    assert VISION_EN in html and 'class="machine"' not in html


async def test_only_a_deployment_with_a_translation_server_asks_for_consent_again(
    translating: Served, served: Served, world: World, texts: Catalogues
) -> None:
    """Its notice now says that answers go to the translation server, so it has a version
    of its own (``TRANSLATED_NOTICE_VERSION``); everywhere else the notice is unchanged
    and nobody who consented to it is asked again."""
    told = texts.gettext("en", notice.VERSION).format(version=notice.TRANSLATED_NOTICE_VERSION)
    sven = Driver(translating.bot, "sven")
    await sven.send("/status")
    assert told in sven.text and "translation server" in sven.text
    unchanged = Driver(served.bot, "anna")
    await unchanged.send("/status")
    assert notice.NOTICE_VERSION != notice.TRANSLATED_NOTICE_VERSION
    assert "translation server" not in unchanged.text and told not in unchanged.text
