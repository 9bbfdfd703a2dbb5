"""The chat page meets the browser chat's limits gracefully: a third tab of one browser
still shows new messages (only later), and a message sent too fast says so politely in
the page's language and stays in the box to send again."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.flows.messages import Outbound
from c2cbot.runtime import Bot
from c2cbot.store.models import ChannelIdentity
from c2cbot.web.limits import TOO_FAST, TOO_MANY_TABS
from tests.web import test_browser_chat
from tests.web.test_browser_chat import Chats, say

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


async def bot_says(bot: Bot, text: str) -> None:
    """A message from the bot to the one browser there is, through the outbox."""
    async with bot.database.sessions() as session:
        query = select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "web")
        chat_id = (await session.execute(query)).scalar_one()
    async with bot.store.transaction() as ledger:
        await ledger.outbox.enqueue_all("web", chat_id, None, [Outbound(text, language="de")])


async def test_a_message_sent_too_fast_is_refused_politely(bot: Bot, chats: Chats) -> None:
    page = await chats.open("de-DE")
    for text in ("hallo", "noch einmal", "zu schnell"):  # faster than a person types
        await say(page, text)
    status, refused = page.locator("#status"), bot.texts.gettext("de", TOO_FAST)
    await expect(status).to_have_text(refused)
    await expect(status).to_have_class("status status--error")
    failed = page.locator(".message--failed .bubble")
    await expect(failed).to_have_count(1)
    await expect(page.locator("#input")).to_have_value(await failed.inner_text())

    await bot_says(bot, "Später noch eine Nachricht")
    await expect(page.locator("#log")).to_contain_text("Später noch eine Nachricht")
    await expect(status).to_have_text(refused)  # a reply coming in does not hide why
