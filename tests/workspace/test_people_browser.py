"""The coordinators' people page in a real browser (Debian's headless Chromium) on a
phone's screen: Anna makes an invite code with the form, reads it once, revokes it with
its button, and gives Sven a role; nothing makes the page wider than the phone."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from c2cbot.store.database import Database
from c2cbot.store.models import InviteCode, Membership
from tests.scheduling.conftest import World
from tests.workspace.conftest import Served, sign_in_link
from tests.workspace.page_checks import PHONE

pytestmark = pytest.mark.browser


async def _fits_the_screen(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


async def test_a_coordinator_on_a_phone_invites_revokes_and_changes_a_role(
    served: Served, world: World, chromium: Browser, database: Database
) -> None:
    page = await chromium.new_page(viewport=PHONE, locale="en-GB")
    await page.goto(served.base + await sign_in_link(served, "anna"))
    await page.locator("main form button").click()
    await expect(page).to_have_url(re.compile(r"/p/$"))
    people = f"{served.base}/p/{world.partnership_id}/people"
    await page.goto(people)
    await expect(page.locator("table.people tbody tr")).to_have_count(4)
    await _fits_the_screen(page)

    await page.get_by_label(re.compile("People who may join")).fill("2")
    await page.get_by_role("button", name="Make an invite code").click()
    code = (await page.locator(".new-code code").inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{14}", code)
    await _fits_the_screen(page)
    await page.screenshot(path="/tmp/workspace-people-en.png", full_page=True)

    await page.get_by_role("button", name=f"Revoke {code}").click()
    await expect(page.locator(".notice")).to_contain_text(f"The invite code {code} is revoked")
    await expect(page.locator(".new-code")).to_have_count(0)

    await page.get_by_label("Role of Sven").select_option("coordinator")
    await (
        page.locator("form.role-form", has=page.get_by_label("Role of Sven"))
        .locator("button")
        .click()
    )
    await expect(page.locator(".notice")).to_contain_text("Sven is now coordinator.")
    await _fits_the_screen(page)
    async with database.sessions() as session:
        invite = await session.get_one(InviteCode, code)
        assert invite.revoked_at is not None and invite.uses_left == 2
        role = await session.scalar(
            select(Membership.role).where(Membership.stakeholder_id == world.sven)
        )
        assert role == "coordinator"
