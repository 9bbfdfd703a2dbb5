"""The downloads page and the report in a real browser (Debian's headless Chromium): on
a phone's screen nothing scrolls sideways, and printed the report leaves the site's bars
out and starts each section on a new A4 page, so "Save as PDF" makes a clean document.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser as Chromium

from tests.scheduling.conftest import World
from tests.workspace.conftest import Browsers, Served
from tests.workspace.page_checks import PHONE
from tests.workspace.test_downloads import answered

pytestmark = pytest.mark.browser
__all__ = ["answered"]


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
