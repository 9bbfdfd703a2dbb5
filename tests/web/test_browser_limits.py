"""The chat page meets the browser chat's limits gracefully: a third tab of one browser
still shows new messages (only later), and a message sent too fast says so politely in
the page's language and stays in the box to send again."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.web.limits import TOO_FAST, TOO_MANY_TABS
from tests.web import test_browser_chat
from tests.web.test_browser_chat import Chats, bot_messages, say, user_bubbles

browser, chats = test_browser_chat.browser, test_browser_chat.chats
pytestmark = pytest.mark.browser
LATER_MS = 15_000  # a refused tab looks again after the 5 s it is asked to wait, and a bit


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Two messages at once, then one a minute: the third message of a test is refused."""
    return Settings(
        database_url=database_url,
        web_message_burst=2,
        web_messages_per_minute=1,
        _env_file=None,  # type: ignore[call-arg]
    )


async def tab(page: Page, chats: Chats) -> Page:
    """Another tab of the browser ``page`` is in: the same cookie, the same person."""
    other = await page.context.new_page()
    await other.goto(chats.url)
    return other


async def test_a_third_tab_is_told_and_still_sees_new_messages(bot: Bot, chats: Chats) -> None:
    first = await chats.open("en-GB")
    second, third = await tab(first, chats), await tab(first, chats)
    status = third.locator("#status")
    await expect(status).to_have_text(bot.texts.gettext("en", TOO_MANY_TABS))
    await expect(status).not_to_have_class("status status--warning")

    await say(first, "hello")
    for page in (first, second, third):
        await expect(page.get_by_role("button", name="English")).to_be_visible(timeout=LATER_MS)


async def test_a_message_sent_too_fast_is_refused_politely(bot: Bot, chats: Chats) -> None:
    page = await chats.open("de-DE")
    await say(page, "hallo")
    await expect(bot_messages(page)).not_to_have_count(0)
    await say(page, "noch einmal")
    await expect(user_bubbles(page)).to_have_count(2)
    await say(page, "zu schnell")

    await expect(page.locator("#status")).to_have_text(bot.texts.gettext("de", TOO_FAST))
    await expect(page.locator("#status")).to_have_class("status status--error")
    await expect(page.locator(".message--failed")).to_have_count(1)
    await expect(page.locator("#input")).to_have_value("zu schnell")
