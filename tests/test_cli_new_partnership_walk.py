"""A partnership that is not in the reference data, set up from the command line as an
operator does (real `c2cbot` processes), and walked in the browser chat (real Chromium):
`c2cbot cities add`, `c2cbot partnerships add`, `c2cbot invite --partnership <a city>`,
then a coordinator onboards with that code, picks the new city and answers in Aim."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.models import Answer, Membership, Partnership, Stakeholder
from tests.test_cli import run
from tests.web.test_browser_chat import (  # the browser chat's driver and its fixtures
    Chats,
    asked,
    browser,  # noqa: F401
    chats,  # noqa: F401
    current_buttons,
    say,
)

pytestmark = pytest.mark.browser

VISION = "A fjord-to-river exchange on clean water, open to every school."


def set_up_from_the_command_line(settings: Settings) -> str:
    """The operator's three commands; the invite code they print."""
    env = {"C2C_DATABASE_URL": settings.database_url}
    city = run("cities", "add", "vaxjo", "--en", "Växjö", "--zh", "韦克舍", "--country", "SE",
               "--timezone", "Europe/Stockholm", env=env)  # fmt: skip
    assert city.returncode == 0, city.stderr
    assert "SEK" in city.stdout
    added = run("partnerships", "add", "--city", "vaxjo", "--city", "Wuhan", env=env)
    assert added.returncode == 0, added.stderr
    invite = run("invite", "--partnership", "Växjö", "--role", "coordinator", env=env)
    assert invite.returncode == 0, invite.stderr
    return invite.stdout.strip()


async def test_a_partnership_added_from_the_command_line_is_walked_in_the_browser_chat(
    settings: Settings,
    bot: Bot,
    chats: Chats,  # noqa: F811
) -> None:
    code = set_up_from_the_command_line(settings)

    page = await chats.open("en-GB")
    await say(page, "hello")
    await page.get_by_role("button", name="English").click()
    await asked(page, "2/8")  # consent to the privacy notice
    await current_buttons(page).filter(has_text=re.compile(r"^Yes$")).click()
    await asked(page, "3/8")
    await say(page, code)
    await asked(page, "4/8")
    await expect(page.locator("#log")).to_contain_text("Växjö–Wuhan")
    await say(page, "Karin Lund")
    await asked(page, "5/8")
    await current_buttons(page).filter(has_text=re.compile(r"^Växjö$")).click()
    await asked(page, "6/7")  # Växjö: no transfer out of China to consent to
    await say(page, "Växjö kommun")
    await asked(page, "7/7")
    await current_buttons(page).first.click()
    await current_buttons(page).filter(has_text=re.compile(r"^Aim")).click()
    await asked(page, "1/12")
    await say(page, VISION)
    await asked(page, "2/12")

    async with bot.database.sessions() as session:
        partnership = (
            await session.execute(select(Partnership).filter_by(key="vaxjo_wuhan"))
        ).scalar_one()
        member = (
            await session.execute(select(Membership).filter_by(partnership_id=partnership.id))
        ).scalar_one()
        karin = await session.get_one(Stakeholder, member.stakeholder_id)
        answers = (
            await session.execute(select(Answer).filter_by(stakeholder_id=karin.id))
        ).scalars()
        given = {(a.conversation, a.question): a for a in answers}
    assert partnership.name == "Växjö–Wuhan" and member.role == "coordinator"
    assert karin.name == "Karin Lund" and given["onboarding", "city"].display == "Växjö"
    assert given["aim", "vision"].display == VISION
    assert given["aim", "vision"].partnership_id == partnership.id

    people = run("people", "list", "--partnership", "vaxjo", env={
        "C2C_DATABASE_URL": settings.database_url})  # fmt: skip
    assert "Karin Lund" in people.stdout and "Växjö–Wuhan: coordinator" in people.stdout
