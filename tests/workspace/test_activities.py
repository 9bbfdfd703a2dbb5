"""The activities tracker: the plan's activities and meetings' action items of both cities
in one list, with owner, city, dates, status, progress and the reports behind them.

Gothenburg–Shanghai tracks four things: a plan activity Sven (Gothenburg) owns and has
reported on twice (and once began a report he never finished), an action item of a
meeting recorded in Chinese that Li (Shanghai) reports on in her chat during the test,
a finished exchange of Anna's whose due date has passed, and a visit nobody owns yet.
Late is decided on the reader's today by the bot's clock, which the tests move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from c2cbot.flows.actions import OpenPrompt
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.erasure import erase_person
from c2cbot.store.models import Activity, Answer, City, Partnership, Prompt
from c2cbot.web import workspace_pages
from c2cbot.workspace import activities as activities_view
from tests.driver import Driver
from tests.scheduling.conftest import World, utc
from tests.support.clock import SetClock
from tests.workspace import test_queries
from tests.workspace.conftest import Browser, Browsers, Served
from tests.workspace.records import answer, asked, meeting, member, reported, tracked

PLAN_TITLE = "Joint urban mobility study"
ITEM_TITLE = "交换两市交通数据"
DONE_TITLE = "Youth orchestra exchange"
UNOWNED_TITLE = "Sister schools visit"
LI_RISKS = "数据共享需要两市审批。"
LI_MILESTONE = "六月签署数据协议。"
EVERY = ["Youth", "Joint", ITEM_TITLE, "Sister"]  # on 4 May nothing is late: by due date

unstarted = test_queries.unstarted  # the bot served but not started, for counting queries


@dataclass(frozen=True)
class Tracked:
    world: World
    plan: int
    item: int
    done: int
    unowned: int
    meeting: int

    @property
    def path(self) -> str:
        return f"/p/{self.world.partnership_id}/activities"


async def _track(database: Database, world: World) -> Tracked:
    p = world.partnership_id
    notes = await meeting(database, p, world.wang, language="zh_Hans")
    plan = await tracked(
        database,
        p,
        PLAN_TITLE,
        owner=world.sven,
        starts_on=date(2026, 4, 1),
        due_on=date(2026, 5, 10),
        status="on_track",
        percent=30,
    )
    item = await tracked(
        database, p, ITEM_TITLE, owner=world.li, owner_name="Li", due_on=date(2026, 5, 20),
        meeting_id=notes,
    )  # fmt: skip
    done = await tracked(
        database, p, DONE_TITLE, owner=world.anna, due_on=date(2026, 4, 20), status="done",
        percent=100,
    )  # fmt: skip
    unowned = await tracked(database, p, UNOWNED_TITLE)
    await reported(
        database, world.sven, p, plan, utc(2026, 4, 15, 8), status="on_track", percent=10,
        milestone="Kick-off workshop in Gothenburg",
    )  # fmt: skip
    # A report begun and never finished: it answers no prompt, so it is nobody's update.
    begun = {"conversation": "progress", "at": utc(2026, 4, 20, 8)}
    await answer(database, world.sven, p, "status", "choice", "blocked", **begun)
    await answer(database, world.sven, p, "risks", "text", "Never sent", **begun)
    await reported(
        database, world.sven, p, plan, utc(2026, 4, 29, 8), status="on_track", percent=30,
        risks="Port data arrives late",
    )  # fmt: skip
    return Tracked(world, plan, item, done, unowned, notes)


@pytest.fixture
async def tracker(served: Served, world: World, database: Database, texts: Catalogues) -> Tracked:
    """The four activities; Li answers the progress question about hers in her chat."""
    found = await _track(database, world)
    await asked(database, world.li, world.partnership_id, found.item)
    async with database.sessions() as session:
        prompt = await session.scalar(select(Prompt.id).where(Prompt.subject_id == found.item))
    li = Driver(served.bot, "li")
    await li.press(OpenPrompt(int(prompt or 0)).encode())
    await li.click(texts.gettext("zh_Hans", "Delayed"))
    await li.send("40")
    await li.send(LI_RISKS)
    await li.send(LI_MILESTONE)
    async with database.sessions() as session:
        item = await session.get_one(Activity, found.item)
        assert (item.status, item.percent_done) == ("delayed", 40)  # the chat's own record
    return found


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _cards(html: str) -> dict[str, str]:
    """Each listed activity's card by the start of its title, in the page's order."""
    cards = html.split('<li id="activity-')[1:]
    return {
        _text(card[card.index("<h3") : card.index("</h3>")]).split(" ")[0]: card for card in cards
    }


async def test_both_cities_activities_in_one_tracker(tracker: Tracked, browsers: Browsers) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(tracker.path)
    assert page.status == 200
    html = page.text
    assert f'href="/p/{tracker.world.partnership_id}/activities" aria-current="page"' in html
    assert "Showing 4 of 4" in html
    cards = _cards(html)
    assert list(cards) == ["Youth", "Joint", ITEM_TITLE, "Sister"]  # none late: by due date

    plan = cards["Joint"]
    assert "From the plan" in plan and "As written, in English" in plan
    assert "<dd>Sven</dd>" in plan and "<dd>Gothenburg</dd>" in plan
    assert "<dd>April 1, 2026</dd>" in plan and "<dd>May 10, 2026</dd>" in plan
    assert '<span class="status">On track</span>' in plan and "Late" not in plan
    assert re.search(r'<progress max="100" value="30" aria-labelledby="done-\d+">', plan)
    assert "30% done" in plan
    timeline = _text(plan[plan.index("<details>") :])
    assert timeline.startswith("Progress reports: 2")
    newer, older = timeline.index("April 29, 2026 · Sven (Gothenburg)"), timeline.index("April 15")
    assert newer < older  # newest first
    assert "On track · 30% done Risks and problems Port data arrives late" in timeline
    assert "Next milestone Kick-off workshop in Gothenburg As written, in English" in timeline
    assert "Never sent" not in html and "Blocked ·" not in timeline  # the unfinished report

    item = cards[ITEM_TITLE]
    assert f'<h3 lang="zh-Hans">{ITEM_TITLE}</h3>' in item  # the meeting's language
    meeting_link = f'href="/p/{tracker.world.partnership_id}/meetings#meeting-{tracker.meeting}"'
    assert meeting_link in item and "Action item of a meeting" in item
    assert "<dd>Li</dd>" in item and "<dd>Shanghai</dd>" in item and "<dd>May 20, 2026</dd>" in item
    assert '<span class="status">Delayed</span>' in item and "40% done" in item
    reported = _text(item[item.index("<details>") :])
    assert "Progress reports: 1 May 4, 2026 · Li (Shanghai) Delayed · 40% done" in reported
    assert f'<dd lang="zh-Hans">{LI_RISKS}</dd>' in item
    assert f'<dd lang="zh-Hans">{LI_MILESTONE}</dd>' in item and "As written, in 简体中文" in item

    done, unowned = cards["Youth"], cards["Sister"]
    assert "<dd>Anna</dd>" in done and "Done" in done and "100% done" in done
    assert "Late" not in done  # past its due date, but finished
    assert "<dd>No owner yet</dd>" in unowned and "No progress reported yet" in unowned
    assert "<details>" not in unowned and "<progress" not in unowned


async def test_a_chinese_reader_reads_the_tracker_in_chinese(
    tracker: Tracked, browsers: Browsers, texts: Catalogues
) -> None:
    wang = browsers("en-GB")
    await wang.sign_in("wang")
    html = (await wang.get(tracker.path)).text
    assert '<html lang="zh-Hans">' in html
    cards = _cards(html)
    plan, item = cards["Joint"], cards[ITEM_TITLE]
    assert "<dd>哥德堡</dd>" in plan and "<dd>2026年4月1日</dd>" in plan
    assert "<dd>2026年5月10日</dd>" in plan
    assert texts.gettext("zh_Hans", "On track") in plan
    assert texts.gettext("zh_Hans", "{percent}% done").format(percent=30) in plan
    assert "2026年4月29日 · Sven（哥德堡）" in plan  # Chinese parentheses
    assert "Port data arrives late" in plan and '<dd lang="en">' in plan  # as typed
    assert "<dd>上海</dd>" in item and "2026年5月20日" in item and "Li（上海）" in item
    assert texts.gettext("zh_Hans", "Delayed") in item
    assert texts.gettext("zh_Hans", "Action item of a meeting") in item
    assert texts.gettext("zh_Hans", "No owner yet") in cards["Sister"]
    assert "Progress reports" not in html and "From the plan" not in html  # all translated

    german = (await wang.get(tracker.path + "?lang=de")).text
    assert '<html lang="de">' in german and "10. Mai 2026" in german
    assert '<input type="hidden" name="lang" value="de">' in german  # the filters keep it


async def test_late_is_decided_on_each_readers_today_by_the_bots_clock(
    tracker: Tracked, browsers: Browsers, hands: SetClock
) -> None:
    hands.now = utc(2026, 5, 10, 17)  # 19:00 in Gothenburg, 01:00 on 11 May in Shanghai
    anna, wang = browsers(), browsers()
    await anna.sign_in("anna")
    await wang.sign_in("wang")
    gothenburg = _cards((await anna.get(tracker.path)).text)
    assert 'class="badge"' not in "".join(gothenburg.values())  # due today is not late
    shanghai = _cards((await wang.get(tracker.path)).text)
    assert list(shanghai) == ["Joint", "Youth", ITEM_TITLE, "Sister"]  # late first
    assert 'class="activity status-on_track late"' in shanghai["Joint"]
    assert 'class="badge"' in shanghai["Joint"]
    assert all('class="badge"' not in shanghai[key] for key in ("Youth", ITEM_TITLE, "Sister"))

    hands.now += timedelta(days=10)  # 20 May 17:00 UTC: the action item is due today
    await anna.sign_in("anna")  # a session idle for a day has ended
    cards = _cards((await anna.get(tracker.path)).text)
    assert list(cards) == ["Joint", "Youth", ITEM_TITLE, "Sister"]
    assert '<strong class="badge">Late</strong>' in cards["Joint"]
    assert "Late" not in cards[ITEM_TITLE] and "Late" not in cards["Youth"]
    hands.now += timedelta(days=1)
    await anna.sign_in("anna")
    cards = _cards((await anna.get(tracker.path)).text)
    assert list(cards) == ["Joint", ITEM_TITLE, "Youth", "Sister"]  # both late, by due date
    assert "Late" in cards[ITEM_TITLE]


async def test_filters_by_city_and_status(tracker: Tracked, browsers: Browsers) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    shanghai = (await sven.get(tracker.path + "?city=shanghai")).text
    assert list(_cards(shanghai)) == [ITEM_TITLE] and "Showing 1 of 4" in shanghai
    assert '<option value="shanghai" selected>Shanghai</option>' in shanghai
    assert f'<a class="clear" href="{tracker.path}">Show all</a>' in shanghai
    gothenburg = (await sven.get(tracker.path + "?city=gothenburg")).text
    assert list(_cards(gothenburg)) == ["Youth", "Joint"]
    done = (await sven.get(tracker.path + "?status=done")).text
    assert list(_cards(done)) == ["Youth"] and '<option value="done" selected>' in done
    both = (await sven.get(tracker.path + "?city=shanghai&status=delayed")).text
    assert list(_cards(both)) == [ITEM_TITLE]
    none = (await sven.get(tracker.path + "?city=gothenburg&status=blocked")).text
    assert _cards(none) == {} and "No activity matches these filters." in none


GARBAGE = [
    "?city=<script>alert(1)</script>&status=%22%3E%3Cimg%20src=x%3E",
    "?city=Shanghai&status=DONE",  # keys are exact
    "?city=&status=",
    "?city=%ff%fe&status=%00",
    "?city=bonn",  # a city, but not this partnership's
    "?status=planned%20OR%201=1",
    "?city[]=shanghai&status=done&status=blocked",  # only the first status is read
    "?" + "city=x&" * 40,
]


async def test_filter_values_it_does_not_know_narrow_nothing(
    tracker: Tracked, browsers: Browsers, database: Database
) -> None:
    before = await _counts(database)
    anna = browsers()
    await anna.sign_in("anna")
    for query in GARBAGE:
        page = await anna.get(tracker.path + query)
        assert page.status == 200, query
        assert "<script>alert" not in page.text and "<img" not in page.text
        listed = list(_cards(page.text))
        assert listed == (["Youth"] if "status=done" in query else EVERY), query
    too_long = await anna.get(tracker.path + "?city=" + "x" * 600)
    assert too_long.status == 414
    assert await _counts(database) == before


HOSTILE = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


async def test_what_people_typed_is_escaped(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    p = world.partnership_id
    notes = await meeting(database, p, world.anna)
    plan = await tracked(database, p, f"Plan {HOSTILE}", owner=world.sven, due_on=date(2026, 5, 1))
    await tracked(database, p, f"Item {ATTRIBUTE}", owner_name=f"Mr {HOSTILE}", meeting_id=notes)
    await reported(
        database, world.sven, p, plan, utc(2026, 4, 29, 8), status="blocked", percent=5,
        risks=f"Risk {HOSTILE}", milestone=f"Milestone {ATTRIBUTE}",
    )  # fmt: skip
    anna = browsers()
    await anna.sign_in("anna")
    html = (await anna.get(f"/p/{p}/activities")).text
    assert "<script" not in html and "<img" not in html
    assert f"Plan {escape(HOSTILE)}" in html and f"Mr {escape(HOSTILE)}" in html
    assert f"Item {escape(ATTRIBUTE)}" in html and f"Risk {escape(HOSTILE)}" in html
    assert f"Milestone {escape(ATTRIBUTE)}" in html


async def test_an_erased_owner_is_a_former_member(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    found = await _track(database, world)
    async with database.transaction() as session:
        await erase_person(session, world.sven)
    anna = browsers()
    await anna.sign_in("anna")
    plan = _cards((await anna.get(found.path)).text)["Joint"]
    assert "<dd>Former member</dd>" in plan and "<dd>Gothenburg</dd>" in plan
    assert "Former member (Gothenburg)" in _text(plan) and "Sven" not in plan
    assert "Port data arrives late" in plan  # the shared record stays


async def _bonn_chengdu(database: Database) -> tuple[int, int]:
    async with database.sessions() as session:
        partnership = await session.scalar(
            select(Partnership.id).where(Partnership.key == "bonn_chengdu")
        )
        bonn = await session.scalar(select(City.id).where(City.key == "bonn"))
    return int(partnership or 0), int(bonn or 0)


async def _counts(database: Database) -> tuple[int, ...]:
    async with database.sessions() as session:
        return tuple(
            [
                int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Activity, Answer, Prompt)
            ]
        )


async def test_another_partnerships_member_finds_nothing(
    tracker: Tracked, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    other, bonn = await _bonn_chengdu(database)
    await member(database, other, "klaus", bonn, language="de")
    before = await _counts(database)
    klaus = browsers()
    await klaus.sign_in("klaus")
    missing = await klaus.get("/p/999999/activities")
    assert missing.status == 404 and '<html lang="de">' in missing.text
    assert str(escape(texts.gettext("de", workspace_pages.NOT_FOUND.text))) in missing.text
    theirs = await klaus.get(tracker.path + "?city=shanghai")
    assert theirs.status == 404 and theirs.text == missing.text
    assert ITEM_TITLE not in theirs.text and PLAN_TITLE not in theirs.text
    assert (await klaus.get(f"/p/{other}/activities")).status == 200  # his own

    anna = browsers()
    await anna.sign_in("anna")
    for path in (
        f"/p/{other}/activities",
        "/p/abc/activities",
        "/p/1e3/activities",
        "/p/99999999999999999999/activities",
        "/p/-1/activities",
        tracker.path + "/more",
        tracker.path + "/",
    ):
        page = await anna.get(path)
        assert page.status == 404, path
    assert await _counts(database) == before


def test_the_page_words_are_marked_for_translation() -> None:
    assert activities_view.NAME == "Activities"
    assert activities_view.DONE_SHARE.format(percent=5) == "5% done"


async def _statements(served: Served, browser: Browser, path: str) -> int:
    with test_queries.counting(served.bot.database) as statements:
        page = await browser.get(path)
    assert page.status == 200
    return len(statements)


async def test_the_tracker_costs_the_same_queries_however_much_it_holds(
    unstarted: Served, world: World, database: Database
) -> None:
    found = await _track(database, world)
    anna = Browser(unstarted)
    try:
        await anna.sign_in("anna")
        small = await _statements(unstarted, anna, found.path)
        await _grow(database, world)
        larger = await _statements(unstarted, anna, found.path)
        page = await anna.get(found.path)
        assert "Showing 24 of 24" in page.text and page.text.count("Progress reports: 3") == 20
    finally:
        await anna.close()
    print(f"statements for the activities page: {small}")
    assert larger == small
    assert small <= 8, small


async def _grow(database: Database, world: World) -> None:
    """Twenty more activities owned in both cities, each reported on three times."""
    p = world.partnership_id
    for n in range(20):
        owner = world.sven if n % 2 else world.li
        activity = await tracked(
            database, p, f"Activity {n}", owner=owner, due_on=date(2026, 4, 1 + n)
        )
        for week in range(3):
            at = utc(2026, 3, 2, 8) + timedelta(days=7 * week, hours=n)
            await reported(database, owner, p, activity, at, status="on_track", percent=week * 10)
