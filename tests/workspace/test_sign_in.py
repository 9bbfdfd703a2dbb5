"""/web signs a person in to the workspace: a one-time link, a session in a cookie whose
hash alone is stored, sliding expiry within a limit, sign-out, and /forget ending it all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from c2cbot.config import Settings
from c2cbot.domain.web_sign_in import SESSION_IDLE, SESSION_LONGEST, SIGN_IN_LINK_LIFETIME
from c2cbot.flows.commands import workspace
from c2cbot.flows.steps_menu import JOIN_FIRST
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.guard_models import OneTimeLink, WebSession
from c2cbot.web import workspace_pages
from tests.driver import Driver
from tests.scheduling.conftest import World, says
from tests.support.clock import SetClock
from tests.workspace.conftest import PUBLIC, Browser, Browsers, Served, sign_in_link


async def _rows(database: Database, model: type) -> list[object]:
    async with database.sessions() as session:
        return list(await session.scalars(select(model)))


async def _count(database: Database, model: type) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_browser_chat_gives_a_link_that_signs_in_once(
    served: Served, world: World, browsers: Browsers, texts: Catalogues, database: Database
) -> None:
    li = Driver(served.bot, "li")
    await li.send("/web")
    [offer] = [reply for reply in li.replies if "link" in reply.extra]
    assert says(texts, "zh_Hans", workspace.LINK_BELOW) in offer.text
    assert offer.extra["link"]["label"] == texts.gettext("zh_Hans", workspace.LINK_LABEL)
    path = offer.extra["link"]["path"]
    assert path.startswith("/p/sign-in/") and len(path) > 50
    [stored] = await _rows(database, OneTimeLink)
    assert isinstance(stored, OneTimeLink) and stored.purpose == "sign-in"
    assert stored.secret_hash == hashlib.sha256(path.rsplit("/", 1)[1].encode()).hexdigest()
    assert stored.expires_at == served.bot.clock() + SIGN_IN_LINK_LIFETIME

    browser = browsers("zh-CN")
    for _ in range(2):  # looking at the link (a chat app's preview does) uses nothing up
        page = await browser.get(path)
        assert page.status == 200 and 'method="post"' in page.text
        assert texts.gettext("zh_Hans", workspace.LINK_LABEL) in page.text
        assert page.headers["Cache-Control"] == "no-store"
    assert browser.cookie() is None

    signed_in = await browser.post(path)
    assert signed_in.status == 200 and signed_in.url.endswith("/p/")
    assert "哥德堡–上海" in signed_in.text and 'lang="zh-Hans"' in signed_in.text
    secret = browser.cookie()
    assert secret is not None
    [session] = await _rows(database, WebSession)
    assert isinstance(session, WebSession) and session.stakeholder_id == world.li
    assert session.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {session.secret_hash, path}

    again = await browsers("zh-CN").post(path)  # the link worked once
    assert again.status == 404
    assert escape(says(texts, "zh_Hans", workspace_pages.LINK_GONE.text)) in again.text
    assert await _count(database, WebSession) == 1


async def test_the_cookie_is_http_only_lax_scoped_to_the_workspace(
    served: Served, world: World, browsers: Browsers
) -> None:
    link = await sign_in_link(served, "sven")
    browser = browsers()
    async with browser.session.post(
        link, headers={"Origin": served.base}, allow_redirects=False
    ) as response:
        assert response.status == 303 and response.headers["Location"] == "/p/"
        cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/p/" in cookie
    assert f"Max-Age={int(SESSION_LONGEST.total_seconds())}" in cookie
    assert "Secure" not in cookie  # plain http on loopback; behind https it is (below)


@pytest.fixture
async def behind_https(settings: Settings, database: Database) -> AsyncIterator[Served]:
    proxied = Settings(
        database_url=settings.database_url,
        public_url=f"{PUBLIC}/",  # type: ignore[arg-type]
        trust_proxy=True,
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = Bot(proxied)
    yield Served(bot, await bot.start("127.0.0.1", 0))
    await bot.stop()


async def test_behind_an_https_proxy_the_cookie_is_secure(
    behind_https: Served, world: World
) -> None:
    link = await sign_in_link(behind_https, "anna")
    browser = Browser(behind_https)
    try:
        headers = {"Origin": PUBLIC, "X-Forwarded-Proto": "https"}
        async with browser.session.post(link, headers=headers, allow_redirects=False) as response:
            assert response.status == 303
            assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await browser.close()


async def test_a_link_expires_and_a_new_one_voids_the_old(
    served: Served, world: World, browsers: Browsers, hands: SetClock
) -> None:
    late = await sign_in_link(served, "anna")
    hands.now += SIGN_IN_LINK_LIFETIME + timedelta(seconds=1)
    assert (await browsers().get(late)).status == 404
    assert (await browsers().post(late)).status == 404

    first = await sign_in_link(served, "anna")
    second = await sign_in_link(served, "anna")
    assert (await browsers().post(first)).status == 404
    assert (await browsers().post(second)).status == 200


async def test_a_sign_in_from_another_site_changes_nothing(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    link = await sign_in_link(served, "wang")
    for origin in ("https://evil.example", "null"):
        refused = await browsers().post(link, origin=origin)
        assert refused.status == 403
    assert await _count(database, WebSession) == 0
    assert (await browsers().post(link)).status == 200  # the link still works


async def test_a_session_slides_while_used_and_ends_at_its_limit(
    served: Served, world: World, browsers: Browsers, hands: SetClock
) -> None:
    browser = browsers()
    await browser.sign_in("sven")
    signed_in_at = hands.now
    while hands.now + SESSION_IDLE - timedelta(hours=1) < signed_in_at + SESSION_LONGEST:
        hands.now += SESSION_IDLE - timedelta(hours=1)
        assert (await browser.get("/p/")).status == 200
    hands.now = signed_in_at + SESSION_LONGEST + timedelta(seconds=1)
    assert (await browser.get("/p/")).status == 403

    idle = browsers()
    await idle.sign_in("sven")
    hands.now += SESSION_IDLE + timedelta(seconds=1)
    page = await idle.get("/p/")
    assert page.status == 403 and "/web" in page.text


async def test_signing_out_ends_the_session_and_only_from_this_site(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    browser = browsers()
    await browser.sign_in("anna")
    secret = browser.cookie()
    assert (await browser.post("/p/sign-out", origin="https://evil.example")).status == 403
    assert (await browser.get("/p/")).status == 200
    signed_out = await browser.post("/p/sign-out")
    assert signed_out.status == 200 and signed_out.url.endswith("/p/signed-out")
    assert browser.cookie() is None
    assert await _count(database, WebSession) == 0
    replayed = browsers()
    replayed.session.cookie_jar.update_cookies({"c2c_workspace": secret or ""})
    assert (await replayed.get("/p/")).status == 403


async def test_forget_ends_every_session_and_link(
    served: Served, world: World, browsers: Browsers, database: Database
) -> None:
    phone, laptop = browsers("zh-CN"), browsers("zh-CN")
    await phone.sign_in("li")
    await laptop.sign_in("li")
    unused = await sign_in_link(served, "li")
    assert await _count(database, WebSession) == 2
    await Driver(served.bot, "li").send("/forget confirm")
    assert await _count(database, WebSession) == 0
    assert await _count(database, OneTimeLink) == 0
    for browser in (phone, laptop):
        assert (await browser.get("/p/")).status == 403
    assert (await browsers().post(unused)).status == 404


async def test_someone_in_no_partnership_is_told_to_join_first(
    served: Served, world: World, texts: Catalogues, database: Database
) -> None:
    stranger = Driver(served.bot, "stranger", channel="telegram", language_hint="de")
    await stranger.send("/web")
    assert says(texts, "de", JOIN_FIRST) in stranger.text
    assert await _count(database, OneTimeLink) == 0


async def test_a_member_on_wechat_gets_the_link_or_is_told_it_needs_an_address(
    served: Served, bot: Bot, world: World, browsers: Browsers, texts: Catalogues
) -> None:
    driver = Driver(served.bot, "wang")
    await driver.send("/connect")
    [code] = set(re.findall(r"[A-Z0-9]{5}-[A-Z0-9]{5}", driver.text))
    wechat = Driver(served.bot, "wang-wechat", channel="wechat", language_hint="zh-CN")
    await wechat.send(f"/connect {code}")
    await wechat.send("/web")
    [line] = [r.text for r in wechat.replies if f"{PUBLIC}/p/sign-in/" in r.text]
    assert line.startswith(says(texts, "zh_Hans", workspace.LINK).split("{")[0])
    link = line[line.index(PUBLIC) :].split()[0].removeprefix(PUBLIC)
    assert (await browsers("zh-CN").post(link)).status == 200

    without = Driver(bot, "wang-wechat", channel="wechat", language_hint="zh-CN")
    await without.send("/web")  # the same person, on a bot that knows no public address
    assert says(texts, "zh_Hans", workspace.NO_ADDRESS) in without.text
