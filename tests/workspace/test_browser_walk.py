"""The workspace walked in headless Chromium on a phone's screen, as its readers use it.

Li, a Shanghai official, asks for a link in her chat, signs in, and reads Gothenburg's
Aim answers next to Shanghai's in Chinese. A coordinator opens every page in English and
in Chinese: each passes axe-core with no serious or critical violation, fits a 390×844
screen, and is photographed for review (``tests/workspace/page_checks.py``). A member
of another partnership gets the "not found" page for this one.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from sqlalchemy import select

from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.models import City, Partnership
from c2cbot.web import workspace_pages
from tests.scheduling.conftest import World, add_person
from tests.web.test_browser_chat import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _require_chromium
from tests.workspace import test_pages
from tests.workspace.conftest import Served, sign_in_link
from tests.workspace.page_checks import PHONE, check_page, require_axe, violations
from tests.workspace.test_pages import VISION_ZH

pytestmark = pytest.mark.browser
answered = test_pages.answered  # both cities' answers, activities, a question waiting

#: Every page of a partnership a coordinator can open, by a short name for screenshots.
PAGES = {
    "list": "/p/",
    "overview": "/p/{p}/",
    "step-aim": "/p/{p}/steps/aim",
    "step-plan": "/p/{p}/steps/plan",
    "completion-aim": "/p/{p}/steps/aim/completion",
    "kpis": "/p/{p}/kpis",
    "activities": "/p/{p}/activities",
    "people": "/p/{p}/people",
    "downloads": "/p/{p}/downloads",
    "report": "/p/{p}/report",
    "meetings": "/p/{p}/meetings",
}
LANGUAGES = ("en", "zh_Hans")


@pytest.fixture
async def chromium(served: Served) -> AsyncIterator[Browser]:
    _require_chromium()
    if not served.bot.settings.database_url.startswith("sqlite"):
        pytest.skip("browser tests run on SQLite only; the pages are tested on both elsewhere")
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
    finally:
        await playwright.stop()


@pytest.fixture
def axe() -> str:
    return require_axe()


async def _phone(browser: Browser, locale: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(locale=locale, viewport=PHONE, accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


async def _signed_in(served: Served, browser: Browser, person: str, locale: str) -> Page:
    """``person`` sends /web in their chat, opens the link on a phone and presses the button."""
    link = await sign_in_link(served, person)
    _context, page = await _phone(browser, locale)
    await page.goto(served.base + link)
    await page.get_by_role("button").click()
    await expect(page).to_have_url(re.compile(r"/p/$"))
    return page


async def test_a_shanghai_official_reads_gothenburgs_aim_next_to_shanghais_in_chinese(
    served: Served, answered: World, chromium: Browser, texts: Catalogues, axe: str
) -> None:
    li = await _signed_in(served, chromium, "li", "zh-CN")
    await li.get_by_role("link", name="哥德堡–上海").click()
    aim = texts.gettext("zh_Hans", "Aim")
    await li.locator("table.matrix").get_by_role("link", name=aim).click()
    vision = li.locator("section.question").first
    columns = vision.locator(".city")
    await expect(columns.nth(0).locator("h3")).to_have_text("哥德堡")
    await expect(columns.nth(0).locator(".value")).to_have_text("A green port city for everyone.")
    await expect(columns.nth(1).locator("h3")).to_have_text("上海")
    await expect(columns.nth(1).locator(".value")).to_contain_text(VISION_ZH.split("\n")[0])
    await expect(vision.locator(".typed").first).to_contain_text("English")
    await check_page(li, axe, "li-step-aim-zh_Hans")


async def test_every_page_is_accessible_and_fits_a_phone_in_both_languages(
    served: Served, answered: World, chromium: Browser, axe: str
) -> None:
    anna = await _signed_in(served, chromium, "anna", "en-GB")
    for language in LANGUAGES:
        for name, path in PAGES.items():
            url = served.base + path.format(p=answered.partnership_id) + f"?lang={language}"
            response = await anna.goto(url)
            assert response is not None and response.status == 200, url
            await expect(anna.locator("html")).to_have_attribute("lang", language.replace("_", "-"))
            await check_page(anna, axe, f"{name}-{language}")


async def test_a_member_of_another_partnership_gets_not_found(
    served: Served, answered: World, chromium: Browser, database: Database, axe: str
) -> None:
    other = await _outsider(database)
    page = await _signed_in(served, chromium, other, "de-DE")
    response = await page.goto(f"{served.base}/p/{answered.partnership_id}/")
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_have_text("Seite nicht gefunden")
    assert workspace_pages.NOT_FOUND.status == 404
    await check_page(page, axe, "not-found-de")


async def _outsider(database: Database) -> str:
    """Jonas, a member of Bonn–Chengdu only."""
    async with database.transaction() as session:
        bonn = await session.scalar(select(Partnership).where(Partnership.key == "bonn_chengdu"))
        assert bonn is not None
        city = await session.scalar(select(City.id).where(City.key == "bonn"))
        await add_person(session, bonn.id, "jonas", "de", int(city or 0), None, "member")
    return "jonas"


async def test_the_accessibility_check_can_fail(chromium: Browser, axe: str) -> None:
    """A page with an unlabelled image and an unnamed button: axe-core must say so."""
    _context, page = await _phone(chromium, "en-GB")
    await page.set_content('<html lang="en"><body><img src="x.png"><button></button></body></html>')
    found = {v["id"] for v in await violations(page, axe)}
    assert {"image-alt", "button-name"} <= found
