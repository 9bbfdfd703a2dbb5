"""The browser chat, driven like a newcomer would use it: real page, real Chromium.

The bot runs on a free loopback port with a fresh seeded SQLite database; the
browser talks to it only through the page and its script.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)
from sqlalchemy import select

from c2cbot.runtime import Bot
from c2cbot.store.models import Answer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
VIEWPORT: ViewportSize = {"width": 720, "height": 900}
SCREENSHOT = Path("/tmp/chat-zh.png")
VISION = "一座绿色、开放、宜居的国际化城市。\n人人都能参与。"
# Stored as answers: the language, chosen before consent, is a profile setting only.
ONBOARDING = ("consent", "name", "city", "consent_abroad", "organisation", "helix_role")
HOSTILE = "<b>x</b><script>alert(1)</script>"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _require_sqlite(bot: Bot) -> None:
    if not bot.settings.database_url.startswith("sqlite"):
        pytest.skip("browser tests run on SQLite only; the engine is tested on both elsewhere")


@pytest.fixture
async def browser(bot: Bot) -> AsyncIterator[Browser]:
    _require_chromium()
    _require_sqlite(bot)
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
    finally:
        await playwright.stop()


class Chats:
    """Browser tabs on the chat page, each in its own context (its own cookie, its own person)."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.browser, self.url = browser, url
        self.contexts: list[BrowserContext] = []

    async def open(self, locale: str) -> Page:
        context = await self.browser.new_context(locale=locale, viewport=VIEWPORT)
        self.contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(self.url)
        return page

    async def close(self) -> None:
        """Close the tabs; ``bot.stop()`` then ends any long poll still open."""
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def chats(bot: Bot, browser: Browser) -> AsyncIterator[Chats]:
    chats = Chats(browser, await bot.start("127.0.0.1", 0) + "/chat")
    yield chats
    await chats.close()


async def say(page: Page, text: str) -> None:
    """Type into the message box and press Enter, as a person would."""
    await page.locator("#input").fill(text)
    await page.locator("#input").press("Enter")


def bot_messages(page: Page) -> Locator:
    return page.locator("#log .message--bot")


def user_bubbles(page: Page) -> Locator:
    return page.locator("#log .message--user .bubble")


def last_bot(page: Page) -> Locator:
    return bot_messages(page).last


def current_buttons(page: Page) -> Locator:
    """The buttons of the newest bot message that has any."""
    return page.locator("#log .message--bot .choices").last.get_by_role("button")


async def asked(page: Page, progress: str) -> None:
    """Wait until the bot's newest message is question ``progress`` (such as ``3/8``)."""
    await expect(last_bot(page)).to_contain_text(progress, timeout=TIMEOUT_MS)


async def onboard_in_chinese(page: Page, invite: str) -> None:
    await say(page, "你好")
    await page.get_by_role("button", name="简体中文").click()
    await asked(page, "2/8")  # consent to the privacy notice
    await current_buttons(page).filter(has_text=re.compile(r"^是$")).click()
    await asked(page, "3/8")
    await say(page, invite)
    await asked(page, "4/8")
    await say(page, "李华")
    await asked(page, "5/8")
    await current_buttons(page).filter(has_text=re.compile(r"^上海$")).click()
    await asked(page, "6/8")  # Shanghai is in China: consent to the transfer abroad
    await current_buttons(page).filter(has_text=re.compile(r"^是$")).click()
    await asked(page, "7/8")
    await say(page, "上海市外事办公室")
    await asked(page, "8/8")
    await current_buttons(page).first.click()


async def toggle(page: Page, index: int) -> None:
    await current_buttons(page).nth(index).click()
    await expect(current_buttons(page).nth(index)).to_have_attribute("aria-pressed", "true")


async def answer_first_aim_questions(page: Page) -> None:
    await current_buttons(page).filter(has_text=re.compile(r"^(Aim|目标)")).click()
    await asked(page, "1/12")
    await say(page, VISION)
    await asked(page, "2/12")
    await expect(current_buttons(page)).to_have_count(13)
    await toggle(page, 0)
    await toggle(page, 1)
    await current_buttons(page).last.click()
    await asked(page, "3/12")


async def stored_answers(bot: Bot) -> list[Answer]:
    async with bot.database.sessions() as session:
        return list((await session.execute(select(Answer).order_by(Answer.id))).scalars())


def assert_stored(rows: list[Answer]) -> None:
    """Onboarding and the first two Aim answers are saved, in Chinese, from the web chat."""
    answers = {(a.conversation, a.question): a for a in rows}
    expected = {("onboarding", q) for q in ONBOARDING} | {("aim", "vision"), ("aim", "challenges")}
    assert expected <= set(answers), sorted(answers)
    assert answers["onboarding", "name"].display == "李华"
    assert answers["onboarding", "city"].display == "上海"
    assert answers["onboarding", "organisation"].display == "上海市外事办公室"
    assert answers["aim", "vision"].display == VISION
    assert len(answers["aim", "challenges"].value["value"]) == 2
    assert {a.language for a in rows} == {"zh_Hans"}
    assert {a.channel for a in rows} == {"web"}


async def test_a_newcomer_onboards_and_starts_aim_in_chinese(
    bot: Bot, chats: Chats, invite: str
) -> None:
    page = await chats.open("zh-CN")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    await onboard_in_chinese(page, invite)

    menu = current_buttons(page)
    await expect(menu).to_have_count(8)
    await expect(menu.first).to_have_text(re.compile(r"^(Aim|目标)"))
    log = await page.locator("#log").inner_text()
    assert "李华" in log
    assert "/steps" in log

    await answer_first_aim_questions(page)
    await page.screenshot(path=str(SCREENSHOT))

    assert_stored(await stored_answers(bot))


async def test_multi_choice_toggles_replace_the_question_instead_of_piling_up(
    chats: Chats, invite: str
) -> None:
    page = await chats.open("zh-CN")
    await onboard_in_chinese(page, invite)
    await current_buttons(page).filter(has_text=re.compile(r"^(Aim|目标)")).click()
    await asked(page, "1/12")
    await say(page, "绿色城市")
    await asked(page, "2/12")
    counts = await bot_messages(page).count(), await user_bubbles(page).count()
    await toggle(page, 0)
    await toggle(page, 2)
    await expect(current_buttons(page).nth(0)).to_have_text(re.compile(r"^☑ "))
    await expect(current_buttons(page).nth(1)).to_have_attribute("aria-pressed", "false")
    await expect(page.locator("#log button:enabled")).to_have_count(13)
    await expect(page.locator("#log .choices").first.get_by_role("button").first).to_be_disabled()
    assert (await bot_messages(page).count(), await user_bubbles(page).count()) == counts


async def assert_shown_literally(page: Page, text: str) -> None:
    log = page.locator("#log")
    await expect(user_bubbles(page).first).to_have_text(text)
    assert text in await log.inner_text()
    assert await log.locator("b", has_text="x").count() == 0
    assert await log.locator("script").count() == 0


async def test_b_html_in_a_message_is_shown_as_text(chats: Chats) -> None:
    page = await chats.open("en-GB")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await say(page, HOSTILE)
    await expect(page.get_by_role("button", name="English")).to_be_visible()
    await assert_shown_literally(page, HOSTILE)

    await page.reload()
    await expect(page.get_by_role("button", name="English")).to_be_visible()
    await assert_shown_literally(page, HOSTILE)
    assert dialogs == []


async def test_c_a_reload_keeps_the_history_and_the_person(chats: Chats, invite: str) -> None:
    page = await chats.open("en-GB")
    await say(page, "hello")
    await page.get_by_role("button", name="English").click()
    await asked(page, "2/8")
    texts = await bot_messages(page).all_inner_texts()

    await page.reload()
    await expect(bot_messages(page)).to_have_count(len(texts))
    assert await bot_messages(page).all_inner_texts() == texts
    assert await user_bubbles(page).all_inner_texts() == ["hello", "English"]
    await expect(page.get_by_role("button", name="English")).to_be_disabled()
    await current_buttons(page).filter(has_text=re.compile(r"^Yes$")).click()
    await asked(page, "3/8")
    await say(page, invite)
    await asked(page, "4/8")
    assert await page.get_by_text("1/8").count() == 1


async def test_d_mydata_offers_a_download_link_that_gives_the_file(chats: Chats) -> None:
    page = await chats.open("de-DE")
    await say(page, "/mydata")
    link = page.locator("#log a.download")
    await link.wait_for()
    assert await link.text_content() == "Meine Daten herunterladen"
    async with page.expect_download() as downloading:
        await link.click()
    download = await downloading.value
    saved = await download.path()
    data = json.loads(await asyncio.to_thread(Path(saved).read_text, encoding="utf-8"))
    assert data["channels"][0]["channel"] == "web" and data["profile"]["language"] == "de"
    path = await link.get_attribute("href") or ""
    again = await page.context.request.get(chats.url.removesuffix("/chat") + path)
    assert again.status == 404  # the link worked once
