"""The meetings page and its calendar files, over loopback HTTP: upcoming meetings on
both cities' clocks (Gothenburg on Europe/Stockholm, Shanghai on Asia/Shanghai) with a
calendar file each, past meetings with what they decided and who does what by when,
typed text escaped and marked with its language; another partnership's meetings are
the same 404 page as ones that do not exist; a fixed number of statements per page.

The clock stands at Monday 4 May 2026, 09:00 UTC (``hands``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from playwright.async_api import Browser as PlaywrightBrowser
from sqlalchemy import func, select

from c2cbot.flows.ports import MeetingAction, MeetingDraft
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.meetings import record_meeting
from c2cbot.store.models import Activity, City, Partnership
from c2cbot.web import workspace_pages
from tests.scheduling.conftest import World, add_person, utc
from tests.workspace.conftest import PUBLIC, Browser, Browsers, Served, on_a_phone
from tests.workspace.page_checks import check_page
from tests.workspace.test_queries import counting, unstarted

# Fixtures of other modules: served without the scheduler (test_queries'), Chromium and
# axe-core (the browser walk's).
__all__ = ["unstarted"]

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
STUDY_VISIT = utc(2026, 5, 14, 7)  # 09:00 in Gothenburg (CEST), 15:00 in Shanghai
LATE_CALL = utc(2026, 6, 1, 20)  # Monday 22:00 in Gothenburg, Tuesday 04:00 in Shanghai
LAST_CALL = utc(2026, 4, 28, 8)  # 10:00 in Gothenburg, 16:00 in Shanghai


@dataclass(frozen=True)
class Met:
    world: World
    study_visit: int
    late_call: int
    last_call: int
    bonn_chengdu: int
    bonn_meeting: int
    bonn_member: str


async def _meeting(
    database: Database,
    world_or_partnership: int,
    recorded_by: int,
    kind: str,
    at: datetime,
    *,
    language: str = "en",
    place: str | None = None,
    participants: tuple[tuple[str, int | None, str | None], ...] = (),
    agenda: tuple[str, ...] = ("Progress of the action plan",),
    decisions: tuple[str, ...] = (),
    actions: tuple[MeetingAction, ...] = (),
) -> int:
    """Notes as the meeting conversation confirms them (its action items as activities)."""
    draft = MeetingDraft(
        partnership_id=world_or_partnership,
        recorded_by=recorded_by,
        kind=kind,
        starts_at=at,
        timezone="Europe/Stockholm",
        place=place,
        participants=participants,
        agenda=agenda,
        decisions=decisions,
        actions=actions,
        language=language,
    )
    async with database.transaction() as session:
        return await record_meeting(session, draft, utc(2026, 4, 28, 12))


async def _bonn_chengdu(database: Database) -> tuple[int, int]:
    """Bonn–Chengdu and Bonn's id; the reference data seeds it."""
    async with database.sessions() as session:
        partnership = await session.scalar(
            select(Partnership.id).where(Partnership.key == "bonn_chengdu")
        )
        bonn = await session.scalar(select(City.id).where(City.key == "bonn"))
    assert partnership and bonn
    return partnership, bonn


@pytest.fixture
async def met(world: World, database: Database) -> Met:
    p = world.partnership_id
    study_visit = await _meeting(
        database,
        p,
        world.anna,
        "study_visit",
        STUDY_VISIT,
        place="Shanghai Urban Planning Exhibition Center; Hall 2, floor 3",
        agenda=("Visit the exhibition", SCRIPT),
    )
    late_call = await _meeting(database, p, world.anna, "web_conference", LATE_CALL)
    last_call = await _meeting(
        database,
        p,
        world.wang,
        "web_conference",
        LAST_CALL,
        language="zh_Hans",
        place=f"腾讯会议 {ATTRIBUTE}",
        participants=(
            ("Anna", world.gothenburg, "City of Gothenburg"),
            ("王芳", world.shanghai, "上海市外办"),
            ("Wang", world.shanghai, None),
        ),
        agenda=("审议2026年行动计划",),
        decisions=("共同开展青年交流项目", SCRIPT, ATTRIBUTE),
        actions=(
            MeetingAction("起草合作备忘录", "wang", date(2026, 5, 1)),
            MeetingAction(f"Book the study visit {SCRIPT}", "Sven", date(2026, 6, 30)),
            MeetingAction("翻译行动计划", None, None),
        ),
    )
    bonn_chengdu, bonn = await _bonn_chengdu(database)
    async with database.transaction() as session:
        member = await add_person(session, bonn_chengdu, "jonas", "en", bonn, None, "member")
    bonn_meeting = await _meeting(database, bonn_chengdu, member, "bilateral", STUDY_VISIT)
    return Met(world, study_visit, late_call, last_call, bonn_chengdu, bonn_meeting, "jonas")


def _text(html: str) -> str:
    """The page's text: tags out, spaces (Babel's narrow no-break ones too) as one."""
    return re.sub(r"[\s\u202f]+", " ", re.sub(r"<[^>]+>", " ", html))


def _meeting_section(html: str, meeting: int) -> str:
    start = html.index(f'id="meeting-{meeting}"')
    return html[start : html.index("</section>", start)]


async def test_upcoming_meetings_come_first_on_both_cities_clocks(
    served: Served, met: Met, browsers: Browsers
) -> None:
    p = met.world.partnership_id
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{p}/meetings")
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.text
    upcoming, past = html.index('id="upcoming"'), html.index('id="past"')
    visit, late = (
        html.index(f'id="meeting-{met.study_visit}"'),
        html.index(f'id="meeting-{met.late_call}"'),
    )
    assert upcoming < visit < late < past < html.index(f'id="meeting-{met.last_call}"')
    section = _text(_meeting_section(html, met.study_visit))
    assert "Study visit" in section
    assert "Thu, May 14, 2026, 9:00 AM Gothenburg · 3:00 PM Shanghai" in section
    assert "Shanghai Urban Planning Exhibition Center; Hall 2, floor 3" in section
    assert "Visit the exhibition" in section
    assert f'href="/p/{p}/meetings/{met.study_visit}.ics"' in html
    assert '<time datetime="2026-05-14T07:00:00+00:00">' in html
    on_two_days = _text(_meeting_section(html, met.late_call))
    assert "Mon, Jun 1, 2026, 10:00 PM Gothenburg · Tue, Jun 2, 2026, 4:00 AM Shanghai" in (
        on_two_days
    )
    assert 'aria-current="page"' in html and f'href="/p/{p}/meetings"' in html


async def test_a_past_meeting_shows_participants_decisions_and_action_items(
    served: Served, met: Met, browsers: Browsers
) -> None:
    p = met.world.partnership_id
    sven = browsers()
    await sven.sign_in("sven")
    html = (await sven.get(f"/p/{p}/meetings")).text
    raw = _meeting_section(html, met.last_call)
    section = _text(raw)
    assert "Web conference" in section
    assert "Tue, Apr 28, 2026, 10:00 AM Gothenburg · 4:00 PM Shanghai" in section
    assert "Gothenburg: Anna (City of Gothenburg)" in section
    assert "Shanghai: 王芳 (上海市外办), Wang" in section
    assert '<span lang="zh-Hans">共同开展青年交流项目</span>' in raw
    assert '<span lang="zh-Hans">审议2026年行动计划</span>' in raw
    assert "As written, in 简体中文" in section
    found = raw.index("起草合作备忘录")
    late = raw[raw.rindex("<li", 0, found) : raw.index("</li>", found)]
    link = re.search(rf'href="/p/{p}/activities#(activity-[0-9]+)"', late)
    assert link is not None and 'class="late"' in late
    tracker = (await sven.get(f"/p/{p}/activities")).text
    item = tracker[tracker.index(f'id="{link[1]}"') :]
    assert item[: item.index("</li>")].count("起草合作备忘录") >= 1  # the same activity
    assert "Late" in _text(late) and "wang (Shanghai) · Due May 1, 2026 · Planned" in _text(late)
    assert "Sven (Gothenburg) · Due June 30, 2026 · Planned" in section
    assert "翻译行动计划 nobody yet · no due date · Planned" in section
    assert "Add to calendar" not in section  # only upcoming meetings offer a calendar file


async def test_the_page_in_chinese(served: Served, met: Met, browsers: Browsers) -> None:
    p = met.world.partnership_id
    li = browsers("en")  # Li reads Chinese, whatever her browser says
    await li.sign_in("li")
    html = (await li.get(f"/p/{p}/meetings")).text
    assert '<html lang="zh-Hans">' in html
    visit = _text(_meeting_section(html, met.study_visit))
    assert "2026年5月14日周四，哥德堡时间 09:00 · 上海时间 15:00" in visit
    assert "考察访问" in visit
    two_days = _text(_meeting_section(html, met.late_call))
    assert "2026年6月1日周一，哥德堡时间 22:00 · 2026年6月2日周二，上海时间 04:00" in two_days
    past = _text(_meeting_section(html, met.last_call))
    assert "哥德堡：Anna（City of Gothenburg）" in past
    assert "上海：王芳（上海市外办）、Wang" in past
    assert "wang（上海）" in past and "2026年5月1日" in past
    assert "As written" not in past  # her own language: nothing to say
    english = _text(_meeting_section(html, met.study_visit))
    assert "Visit the exhibition" in english  # typed text stays as written
    again = await li.get(f"/p/{p}/meetings?lang=en")
    assert "Thu, May 14, 2026, 9:00 AM Gothenburg" in _text(again.text)


async def test_typed_text_is_escaped_everywhere(
    served: Served, met: Met, browsers: Browsers
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    html = (await anna.get(f"/p/{met.world.partnership_id}/meetings")).text
    assert SCRIPT not in html and ATTRIBUTE not in html and "<img" not in html
    assert str(escape(SCRIPT)) in html and str(escape(ATTRIBUTE)) in html
    assert f"Book the study visit {escape(SCRIPT)}" in html


def _unfolded(body: bytes) -> list[str]:
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    return re.sub(r"\r\n ", "", text)[:-2].split("\r\n")


async def _download(browser: Browser, path: str) -> tuple[int, dict[str, str], bytes]:
    async with browser.session.get(path) as response:
        return response.status, dict(response.headers), await response.read()


async def test_an_upcoming_meeting_downloads_as_a_calendar_file(
    served: Served, met: Met, browsers: Browsers
) -> None:
    p = met.world.partnership_id
    anna = browsers()
    await anna.sign_in("anna")
    status, headers, body = await _download(anna, f"/p/{p}/meetings/{met.study_visit}.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Content-Disposition"] == f'attachment; filename="meeting-{met.study_visit}.ics"'
    assert headers["Cache-Control"] == "no-store"
    lines = _unfolded(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1
    host = PUBLIC.removeprefix("https://")
    assert f"UID:meeting-{met.study_visit}@{host}" in lines
    assert "DTSTART:20260514T070000Z" in lines
    assert "DTSTAMP:20260504T090000Z" in lines  # the bot's clock
    assert "DURATION:PT1H" in lines
    assert "SUMMARY;LANGUAGE=en:Gothenburg–Shanghai: Study visit" in lines
    assert (
        "LOCATION;LANGUAGE=en:Shanghai Urban Planning Exhibition Center\\; Hall 2\\, floor 3"
        in lines
    )
    assert f"DESCRIPTION;LANGUAGE=en:Visit the exhibition\\n{SCRIPT}" in lines

    li = browsers()
    await li.sign_in("li")
    _status, _headers, chinese = await _download(li, f"/p/{p}/meetings/{met.study_visit}.ics")
    assert "SUMMARY;LANGUAGE=zh-Hans:哥德堡–上海：考察访问" in _unfolded(chinese)
    assert f"UID:meeting-{met.study_visit}@{host}" in _unfolded(chinese)  # the same event


async def _counts(database: Database) -> tuple[int, int]:
    async with database.sessions() as session:
        meetings = await session.scalar(select(func.count()).select_from(Meeting))
        activities = await session.scalar(select(func.count()).select_from(Activity))
    return int(meetings or 0), int(activities or 0)


async def test_other_partnerships_meetings_and_odd_ids_are_not_found(
    served: Served, met: Met, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    p = met.world.partnership_id
    jonas = browsers()
    await jonas.sign_in(met.bonn_member)
    own = await jonas.get(f"/p/{met.bonn_chengdu}/meetings/{met.bonn_meeting}.ics")
    assert own.status == 200  # his own partnership's meeting is his
    anna = browsers()
    await anna.sign_in("anna")
    before = await _counts(database)
    not_found = str(escape(texts.gettext("en", workspace_pages.NOT_FOUND.text)))
    for browser, path in [
        (jonas, f"/p/{p}/meetings"),
        (jonas, f"/p/{p}/meetings/{met.study_visit}.ics"),
        (jonas, f"/p/{met.bonn_chengdu}/meetings/{met.study_visit}.ics"),
        (anna, f"/p/{met.bonn_chengdu}/meetings"),
        (anna, f"/p/{met.bonn_chengdu}/meetings/{met.bonn_meeting}.ics"),
        (anna, f"/p/{p}/meetings/{met.bonn_meeting}.ics"),  # Bonn's meeting under hers
        (anna, f"/p/{p}/meetings/999999999.ics"),
        (anna, f"/p/{p}/meetings/9999999999.ics"),  # ten digits: out of range
        (anna, f"/p/{p}/meetings/{'9' * 40}.ics"),
        (anna, f"/p/{p}/meetings/-1.ics"),
        (anna, f"/p/{p}/meetings/1e3.ics"),
        (anna, f"/p/{p}/meetings/١٢.ics"),
        (anna, f"/p/{p}/meetings/{met.study_visit}.ics.ics"),
        (anna, f"/p/{p}/meetings/{met.study_visit}"),
        (anna, f"/p/{p}/meetings/.ics"),
        (anna, f"/p/{p}/meetings/"),
        (anna, "/p/9999999999/meetings"),
        (anna, "/p/abc/meetings/1.ics"),
    ]:
        page = await browser.get(path)
        assert page.status == 404, path
        assert not_found in page.text, path
        assert "BEGIN:VCALENDAR" not in page.text and "Study visit" not in page.text
    assert await _counts(database) == before


async def test_without_a_session_meetings_ask_to_sign_in(
    served: Served, met: Met, browsers: Browsers, texts: Catalogues
) -> None:
    stranger = browsers("de-DE")
    for path in (
        f"/p/{met.world.partnership_id}/meetings",
        f"/p/{met.world.partnership_id}/meetings/{met.study_visit}.ics",
    ):
        page = await stranger.get(path)
        assert page.status == 403, path
        assert str(escape(texts.gettext("de", workspace_pages.SIGN_IN.text))) in page.text


async def test_no_meetings_yet(served: Served, world: World, browsers: Browsers) -> None:
    wang = browsers()
    await wang.sign_in("wang")
    page = await wang.get(f"/p/{world.partnership_id}/meetings")
    assert page.status == 200 and 'id="meeting-' not in page.text
    assert "/meeting" in page.text


async def _grow(database: Database, world: World) -> None:
    """Twenty more meetings, half to come, each with participants and three action items."""
    for n in range(20):
        at = utc(2026, 5, 4, 9) + timedelta(days=n - 10, hours=1)
        await _meeting(
            database,
            world.partnership_id,
            world.anna,
            "bilateral",
            at,
            participants=((f"Person {n}", world.gothenburg, None),),
            decisions=(f"Decision {n}",),
            actions=tuple(MeetingAction(f"Do {n}.{i}", "Sven", None) for i in range(3)),
        )


async def test_the_meetings_pages_cost_the_same_statements_for_few_and_many_meetings(
    unstarted: Served, met: Met, database: Database
) -> None:
    p = met.world.partnership_id
    paths = (f"/p/{p}/meetings", f"/p/{p}/meetings/{met.study_visit}.ics")
    anna = Browser(unstarted)
    try:
        await anna.sign_in("anna")
        few = await _costs(anna, unstarted.bot.database, paths)
        await _grow(database, met.world)
        many = await _costs(anna, unstarted.bot.database, paths)
        page = await anna.get(paths[0])
        assert len(re.findall(r'id="meeting-[0-9]+"', page.text)) == 23
        assert "Decision 0" in page.text and "Do 9.2" in page.text  # the past ones
    finally:
        await anna.close()
    print(f"statements per page: {few}")
    assert few == many
    assert max(few.values()) <= 7, few  # measured: the session, membership (3), meetings (3)


async def _costs(browser: Browser, database: Database, paths: tuple[str, ...]) -> dict[str, int]:
    cost = {}
    for path in paths:
        with counting(database) as statements:
            page = await browser.get(path)
        assert page.status == 200, path
        cost[path] = len(statements)
    return cost


@pytest.mark.browser
async def test_the_meetings_page_in_a_phones_browser(
    served: Served, met: Met, chromium: PlaywrightBrowser, axe: str
) -> None:
    """Accessible (axe-core), no sideways scroll on 390×844, in English and Chinese; the
    calendar link downloads the meeting's file."""
    anna = await on_a_phone(served, chromium, "anna", "en-GB")
    for language in ("en", "zh_Hans"):
        url = f"{served.base}/p/{met.world.partnership_id}/meetings?lang={language}"
        response = await anna.goto(url)
        assert response is not None and response.status == 200
        await check_page(anna, axe, f"meetings-{language}")
    async with anna.expect_download() as downloading:
        await anna.locator(f"#meeting-{met.study_visit} a[download]").click()
    download = await downloading.value
    assert download.suggested_filename == f"meeting-{met.study_visit}.ics"
    body = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert "SUMMARY;LANGUAGE=zh-Hans:哥德堡–上海：考察访问" in _unfolded(body)
