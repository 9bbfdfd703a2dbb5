"""The downloads page and the report in a real browser (Debian's headless Chromium): on
a phone's screen nothing scrolls sideways, and printed the report leaves the site's bars
out and starts each section on a new A4 page, so "Save as PDF" makes a clean document.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser as Chromium
from playwright.async_api import async_playwright

from c2cbot.store.database import Database
from tests.scheduling.conftest import World
from tests.web.test_browser_chat import CHROMIUM, CHROMIUM_ARGS, _require_chromium
from tests.workspace.conftest import Browsers, Served
from tests.workspace.test_downloads import answered

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
__all__ = ["answered"]


@pytest.fixture
async def chromium(database: Database) -> AsyncIterator[Chromium]:
    _require_chromium()
    if not database.engine.url.drivername.startswith("sqlite"):
        pytest.skip("browser tests run on SQLite only")
    playwright = await async_playwright().start()
    try:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()
    finally:
        await playwright.stop()


async def test_the_report_fits_a_phone_and_prints_section_by_section(
    served: Served, answered: World, browsers: Browsers, chromium: Chromium
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    context = await chromium.new_context(viewport=PHONE)
    secret = sven.cookie()
    assert secret is not None
    await context.add_cookies(
        [{"name": "c2c_workspace", "value": secret, "url": served.base + "/p/"}]
    )
    page = await context.new_page()
    p = answered.partnership_id
    for path in (f"/p/{p}/downloads", f"/p/{p}/report?languages=en,zh_Hans"):
        await page.goto(served.base + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    assert await page.locator("header.bar").is_visible()

    await page.emulate_media(media="print")
    for hidden in ("header.bar", "footer.foot", "nav.crumbs", ".print-hint"):
        assert not await page.locator(hidden).is_visible(), hidden
    assert await page.locator("article.report h1").is_visible()
    pdf = await page.pdf(format="A4", print_background=False)
    await context.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 2  # the plan starts on a page of its own
