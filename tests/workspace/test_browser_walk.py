"""The workspace walked in headless Chromium on a phone's screen, as its readers use it.

Li, a Shanghai official, asks for a link in her chat, signs in, and reads Gothenburg's
Aim answers next to Shanghai's in Chinese. A coordinator opens every page in English and
in Chinese: each passes axe-core with no serious or critical violation, fits a 390×844
screen, and is photographed for review (``tests/workspace/page_checks.py``). A member
of another partnership gets the "not found" page for this one.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, expect
from sqlalchemy import select

from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import City, InviteCode, Partnership
from c2cbot.web import workspace_pages
from tests.conftest import make_invite
from tests.scheduling.conftest import World, add_person, utc
from tests.workspace import test_pages
from tests.workspace.conftest import Served, on_a_phone, phone
from tests.workspace.page_checks import (
    SCREENSHOTS,
    check_page,
    violations,
)
from tests.workspace.records import kpi_plan, kpi_value, meeting, tracked
from tests.workspace.test_pages import VISION_ZH

pytestmark = pytest.mark.browser
answered = test_pages.answered  # both cities' answers, activities, a question waiting


@pytest.fixture
async def worked(answered: World, database: Database) -> World:
    """And a KPI both cities reported, a past meeting with an action item, one coming,
    and an invite code Anna can revoke."""
    p = answered.partnership_id
    kpi = await kpi_plan(database, p, "joint_projects", "Joint projects", target=Decimal(50))
    for period, sven, li in (("2026-Q1", 12, 30), ("2026-Q2", 20, 34)):
        await kpi_value(database, kpi, period, answered.sven, sven, at=utc(2026, 4, 2))
        await kpi_value(database, kpi, period, answered.li, li, at=utc(2026, 4, 3))
    held = await meeting(database, p, answered.wang, language="zh_Hans")
    await tracked(database, p, "互派青年交流团", owner=answered.li, meeting_id=held, percent=40)
    async with database.transaction() as session:
        session.add(
            Meeting(
                partnership_id=p,
                recorded_by=answered.anna,
                kind="bilateral",
                starts_at=utc(2026, 6, 9, 7),
                timezone="Europe/Stockholm",
                place="Gothenburg City Hall",
                participants=[],
                agenda=["Youth exchange 2027"],
                decisions=[],
                language="en",
                confirmed_at=utc(2026, 5, 1),
            )
        )
    await make_invite(database, role="member")
    return answered


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


async def test_a_shanghai_official_reads_aim_side_by_side_opens_the_kpis_and_the_workbook(
    served: Served, worked: World, chromium: Browser, texts: Catalogues, axe: str
) -> None:
    li = await on_a_phone(served, chromium, "li", "zh-CN")
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

    await (
        li.locator("nav.sections")
        .get_by_role("link", name=texts.gettext("zh_Hans", "KPIs"))
        .click()
    )
    chart = li.locator("section.kpi svg[role=img]").first
    await expect(chart).to_be_visible()
    await expect(chart.locator("title")).to_contain_text(texts.gettext("zh_Hans", "Joint projects"))
    await expect(li.locator("section.kpi table")).to_contain_text("Sven")  # who reported
    await check_page(li, axe, "li-kpis-zh_Hans")

    downloads = texts.gettext("zh_Hans", "Downloads")
    await li.locator("nav.sections").get_by_role("link", name=downloads).click()
    async with li.expect_download() as downloading:
        await li.locator("#answers ~ ul a", has_text="简体中文").click()
    saved = await (await downloading.value).path()
    book = load_workbook(BytesIO(await asyncio.to_thread(Path(saved).read_bytes)))
    aim_sheet = texts.gettext("zh_Hans", "Aim")
    assert aim_sheet in book.sheetnames
    cells = [str(c.value) for row in book[aim_sheet].iter_rows() for c in row]
    assert "A green port city for everyone." in cells and "哥德堡" in cells and "上海" in cells


async def test_a_gothenburg_coordinator_revokes_an_invite_and_opens_the_report(
    served: Served, worked: World, chromium: Browser, database: Database, axe: str
) -> None:
    anna = await on_a_phone(served, chromium, "anna", "en-GB")
    await anna.get_by_role("link", name="Gothenburg–Shanghai").click()
    await anna.locator("nav.sections").get_by_role("link", name="People and invites").click()
    code = (await anna.locator("table.invites tbody th code").first.inner_text()).strip()
    await anna.get_by_role("button", name=f"Revoke {code}").click()
    await expect(anna.locator(".notice")).to_contain_text(code)
    async with database.sessions() as session:
        invite = await session.scalar(select(InviteCode).where(InviteCode.code == code))
        assert invite is not None and invite.revoked_at is not None
    await check_page(anna, axe, "anna-people-revoked-en")

    await anna.locator("nav.sections").get_by_role("link", name="Downloads").click()
    await anna.locator("#report ~ ul a").first.click()
    report = anna.locator("article.report")
    await expect(report.locator("h1")).to_contain_text("Partnership report")
    await expect(report.locator("h1")).to_contain_text("合作项目报告")
    for section in ("Cooperation plan", "KPIs against targets", "Activities", "Meetings"):
        await expect(report.locator("h2", has_text=section)).to_have_count(1)
    await check_page(anna, axe, "anna-report-en-zh_Hans")
    await anna.emulate_media(media="print")
    await expect(anna.locator("header.bar")).to_be_hidden()
    await anna.screenshot(path=str(SCREENSHOTS / "anna-report-print.png"), full_page=True)


async def test_every_page_is_accessible_and_fits_a_phone_in_both_languages(
    served: Served, worked: World, chromium: Browser, axe: str
) -> None:
    anna = await on_a_phone(served, chromium, "anna", "en-GB")
    for language in LANGUAGES:
        for name, path in PAGES.items():
            url = served.base + path.format(p=worked.partnership_id) + f"?lang={language}"
            response = await anna.goto(url)
            assert response is not None and response.status == 200, url
            await expect(anna.locator("html")).to_have_attribute("lang", language.replace("_", "-"))
            await check_page(anna, axe, f"{name}-{language}")


async def test_a_member_of_another_partnership_gets_not_found(
    served: Served, answered: World, chromium: Browser, database: Database, axe: str
) -> None:
    other = await _outsider(database)
    page = await on_a_phone(served, chromium, other, "de-DE")
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
    _context, page = await phone(chromium, "en-GB")
    await page.set_content('<html lang="en"><body><img src="x.png"><button></button></body></html>')
    found = {v["id"] for v in await violations(page, axe)}
    assert {"image-alt", "button-name"} <= found
