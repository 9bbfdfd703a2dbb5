"""Issue 13's chat friction in the browser chat, as a coordinator meets it: /invite gives
what it promises, the multiple choice speaks of buttons only, a typed choice is read
back, and an over-long answer is kept with one click instead of being lost.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from c2cbot.runtime import Bot
from tests.web import test_browser_chat
from tests.web.test_browser_chat import (
    Chats,
    asked,
    current_buttons,
    last_bot,
    say,
    stored_answers,
)

# Chromium and the chat page on a loopback port, as the browser chat tests make them.
browser, chats = test_browser_chat.browser, test_browser_chat.chats
pytestmark = pytest.mark.browser
SENTENCE = "Our city grows greener every year, with parks along the river. "  # 63 characters


async def onboard_in_english(page: Page, invite: str) -> None:
    await say(page, "hello")
    await page.get_by_role("button", name="English").click()
    await asked(page, "2/8")  # consent to the privacy notice
    await current_buttons(page).filter(has_text=re.compile(r"^Yes$")).click()
    await asked(page, "3/8")
    await say(page, invite)
    await asked(page, "4/8")
    await say(page, "Erik Berg")
    await asked(page, "5/8")
    await current_buttons(page).filter(has_text=re.compile(r"^Gothenburg$")).click()
    await asked(page, "6/7")  # Gothenburg: no transfer out of China to consent to
    await say(page, "City of Gothenburg")
    await asked(page, "7/7")
    await current_buttons(page).first.click()


async def test_invite_long_answers_and_typed_choices_in_the_browser(
    bot: Bot, chats: Chats, invite: str
) -> None:
    page = await chats.open("en-GB")
    await onboard_in_english(page, invite)
    await expect(current_buttons(page)).to_have_count(8)

    await say(page, "/invite")
    await expect(last_bot(page)).to_contain_text("Invite code:")
    log = await page.locator("#log").inner_text()
    assert "Invite code:" in log and "link below" not in log and "open this link" not in log

    await current_buttons(page).filter(has_text=re.compile(r"^Aim")).click()
    await asked(page, "1/12")
    await expect(last_bot(page)).to_contain_text("Up to 1000 characters.")
    await say(page, SENTENCE * 80)
    await expect(last_bot(page)).to_contain_text("Your answer has 5039 characters")
    await current_buttons(page).filter(has_text="Keep the first 944 characters").click()
    await asked(page, "2/12")
    question = await last_bot(page).inner_text()
    assert "1 3 4" not in question and "numbers" not in question
    await say(page, "2 3")
    await asked(page, "3/12")
    await expect(page.locator("#log")).to_contain_text("Noted: Urban mobility, Water")

    rows = {a.question: a for a in await stored_answers(bot) if a.conversation == "aim"}
    assert rows["vision"].display == (SENTENCE * 15).rstrip()
    assert rows["challenges"].value["value"] == ["mobility", "water"]
