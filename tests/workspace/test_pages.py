"""What the workspace shows: the reader's partnerships, the overview (work path, steps ×
cities, late activities, who is awaited) and a page per step with both cities' answers
side by side, in the reader's language, with what people typed escaped everywhere.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from markupsafe import escape

from c2cbot.flows.commands import workspace
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.web import workspace_pages
from c2cbot.workspace import overview, step_page
from tests.scheduling.conftest import World, utc
from tests.workspace.conftest import Browsers, Served
from tests.workspace.records import activity, answer, asked, completed, rename

VISION_ZH = "一座绿色、开放、宜居的国际化城市。\n人人都能参与。"


@pytest.fixture
async def answered(world: World, database: Database) -> World:
    """Both cities have started Aim (Li changed her challenges once), Anna began the Plan,
    one activity is late and one due soon, and Li has a progress question waiting."""
    p = world.partnership_id
    await answer(database, world.sven, p, "vision", "text", "A green port city for everyone.")
    await answer(database, world.sven, p, "challenges", "multi", ["mobility", "water"])
    await answer(database, world.li, p, "vision", "text", VISION_ZH, language="zh_Hans")
    await answer(database, world.li, p, "challenges", "multi", ["digital"], language="zh_Hans")
    later = utc(2026, 5, 2, 3)
    await answer(
        database,
        world.li,
        p,
        "challenges",
        "multi",
        ["climate_energy"],
        language="zh_Hans",
        at=later,
    )
    await answer(database, world.wang, p, "has_strategy", "yesno", True, language="zh_Hans")
    plan = {"conversation": "plan", "item": 0}
    await answer(
        database, world.anna, p, "activities.title", "text", "Joint mobility study", **plan
    )
    await answer(database, world.anna, p, "activities.owner", "choice", str(world.li), **plan)
    await answer(database, world.anna, p, "activities.due", "date", "2026-09-30", **plan)
    await activity(database, p, "Youth orchestra exchange", date(2026, 5, 1), world.anna)
    await activity(database, p, "Sister schools visit", date(2026, 5, 10), world.anna)
    await asked(database, world.li, p, 1)
    return world


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _cell(html: str, step: str) -> list[str]:
    """The texts of a step's row in the overview's table: its cells, city by city."""
    row = html[html.index(f"/steps/{step}") : html.index("</tr>", html.index(f"/steps/{step}"))]
    return [
        re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", cell)).strip() for cell in row.split("<td>")[1:]
    ]


async def test_a_coordinator_sees_where_both_cities_stand(
    served: Served, answered: World, browsers: Browsers
) -> None:
    anna = browsers("de-DE")  # the browser's language does not matter once signed in
    listed = await anna.sign_in("anna")
    assert 'lang="en"' in listed.text and f'href="/p/{answered.partnership_id}/"' in listed.text
    page = await anna.get(f"/p/{answered.partnership_id}/")
    assert page.status == 200
    html = page.text
    assert "Gothenburg–Shanghai" in html and '<span class="role">Coordinator</span>' in html
    assert "Step 2 of 4: Do · Work path: Continual improvement" in html
    assert '<li class="loop-done">Plan</li>' in html
    assert re.search(r'<li class="loop-current" aria-current="step">Do</li>', html)

    assert _cell(html, "aim") == ["2/9 1 of 2 answered", "3/9 2 of 2 answered"]
    assert _cell(html, "plan")[0].endswith("1 of 2 answered")
    assert "Not on this work path" in html and "Current step" in html

    activities = _section(html, "activities")
    late, soon = activities.index("Youth orchestra exchange"), activities.index("Sister schools")
    assert late < soon and "Late" in activities[late:soon] and "Late" not in activities[soon:]
    assert "May 1, 2026" in activities and "Anna (Gothenburg)" in activities
    assert '<span class="what">Li</span>' in _section(html, "waiting")


async def test_a_member_sees_how_many_are_awaited_not_who(
    served: Served, answered: World, browsers: Browsers
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    html = (await sven.get(f"/p/{answered.partnership_id}/")).text
    assert '<span class="role">' not in html
    waiting = _section(html, "waiting")
    assert "Li" not in waiting and ": 1." in waiting


async def test_a_chinese_reader_reads_it_all_in_chinese(
    served: Served, answered: World, browsers: Browsers, texts: Catalogues
) -> None:
    wang = browsers("en-GB")
    await wang.sign_in("wang")
    html = (await wang.get(f"/p/{answered.partnership_id}/")).text
    assert '<html lang="zh-Hans">' in html and "哥德堡–上海" in html
    assert texts.gettext("zh_Hans", "Aim") in html and "哥德堡" in html
    assert texts.format_date("zh_Hans", date(2026, 5, 1)) == "2026年5月1日"
    assert "2026年5月1日" in html

    aim = (await wang.get(f"/p/{answered.partnership_id}/steps/aim")).text
    assert texts.gettext("zh_Hans", "Urban mobility") in aim  # Sven's choices, in Chinese
    assert texts.gettext("zh_Hans", "Climate and energy") in aim
    assert "以前的回答（1）" in aim  # Chinese brackets around the count, in Chinese
    assert VISION_ZH in aim and "A green port city for everyone." in aim  # as typed
    assert 'lang="en"' in aim and 'lang="zh-Hans"' in aim
    assert "2026年4月30日" in aim and "2026年5月2日" in aim  # Shanghai's day, in Chinese

    german = await wang.get(f"/p/{answered.partnership_id}/steps/aim?lang=de")
    assert '<html lang="de">' in german.text and "30. April 2026" in german.text
    assert f'href="/p/{answered.partnership_id}/?lang=de"' in german.text


async def test_a_step_shows_both_cities_side_by_side_with_history_on_demand(
    served: Served, answered: World, browsers: Browsers
) -> None:
    sven = browsers()
    await sven.sign_in("sven")
    html = (await sven.get(f"/p/{answered.partnership_id}/steps/aim")).text
    assert "Aim: why go international" in html
    challenges = html[html.index('id="q2"') : html.index('id="q3"')]
    gothenburg, shanghai = challenges.split("<h3>")[1:3]
    assert gothenburg.startswith("Gothenburg") and "Urban mobility, Water" in gothenburg
    assert "Sven · April 30, 2026" in gothenburg and "<details>" not in gothenburg
    assert shanghai.startswith("Shanghai") and "Climate and energy" in shanghai
    assert "Li · May 2, 2026" in shanghai
    earlier = shanghai[shanghai.index("<details>") :]
    assert "Earlier answers (1)" in earlier and "Digital" in earlier
    vision = html[html.index('id="q1"') : html.index('id="q2"')]
    assert "As written, in English" in vision and "As written, in 简体中文" in vision
    strategy = html[html.index('id="q3"') : html.index('id="q4"')]
    assert "Yes" in strategy and "Wang" in strategy and "No answer yet" in strategy

    plan = (await sven.get(f"/p/{answered.partnership_id}/steps/plan")).text
    assert "Joint mobility study" in plan and "Li (Shanghai)" in plan
    assert "September 30, 2026" in plan
    assert "/completion" not in plan  # members are not offered the completion


async def test_coordinators_see_the_steps_completion_members_do_not(
    served: Served, answered: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    await completed(database, answered.wang, answered.partnership_id, "aim")
    anna = browsers()
    await anna.sign_in("anna")
    path = f"/p/{answered.partnership_id}/steps/aim/completion"
    assert path in (await anna.get(f"/p/{answered.partnership_id}/steps/aim")).text
    html = (await anna.get(path)).text
    gothenburg, shanghai = html.split('<section class="city"')[1:3]
    assert "Questions answered: 2 of 9" in gothenburg
    assert "Does your city have a written international strategy?" in gothenburg
    assert "<li>Anna</li>" in gothenburg and "<li>Sven</li>" not in gothenburg
    assert "Anna · not completed yet" in gothenburg
    assert 'Wang · <span class="done">✓</span>' in shanghai

    li = browsers("en")
    await li.sign_in("li")
    refused = await li.get(path)
    assert refused.status == 403 and '<html lang="zh-Hans">' in refused.text
    assert escape(texts.gettext("zh_Hans", workspace_pages.COORDINATORS_ONLY.text)) in refused.text


HOSTILE = '<script>alert("x")</script><b>bold</b>'


async def test_what_people_typed_is_escaped_everywhere(
    served: Served, answered: World, browsers: Browsers, database: Database
) -> None:
    p = answered.partnership_id
    await rename(database, answered.sven, f"Sven {HOSTILE}")
    await rename(database, answered.li, f"Li {HOSTILE}")
    await rename(database, answered.wang, f"Wang {HOSTILE}")
    await answer(database, answered.sven, p, "swot", "text", f"Strengths {HOSTILE}")
    await answer(
        database, answered.anna, p, "activities.title", "text", HOSTILE, conversation="plan", item=1
    )
    await activity(database, p, f"Late {HOSTILE}", date(2026, 4, 1), answered.sven)
    anna = browsers()
    await anna.sign_in("anna")
    sven = browsers()
    await sven.sign_in("sven")
    pages = [
        await anna.get(path)
        for path in (
            "/p/",
            f"/p/{p}/",
            f"/p/{p}/steps/aim",
            f"/p/{p}/steps/plan",
            f"/p/{p}/steps/aim/completion",
        )
    ] + [await sven.get("/p/")]
    for page in pages:
        assert page.status == 200
        assert "<script" not in page.text and "<b>" not in page.text, page.url
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
    overview_html, aim, plan, done = (page.text for page in pages[1:5])
    assert f"Late {escaped}" in overview_html and f"Sven {escaped}" in overview_html
    assert f"Li {escaped}" in overview_html  # among the awaited
    assert f"Strengths {escaped}" in aim and f"Sven {escaped}" in aim
    assert escaped in plan and f"Li {escaped} (Shanghai)" in plan  # an owner picked
    assert f"Wang {escaped} · not completed yet" in done  # a coordinator of Shanghai
    assert f"Sven {escaped}" in pages[-1].text  # the signed-in name at the top


def test_the_page_words_are_marked_for_translation() -> None:
    """What the views say comes from the catalogues (``make messages`` extracts them)."""
    assert overview.STATES["current"] == "Current step"
    assert step_page.OTHER_CITIES and workspace.LINK_LABEL
