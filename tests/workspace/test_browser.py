"""The workspace in a real browser (Debian's headless Chromium), on a phone's screen: a
person of the Shanghai side joins in the browser chat, sends /web, taps the link, signs
in with the button, reads the overview and a step, and signs out.

Chromium sends ``Origin: null`` on a form's POST from a page whose referrer policy is
``no-referrer``; this walk shows the workspace's forms are accepted all the same.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from c2cbot.flows.commands import workspace
from c2cbot.i18n import Catalogues
from c2cbot.web import workspace_pages
from tests.web import test_browser_chat as browser_chat
from tests.web.test_browser_chat import Chats, onboard_in_chinese, say
from tests.workspace.page_checks import PHONE

pytestmark = pytest.mark.browser
browser = browser_chat.browser  # the browser chat's fixtures: Chromium, and tabs on /chat
chats = browser_chat.chats


async def _fits_the_screen(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


async def test_a_phone_signs_in_from_the_chat_reads_and_signs_out(
    chats: Chats, invite: str, texts: Catalogues
) -> None:
    chat = await chats.open("zh-CN")
    await onboard_in_chinese(chat, invite)
    await say(chat, "/web")
    link = chat.locator("#log a.link")
    await expect(link).to_have_text(texts.gettext("zh_Hans", workspace.LINK_LABEL))
    assert re.fullmatch(r"/p/sign-in/[A-Za-z0-9_-]{43}", await link.get_attribute("href") or "")

    async with chat.context.expect_page() as opened:
        await link.click()
    page = await opened.value
    await page.set_viewport_size(PHONE)
    await page.get_by_role("button", name=texts.gettext("zh_Hans", workspace.LINK_LABEL)).click()
    await expect(page).to_have_url(re.compile(r"/p/$"))
    await expect(page.locator(".who")).to_have_text("李华")
    await _fits_the_screen(page)

    await page.get_by_role("link", name="哥德堡–上海").click()
    await expect(page.locator("h1")).to_have_text("哥德堡–上海")
    await expect(page.locator("table.matrix tbody tr")).to_have_count(8)
    await _fits_the_screen(page)
    await page.screenshot(path="/tmp/workspace-overview-zh.png", full_page=True)

    await page.locator("table.matrix a").first.click()
    await expect(page.locator("section.question").first).to_be_visible()
    await _fits_the_screen(page)

    await page.get_by_role("button", name=texts.gettext("zh_Hans", "Sign out")).click()
    await expect(page).to_have_url(re.compile(r"/p/signed-out$"))
    await page.goto(page.url.replace("/p/signed-out", "/p/"))
    title = texts.gettext("zh_Hans", workspace_pages.SIGN_IN.title)
    await expect(page.locator("h1")).to_have_text(title)
