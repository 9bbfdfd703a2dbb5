"""What the workspace does with input nobody should send: another partnership's page, ids
out of range, unknown steps, forged or missing sessions, long query strings, wrong
methods. Each is a small page in the reader's language with a 403, 404 or 414: never a
5xx, never the same page as a real one, and nothing in the database changes.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.guard_models import OneTimeLink, WebSession
from c2cbot.store.models import Answer, Partnership
from c2cbot.web import workspace_pages
from c2cbot.web.guards import HEADERS
from tests.scheduling.conftest import World
from tests.workspace.conftest import Browsers, Served, sign_in_link
from tests.workspace.records import answer


async def _bonn_chengdu(database: Database) -> int:
    async with database.sessions() as session:
        query = select(Partnership.id).where(Partnership.key == "bonn_chengdu")
        return int(await session.scalar(query) or 0)


async def _counts(database: Database) -> tuple[int, ...]:
    found = []
    async with database.sessions() as session:
        for model in (WebSession, OneTimeLink, Answer):
            found.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(found)


def _not_found(texts: Catalogues, language: str) -> str:
    return str(escape(texts.gettext(language, workspace_pages.NOT_FOUND.text)))


async def test_pages_that_are_not_yours_look_like_pages_that_do_not_exist(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    other = await _bonn_chengdu(database)
    await answer(database, world.sven, world.partnership_id, "vision", "text", "Ours")
    li = browsers("en")
    await li.sign_in("li")  # Li reads Chinese, whatever her browser says
    before = await _counts(database)
    p = world.partnership_id
    paths = [
        f"/p/{other}/",  # a partnership she is not a member of
        f"/p/{other}/steps/aim",
        f"/p/{other}/steps/aim/completion",
        "/p/999999/",  # one that does not exist
        "/p/999999999/steps/aim",
        "/p/99999999999999999999999/",  # ids out of any range
        "/p/-1/",
        "/p/0/",
        "/p/1e3/",
        "/p/١٢/",  # digits, but not ASCII ones
        "/p/abc/steps/aim",
        f"/p/{p}/steps/nowhere",  # steps that are not steps
        f"/p/{p}/steps/onboarding",
        f"/p/{p}/steps/kpi_count",
        f"/p/{p}/steps/AIM",
        f"/p/{p}/steps/aim/completion/more",
        f"/p/{p}/nothing",
        "/p/static/missing.css",
        "/p/sign-out",  # a GET where only a POST is taken
    ]
    bodies = set()
    for path in paths:
        page = await li.get(path)
        assert page.status == 404, path
        assert '<html lang="zh-Hans">' in page.text and _not_found(texts, "zh_Hans") in page.text
        assert "Ours" not in page.text
        bodies.add(page.text)
    assert len(bodies) == 1  # all alike: no id reveals that it exists
    assert await _counts(database) == before


async def test_without_a_session_every_page_asks_to_sign_in(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    stranger = browsers("de-DE,de;q=0.9")
    forged = browsers("zh-CN")
    forged.session.cookie_jar.update_cookies({"c2c_workspace": "A" * 43})
    silly = browsers("en")
    silly.session.cookie_jar.update_cookies({"c2c_workspace": "x" * 5000})
    before = await _counts(database)
    for browser, language in ((stranger, "de"), (forged, "zh_Hans"), (silly, "en")):
        for path in ("/p/", "/p", f"/p/{world.partnership_id}/", "/p/1/steps/aim"):
            page = await browser.get(path)
            assert page.status == 403, path
            assert escape(texts.gettext(language, workspace_pages.SIGN_IN.text)) in page.text
    assert await _counts(database) == before


async def test_used_or_wrong_sign_in_links_change_nothing(
    served: Served, world: World, browsers: Browsers, database: Database, texts: Catalogues
) -> None:
    link = await sign_in_link(served, "sven")
    await browsers().sign_in("sven")  # another link, which voids this one
    before = await _counts(database)
    for path in (link, "/p/sign-in/short", "/p/sign-in/" + "y" * 43, "/p/sign-in/" + "z" * 3000):
        for page in (await browsers("de").get(path), await browsers("de").post(path)):
            assert page.status == 404, path
            assert escape(texts.gettext("de", workspace_pages.LINK_GONE.title)) in page.text
    assert await _counts(database) == before


@pytest.mark.parametrize("length", [600, 4_000, 7_000])
async def test_long_query_strings_are_refused_politely(
    served: Served, world: World, browsers: Browsers, length: int
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{world.partnership_id}/?lang=" + "x" * length)
    assert page.status == 414 and "Address too long" in page.text


async def test_query_strings_beyond_what_the_server_reads_are_no_server_error(
    served: Served, world: World, browsers: Browsers
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    page = await anna.get(f"/p/{world.partnership_id}/?q=" + "x" * 100_000)
    assert 400 <= page.status < 500


async def test_an_unknown_language_is_ignored_and_headers_are_kept(
    served: Served, world: World, browsers: Browsers
) -> None:
    anna = browsers()
    await anna.sign_in("anna")
    for query in ("?lang=xx", "?lang=", "?lang=<script>", "?lang=de&lang=zh_Hans", "?x=1"):
        page = await anna.get(f"/p/{world.partnership_id}/{query}")
        assert page.status == 200, query
        assert "<script>" not in page.text
        for name, value in HEADERS.items():
            if name != "Referrer-Policy":
                assert page.headers[name] == value
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert page.headers["Cache-Control"] == "no-store"
    static = await anna.get("/p/static/workspace.css")
    assert static.status == 200 and "font-family" in static.text
