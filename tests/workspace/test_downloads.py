"""A partnership's downloads: the page listing them, the answers as an .xlsx workbook
(one sheet per step, in a chosen language, typed cells, frozen header, filters) and the
printable report in two languages, for its members only, whatever the query holds.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import unquote

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select

from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.models import Answer, Partnership, Stakeholder
from c2cbot.web import workspace_pages
from c2cbot.workspace.answer_sheets import sheet_name
from tests.scheduling.conftest import World, utc
from tests.workspace.conftest import Browser, Browsers, Served
from tests.workspace.records import answer, kpi_plan, kpi_value, meeting, member, tracked
from tests.workspace.test_queries import counting, unstarted

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINK = '=HYPERLINK("http://evil.example/","click me")'
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
VISION_ZH = "一座绿色、开放、宜居的国际化城市。"

__all__ = ["unstarted"]  # the fixture, for the statements counted below


@pytest.fixture
async def answered(world: World, database: Database) -> World:
    """Both cities answered Aim and Commit (numbers, money, a formula typed as text), the
    Plan has an activity due on a date, and one Shanghai member has since been erased."""
    p = world.partnership_id
    await answer(database, world.sven, p, "vision", "text", f"A green port city. {HOSTILE}")
    await answer(database, world.li, p, "vision", "text", VISION_ZH, language="zh_Hans")
    await answer(database, world.sven, p, "swot", "text", LINK)
    await answer(database, world.sven, p, "challenges", "multi", ["mobility"])
    await answer(database, world.sven, p, "challenges", "multi", ["mobility", "water"])
    await answer(database, world.sven, p, "impact_rating", "rating", 4)
    commit = {"conversation": "commit"}
    await answer(database, world.anna, p, "staff", "number", "12", **commit)
    money = {"amount": "250000.50", "currency": "EUR"}
    await answer(database, world.wang, p, "budget", "money", money, language="zh_Hans", **commit)
    plan = {"conversation": "plan", "item": 0}
    await answer(
        database, world.anna, p, "activities.title", "text", "Joint mobility study", **plan
    )
    await answer(database, world.anna, p, "activities.due", "date", "2026-09-30", **plan)
    gone = await member(database, p, "Zhao", world.shanghai, language="zh_Hans")
    await answer(database, gone, p, "vision", "text", "一个学习型城市。", language="zh_Hans")
    async with database.transaction() as session:
        (await session.get_one(Stakeholder, gone)).name = None  # erased: the answer stays
    return world


async def _download(browser: Browser, path: str) -> tuple[int, Any, bytes]:
    async with browser.session.get(path, headers={"Accept-Language": browser.language}) as got:
        return got.status, got.headers, await got.read()


async def _bonn_chengdu(database: Database) -> int:
    async with database.sessions() as session:
        query = select(Partnership.id).where(Partnership.key == "bonn_chengdu")
        return int(await session.scalar(query) or 0)


def _rows(sheet: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


async def test_the_answers_download_as_a_workbook_in_chinese(
    served: Served, answered: World, browsers: Browsers, texts: Catalogues
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    p = answered.partnership_id
    status, headers, body = await _download(anna, f"/p/{p}/answers.xlsx?lang=zh_Hans")
    assert status == 200 and headers["Content-Type"] == XLSX
    assert headers["Cache-Control"] == "no-store"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.isascii()
    assert "-answers-zh_Hans-2026-05-04.xlsx" in disposition
    assert "Gothenburg–Shanghai" in unquote(disposition.split("filename*=UTF-8''")[1])

    book = load_workbook(BytesIO(body))
    zh = [sheet_name(texts.gettext("zh_Hans", STEP_NAMES[s])) for s in (Step.AIM, Step.COMMIT)]
    assert book.sheetnames == [*zh, sheet_name(texts.gettext("zh_Hans", "Plan"))]
    aim = book[zh[0]]
    assert aim.freeze_panes == "A2" and aim.auto_filter.ref == "A1:K8"  # 7 answers
    assert all(cell.font.b for cell in aim[1])
    assert aim["C1"].value == texts.gettext("zh_Hans", "Question")

    rows = _rows(aim)
    vision = texts.gettext("zh_Hans", served.bot.conversations["aim"].questions[0].prompt)
    by_text = {row[texts.gettext("zh_Hans", "Answer")].value: row for row in rows}
    assert {f"A green port city. {HOSTILE}", VISION_ZH, "一个学习型城市。"} <= set(by_text)
    zhao = by_text["一个学习型城市。"]
    assert zhao[texts.gettext("zh_Hans", "Person")].value == "前成员"  # Former member
    assert zhao[texts.gettext("zh_Hans", "City")].value == "上海"
    assert by_text[VISION_ZH][texts.gettext("zh_Hans", "Question")].value == vision
    assert by_text[VISION_ZH][texts.gettext("zh_Hans", "Language typed")].value == "简体中文"
    gothenburg = by_text[f"A green port city. {HOSTILE}"]
    assert gothenburg[texts.gettext("zh_Hans", "City")].value == "哥德堡"
    moment = texts.gettext("zh_Hans", "Answered at ({zone})").format(zone="Europe/Stockholm")
    answered_at = gothenburg[moment]
    assert answered_at.value == datetime(2026, 4, 30, 12)  # 10:00 UTC, Anna's zone

    link = by_text[LINK][texts.gettext("zh_Hans", "Answer")]
    assert link.data_type == "s" and link.quotePrefix  # shown as typed, never a formula
    assert all(cell.data_type != "f" for row in aim.iter_rows() for cell in row)

    number = texts.gettext("zh_Hans", "No.")
    current = texts.gettext("zh_Hans", "Current")
    challenges = [r for r in rows if r[number].value == 2]
    assert [r[current].value for r in challenges] == ["否", "是"]  # corrected once
    mobility = texts.gettext("zh_Hans", "Urban mobility")
    assert mobility in challenges[1][texts.gettext("zh_Hans", "Answer")].value
    rating = next(r for r in rows if r[texts.gettext("zh_Hans", "Answer")].value == "★★★★☆")
    assert rating[texts.gettext("zh_Hans", "Value")].value == 4

    commit = _rows(book[zh[1]])
    value, unit = texts.gettext("zh_Hans", "Value"), texts.gettext("zh_Hans", "Currency or unit")
    staff = next(r for r in commit if r[value].value == 12)
    assert isinstance(staff[value].value, int) and staff[value].data_type == "n"
    budget = next(r for r in commit if r[unit].value == "EUR")
    assert budget[value].value == pytest.approx(250000.5) and budget[value].data_type == "n"
    plan = _rows(book[book.sheetnames[2]])
    due = next(r for r in plan if isinstance(r[value].value, datetime))
    assert due[value].value == datetime(2026, 9, 30) and due[value].is_date


async def test_the_workbook_is_in_the_readers_language_unless_they_pick_another(
    served: Served, answered: World, browsers: Browsers, texts: Catalogues, database: Database
) -> None:
    li = browsers("en")
    await li.sign_in("li")  # Li reads Chinese
    p = answered.partnership_id
    before = await _count(database)
    for query in ("", "?lang=xx", "?lang=" + "%00" * 20, "?lang=zh_Hans,de", f"?lang={HOSTILE}"):
        status, _headers, body = await _download(li, f"/p/{p}/answers.xlsx{query}")
        assert status == 200, query
        assert load_workbook(BytesIO(body)).sheetnames[0] == texts.gettext("zh_Hans", "Aim")
    status, _headers, body = await _download(li, f"/p/{p}/answers.xlsx?lang=de")
    assert load_workbook(BytesIO(body)).sheetnames[0] == texts.gettext("de", "Aim")
    status, _headers, body = await _download(li, f"/p/{p}/answers.xlsx?lang=" + "x" * 600)
    assert status == 414 and b"<html" in body
    assert await _count(database) == before


async def test_a_partnership_without_answers_downloads_an_empty_sheet(
    served: Served, world: World, browsers: Browsers
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    status, _headers, body = await _download(sven, f"/p/{world.partnership_id}/answers.xlsx")
    sheet = load_workbook(BytesIO(body))["Answers"]
    assert status == 200 and sheet.max_row == 1 and sheet["A1"].value == "No."


async def test_the_downloads_page_offers_each_language_and_the_cities_pair(
    served: Served, answered: World, browsers: Browsers
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    p = answered.partnership_id
    page = await sven.get(f"/p/{p}/downloads")
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.text
    assert f'href="/p/{p}/downloads" aria-current="page"' in html
    for code in ("en", "zh_Hans", "de"):
        assert f'href="/p/{p}/answers.xlsx?lang={code}"' in html
    assert '<span lang="en">English</span></a> <span class="note">(your language)' in html
    first = html.index(f'href="/p/{p}/report?languages=')
    default = '<span lang="en">English</span> + <span lang="zh-Hans">简体中文</span></a>'
    assert html[first:].startswith(f'href="/p/{p}/report?languages=en,zh_Hans">{default}')
    assert "(the cities' languages)" in html[first:].split("</li>")[0]
    assert f"/p/{p}/report?languages=de,zh_Hans" in html
    assert f"/p/{p}/report?languages=en,de" in html


async def test_the_report_says_everything_in_both_languages(
    served: Served, answered: World, browsers: Browsers, texts: Catalogues
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    p = answered.partnership_id
    page = await sven.get(f"/p/{p}/report?languages=en,zh_Hans")
    assert page.status == 200
    html = page.text
    for message in ("Partnership report", "Cooperation plan", "Cities", "Date of this report"):
        assert f'<span lang="en">{message}</span>' in html
        assert f'<span lang="zh-Hans">{texts.gettext("zh_Hans", message)}</span>' in html
    assert '<span lang="en">Gothenburg – Shanghai</span>' in html
    assert '<span lang="zh-Hans">哥德堡 – 上海</span>' in html
    assert "Continual improvement (Plan → Do → Measure → Act)" in html
    assert "持续改进（计划 → 实施 → 评估 → 改进）" in html  # Chinese brackets
    assert "May 4, 2026" in html and "2026年5月4日" in html
    assert '<span lang="en">Aim</span>' in html and texts.gettext("zh_Hans", "Aim") in html
    # both cities' answers, as typed, marked with the language they were typed in
    assert f'<p class="value" lang="zh-Hans">{VISION_ZH}</p>' in html
    assert "A green port city. " + str(escape(HOSTILE)) in html
    assert "<script>" not in html and "<img src=x" not in html
    # choices in both languages, an erased person as a former member in both
    assert '<p class="value" lang="en">Urban mobility, Water</p>' in html
    assert texts.gettext("zh_Hans", "Urban mobility") in html
    assert '<span lang="en">Former member</span>' in html and "前成员" in html
    assert "Joint mobility study" in html and "2026年9月30日" in html
    assert "€250,000.50" in html
    # nothing of sections still to come, and no step that was never asked
    assert "TODO" not in html and "KPI" not in html.split('<article class="report">')[1]


async def test_the_report_takes_one_or_two_languages_and_ignores_the_rest(
    served: Served, answered: World, browsers: Browsers, texts: Catalogues
) -> None:
    wang = browsers()
    await wang.sign_in("wang")
    p = answered.partnership_id
    german = await wang.get(f"/p/{p}/report?languages=de,zh_Hans")
    plan = '<span lang="de">Kooperationsplan</span><span class="also" aria-hidden="true"> · '
    assert plan + '</span><span lang="zh-Hans">合作计划</span>' in german.text
    assert "Ziel" in german.text and "2. Mai 2026" not in german.text
    assert '<html lang="zh-Hans">' in german.text  # the page around it: Wang's language
    one = (await wang.get(f"/p/{p}/report?languages=de")).text
    report = one[one.index('<article class="report">') : one.index("</article>")]
    assert '<span lang="de">Kooperationsplan</span></h2>' in report
    assert 'lang="zh-Hans"' not in report.replace(f'lang="zh-Hans">{VISION_ZH}', "").replace(
        'lang="zh-Hans">一个学习型城市。', ""
    )  # only what was typed in Chinese
    default = (await wang.get(f"/p/{p}/report")).text
    for odd in (
        "?languages=xx,yy",
        "?languages=en,en",
        "?languages=en,zh_Hans,de",
        "?languages=" + ",".join(["en"] * 100),
        "?languages=%00%ff",
        f"?languages={HOSTILE}",
        "?languages=",
        "?languages=en&languages=de",
    ):
        page = await wang.get(f"/p/{p}/report{odd}")
        assert page.status == 200, odd
        if "en&" not in odd:
            assert page.text == default, odd
    assert (await wang.get(f"/p/{p}/report?languages=" + "en," * 300)).status == 414


async def test_another_partnerships_member_finds_no_downloads(
    served: Served, answered: World, browsers: Browsers, texts: Catalogues, database: Database
) -> None:
    other = await _bonn_chengdu(database)
    li = browsers()
    await li.sign_in("li")
    before = await _count(database)
    not_found = str(escape(texts.gettext("zh_Hans", workspace_pages.NOT_FOUND.text)))
    for path in (
        f"/p/{other}/downloads",
        f"/p/{other}/answers.xlsx",
        f"/p/{other}/report",
        f"/p/{other}/report?languages=en,zh_Hans",
        "/p/999999999/answers.xlsx",
        "/p/99999999999999999999/report",
        "/p/-1/downloads",
    ):
        page = await li.get(path)
        assert page.status == 404, path
        assert not_found in page.text and "text/html" in page.headers["Content-Type"]
    stranger = browsers()
    for path in ("downloads", "answers.xlsx", "report"):
        page = await stranger.get(f"/p/{answered.partnership_id}/{path}")
        assert page.status == 403 and VISION_ZH not in page.text
    assert await _count(database) == before


async def _count(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Answer)) or 0)


async def test_downloads_cost_the_same_statements_for_a_larger_partnership(
    unstarted: Served, answered: World, database: Database
) -> None:
    p = answered.partnership_id
    paths = (f"/p/{p}/downloads", f"/p/{p}/answers.xlsx?lang=de", f"/p/{p}/report")
    kpi = await kpi_plan(database, p, "kpi", "KPI", target=Decimal(10))  # one of each, to
    await kpi_value(database, kpi, "2026-Q1", answered.anna, 1)  # start from: none would
    held = await meeting(database, p, answered.anna)  # skip a query or two
    await tracked(database, p, "Item", owner=answered.anna, meeting_id=held)
    anna = Browser(unstarted)
    try:
        await anna.sign_in("anna")
        small = await _costs(unstarted, anna, paths)
        for n in range(10):
            who = await member(database, p, f"gothenburg{n}", answered.gothenburg)
            at = utc(2026, 4, 1, n)
            await answer(database, who, p, "vision", "text", f"Vision {n}", at=at)
            await answer(database, who, p, "staff", "number", n, conversation="commit", at=at)
            for item in range(3):
                plan = {"conversation": "plan", "item": item, "at": at}
                await answer(database, who, p, "activities.title", "text", f"A{n}.{item}", **plan)
                await answer(database, who, p, "activities.owner", "choice", str(who), **plan)
            # and the report's record of work: KPIs with values, activities, meetings
            kpi = await kpi_plan(database, p, f"kpi{n}", f"KPI {n}", target=Decimal(10))
            await kpi_value(database, kpi, "2026-Q1", who, n, at=at)
            held = await meeting(database, p, who)
            await tracked(database, p, f"Item {n}", owner=who, meeting_id=held)
        larger = await _costs(unstarted, anna, paths)
    finally:
        await anna.close()
    print(f"statements per download: {small}")
    # the report: 8 for the plan's answers, 8 more for the KPIs, activities and meetings
    assert larger == small and max(small.values()) <= 16, small


async def _costs(served: Served, browser: Browser, paths: tuple[str, ...]) -> dict[str, int]:
    costs = {}
    for path in paths:
        with counting(served.bot.database) as statements:
            status, _headers, _body = await _download(browser, path)
        assert status == 200, path
        costs[path] = len(statements)
    return costs


def test_sheet_names_are_what_excel_takes() -> None:
    assert sheet_name("Plan: [a]/b\\c*d?") == "Plan a b c d"
    assert len(sheet_name("x" * 80)) == 31 and sheet_name("///") == "-"


async def test_the_report_carries_the_record_of_work_in_both_languages(
    served: Served, answered: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    """KPIs with their charts, the activities and the meetings, as their pages show them:
    the bot's words in both languages, typed text once in the language it was typed in."""
    p = answered.partnership_id
    kpi = await kpi_plan(database, p, "joint_projects", "Joint projects", target=Decimal(50))
    await kpi_value(database, kpi, "2026-Q1", answered.sven, 12, at=utc(2026, 3, 31, 20))
    await kpi_value(database, kpi, "2026-Q1", answered.li, 30, at=utc(2026, 4, 9))
    await tracked(database, p, HOSTILE, owner=answered.li, due_on=date(2026, 4, 20))
    async with database.transaction() as session:
        for starts, decisions in (
            (utc(2026, 4, 2, 7), ["明年互派青年交流团。"]),
            (utc(2026, 6, 9, 7), []),
        ):
            session.add(
                Meeting(
                    partnership_id=p,
                    recorded_by=answered.wang,
                    kind="bilateral",
                    starts_at=starts,
                    timezone="Asia/Shanghai",
                    place="上海市政府",
                    participants=[],
                    agenda=[],
                    decisions=decisions,
                    language="zh_Hans",
                    confirmed_at=starts,
                )
            )
    sven = browsers()
    await sven.sign_in("sven")
    html = (await sven.get(f"/p/{p}/report?languages=en,zh_Hans")).text
    report = html[html.index('<article class="report">') : html.index("</article>")]
    for message in ("KPIs against targets", "Activities", "Meetings", "Upcoming meetings"):
        assert f'<span lang="en">{message}</span>' in report, message
        assert f'<span lang="zh-Hans">{texts.gettext("zh_Hans", message)}</span>' in report
    assert '<span lang="en">Joint projects</span>' in report and report.count("<svg") == 1
    assert str(escape(HOSTILE)) in report and "<script>" not in report
    planned = texts.gettext("zh_Hans", "Planned")
    assert f'<span lang="zh-Hans">{planned}</span>' in report  # the activity's status, in both
    assert '<li lang="zh-Hans">明年互派青年交流团。</li>' in report  # a decision as typed, once
    assert report.count("明年互派青年交流团") == 1 and "上海市政府" in report
    upcoming = report.index("Upcoming meetings")
    assert report.index("2026年6月9日") > upcoming > report.index("Joint projects")
