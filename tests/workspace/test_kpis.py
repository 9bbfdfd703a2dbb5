"""The KPI page: each KPI per city against its target over time, as inline SVG charts
readable in Chinese, with every reported value and who reported it, in the reader's
language and time zone; what people typed escaped; another partnership's page a 404;
and the same number of SQL statements however many KPIs and values there are.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from decimal import Decimal
from html import unescape

import pytest
from markupsafe import escape

from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.erasure import erase_person
from c2cbot.web import workspace_pages
from tests.scheduling.conftest import World, utc
from tests.workspace.conftest import Browser, Browsers, Served
from tests.workspace.records import kpi_plan, kpi_value, member
from tests.workspace.test_bad_input import _bonn_chengdu
from tests.workspace.test_queries import counting, unstarted

__all__ = ["unstarted"]  # the statement-counting test's server, without dispatcher or jobs

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
async def measured(world: World, database: Database) -> World:
    """Joint projects (target 50, baseline 10, Sven responsible) reported by both cities
    for two quarters: Gothenburg 12 then 20, Shanghai 30 (late) then a "don't know" from
    Wang and, later, "no change" from Li; trade volume in kronor and in yuan; a KPI with
    no value yet."""
    p = world.partnership_id
    projects = await kpi_plan(
        database,
        p,
        "joint_projects",
        "Joint projects",
        unit="projects",
        target=Decimal("50.0000"),
        baseline=Decimal("10.0000"),
        responsible=world.sven,
        responsible_city=world.gothenburg,
    )
    await kpi_value(database, projects, "2026-Q1", world.sven, 12, at=utc(2026, 3, 31, 20))
    await kpi_value(database, projects, "2026-Q1", world.li, 30, late=True, at=utc(2026, 4, 9))
    await kpi_value(database, projects, "2026-Q2", world.sven, 20, at=utc(2026, 5, 2, 9))
    await kpi_value(database, projects, "2026-Q2", world.li, status="no_change", at=utc(2026, 5, 3))
    await kpi_value(database, projects, "2026-Q2", world.wang, status="unknown", at=utc(2026, 5, 2))
    trade = await kpi_plan(database, p, "trade_volume", "Trade volume with the partner", "money")
    sek = {"amount": "250000", "currency": "SEK"}
    cny = {"amount": "1200000", "currency": "CNY"}
    await kpi_value(database, trade, "2026-Q1", world.anna, sek, at=utc(2026, 4, 1, 9))
    await kpi_value(database, trade, "2026-Q1", world.wang, cny, at=utc(2026, 4, 1, 9))
    await kpi_plan(database, p, "visitors", "Foreign visitors and tourists", unit="visitors")
    return world


def _section(html: str, name: str) -> str:
    start = html.index(f">{name}</h2>")
    end = html.find("</section>", start)
    return html[start:end]


def _svgs(html: str) -> list[ElementTree.Element]:
    """Every chart on the page, parsed as XML: a chart that is not well-formed fails."""
    return [ElementTree.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, re.S)]


def _rows(html: str) -> list[list[str]]:
    """The report tables' rows as the cells' texts."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [
        [unescape(re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", cell)).strip()) for cell in cells]
        for cells in (re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows)
    ]


async def test_both_cities_figures_against_the_target_in_english(
    served: Served, measured: World, browsers: Browsers
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{measured.partnership_id}/kpis")
    assert page.status == 200
    assert 'aria-current="page">KPIs</a>' in page.text  # the section is marked
    projects = _section(page.text, "Joint projects")
    for shown in ("50 projects", "10 projects", "Every quarter", "Sven (Gothenburg)"):
        assert shown in projects, shown
    rows = _rows(projects)
    assert ["Q1 2026", "Gothenburg", "12 projects", "Sven", "March 31, 2026"] in rows
    assert ["Q1 2026", "Shanghai", "30 projects", "Li", "April 9, 2026 Late"] in rows
    assert ["Q2 2026", "Shanghai", "No change", "Li", "May 3, 2026"] in rows
    assert ["Q2 2026", "Shanghai", "I don't know", "Wang", "May 2, 2026"] in rows
    [chart] = _svgs(projects)
    assert chart.get("role") == "img" and chart.get("width") == "100%"
    assert chart.findtext(f"{SVG}title") == "Joint projects"
    description = chart.findtext(f"{SVG}desc") or ""
    assert "Gothenburg: Q1 2026 12 projects, Q2 2026 20 projects" in description
    assert "Shanghai: Q1 2026 30 projects, Q2 2026 30 projects" in description  # no change
    assert "Target: 50 projects" in description
    texts = [t.text for t in chart.iter(f"{SVG}text")]
    assert {"Gothenburg", "Shanghai", "Target: 50 projects", "Q1 2026", "Q2 2026"} <= set(texts)
    assert len(list(chart.iter(f"{SVG}circle"))) == 3  # Gothenburg's 2 points and its key
    lines = [g for g in chart.iter(f"{SVG}g") if g.get("class") == "series"]
    assert len(lines) == 2 and len(list(lines[1].iter(f"{SVG}rect"))) == 2  # Shanghai's


async def test_money_is_drawn_per_currency_and_a_kpi_without_values_says_so(
    served: Served, measured: World, browsers: Browsers
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{measured.partnership_id}/kpis")
    trade = _section(page.text, "Trade volume with the partner")
    titles = sorted(chart.findtext(f"{SVG}title") or "" for chart in _svgs(trade))
    assert titles == [
        "Trade volume with the partner (CNY)",
        "Trade volume with the partner (SEK)",
    ]
    assert "<figcaption>Trade volume with the partner (SEK)</figcaption>" in trade
    assert "SEK250,000" in trade and "CN¥1,200,000" in trade
    shanghai = next(c for c in _svgs(trade) if "CNY" in (c.findtext(f"{SVG}title") or ""))
    assert [e.tag for e in shanghai.iter() if e.get("class") == "point"] == [f"{SVG}rect"]
    visitors = _section(page.text, "Foreign visitors and tourists")
    assert "No values have been reported yet." in visitors and "<svg" not in visitors


async def test_a_chinese_reader_reads_the_kpis_in_chinese(
    served: Served, measured: World, browsers: Browsers, texts: Catalogues
) -> None:
    li = browsers("en")
    await li.sign_in("li")  # she reads Chinese, whatever her browser says
    page = await li.get(f"/p/{measured.partnership_id}/kpis")
    assert page.status == 200 and '<html lang="zh-Hans">' in page.text
    name = texts.gettext("zh_Hans", "Joint projects")
    assert name != "Joint projects"
    projects = _section(page.text, name)
    rows = _rows(projects)
    quarter = "2026年第一季度"
    projects_unit = texts.gettext("zh_Hans", "projects")
    # 20:00 UTC on 31 March is 1 April in Shanghai, where Li reads it
    assert [quarter, "哥德堡", f"12 {projects_unit}", "Sven", "2026年4月1日"] in rows
    assert ["2026年第二季度", "上海", "没有变化", "Li", "2026年5月3日"] in rows
    [chart] = _svgs(projects)
    labels = [t.text for t in chart.iter(f"{SVG}text")]
    assert quarter in labels and "2026年第二季度" in labels and "上海" in labels
    assert f"目标值：50 {projects_unit}" in labels
    assert "每季度" in projects


async def test_a_former_member_s_reports_stay_under_no_name(
    served: Served, measured: World, browsers: Browsers, database: Database
) -> None:
    async with database.transaction() as session:
        await erase_person(session, measured.li)
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{measured.partnership_id}/kpis")
    rows = _rows(_section(page.text, "Joint projects"))
    assert ["Q1 2026", "Shanghai", "30 projects", "Former member", "April 9, 2026 Late"] in rows
    assert ">Li<" not in page.text


async def test_what_people_typed_is_escaped_in_the_page_and_its_charts(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    p = world.partnership_id
    own = await kpi_plan(
        database, p, "custom_1", f"Ours {SCRIPT}", unit=f"cups {IMG}", target=Decimal(5)
    )
    await kpi_value(database, own, "2026-Q1", world.sven, 3, comment=f"Note {IMG}")
    written = await kpi_plan(database, p, "new_knowledge", "New knowledge acquired", "text")
    await kpi_value(database, written, "2026-Q1", world.li, f"Learnt {SCRIPT}")
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{p}/kpis")
    assert page.status == 200
    assert "<script" not in page.text and "<img" not in page.text
    assert f"Ours {escape(SCRIPT)}" in page.text and f"Learnt {escape(SCRIPT)}" in page.text
    assert f"Note {escape(IMG)}" in page.text
    [chart] = _svgs(page.text)  # parses: the name is escaped inside the SVG too
    assert chart.findtext(f"{SVG}title") == f"Ours {SCRIPT}"
    assert f"3 cups {IMG}" in (chart.findtext(f"{SVG}desc") or "")


async def test_a_member_of_another_partnership_gets_not_found(
    served: Served, measured: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    other = await _bonn_chengdu(database)
    stranger_id = await member(database, other, "stranger", measured.gothenburg)
    assert stranger_id
    stranger = browsers()
    await stranger.sign_in("stranger")
    refused = {
        path: await stranger.get(path)
        for path in (
            f"/p/{measured.partnership_id}/kpis",
            "/p/999999/kpis",
            "/p/abc/kpis",
            f"/p/{measured.partnership_id}/kpis/more",
        )
    }
    not_found = str(escape(texts.gettext("en", workspace_pages.NOT_FOUND.text)))
    for path, page in refused.items():
        assert page.status == 404 and not_found in page.text, path
        assert "Joint projects" not in page.text
    assert (await stranger.get(f"/p/{other}/kpis")).status == 200  # their own
    nobody = browsers()
    assert (await nobody.get(f"/p/{measured.partnership_id}/kpis")).status == 403


async def test_the_page_costs_the_same_statements_however_many_values(
    unstarted: Served, world: World, database: Database
) -> None:
    p = world.partnership_id
    first = await kpi_plan(database, p, "joint_projects", "Joint projects", target=Decimal(9))
    await kpi_value(database, first, "2026-Q1", world.sven, 3)
    anna = Browser(unstarted)
    try:
        await anna.sign_in("anna")
        path = f"/p/{p}/kpis"
        with counting(unstarted.bot.database) as small:
            assert (await anna.get(path)).status == 200
        for n in range(6):
            plan = await kpi_plan(database, p, f"custom_{n}", f"KPI {n}", responsible=world.li)
            for quarter in range(1, 5):
                for who in (world.sven, world.li, world.wang):
                    await kpi_value(database, plan, f"2025-Q{quarter}", who, quarter * 10 + n)
        with counting(unstarted.bot.database) as larger:
            page = await anna.get(path)
        assert page.status == 200 and "KPI 5" in page.text
    finally:
        await anna.close()
    print(f"statements for the KPI page: {len(small)}")
    assert len(larger) == len(small) <= 6
