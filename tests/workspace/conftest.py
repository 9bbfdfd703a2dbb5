"""The workspace's world: Gothenburg–Shanghai served over loopback HTTP, a clock the test
moves, and browsers (aiohttp sessions, each with its own cookies) that sign in with the
link /web sends to a person's browser chat.

The partnership and its people are the scheduling tests' (``tests/scheduling/conftest``):
Sven (Gothenburg) and Li (Shanghai) are members, Anna (Gothenburg) and Wang (Shanghai)
coordinate; Li and Wang read Chinese.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser as Chromium
from playwright.async_api import BrowserContext, async_playwright, expect
from playwright.async_api import Page as Tab

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from tests.driver import Driver
from tests.scheduling import conftest as scheduling
from tests.scheduling.conftest import World, build_world, utc
from tests.support.clock import SetClock
from tests.web import test_browser_chat as browser_chat
from tests.workspace.page_checks import PHONE, require_axe

# The scheduling tests' catalogues.
texts = scheduling.texts

PUBLIC = "https://c2c.example.org"


@pytest.fixture
def hands() -> SetClock:
    return SetClock(utc(2026, 5, 4, 9))


@dataclass
class Served:
    bot: Bot
    base: str


@pytest.fixture
async def served(settings: Settings, database: Database, hands: SetClock) -> AsyncIterator[Served]:
    public = Settings(
        database_url=settings.database_url,
        public_url=f"{PUBLIC}/",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = Bot(public, clock=hands)
    base = await bot.start("127.0.0.1", 0)
    yield Served(bot, base)
    await bot.stop()


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database, plan_created=None)


@dataclass(frozen=True)
class Page:
    status: int
    text: str
    headers: Any
    url: str


class Browser:
    """One browser: its own cookies, its language, this site's ``Origin`` on its forms."""

    def __init__(self, served: Served, language: str = "en") -> None:
        self.served, self.language = served, language
        self.session = aiohttp.ClientSession(served.base, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def get(self, path: str, **headers: str) -> Page:
        wanted = {"Accept-Language": self.language, **headers}
        async with self.session.get(path, headers=wanted) as response:
            return Page(response.status, await response.text(), response.headers, str(response.url))

    async def post(self, path: str, origin: str | None = None, **headers: str) -> Page:
        wanted = {"Accept-Language": self.language, "Origin": origin or self.served.base}
        async with self.session.post(path, headers={**wanted, **headers}) as response:
            return Page(response.status, await response.text(), response.headers, str(response.url))

    async def sign_in(self, person: str) -> Page:
        """Ask for a link in the browser chat as ``person``, open it, press the button."""
        link = await sign_in_link(self.served, person)
        await self.get(link)
        return await self.post(link)

    def cookie(self) -> str | None:
        found = [c for c in self.session.cookie_jar if c.key == "c2c_workspace"]
        return found[0].value if found else None

    async def close(self) -> None:
        await self.session.close()


async def sign_in_link(served: Served, person: str) -> str:
    """The path /web gives ``person`` in the browser chat."""
    driver = Driver(served.bot, person)
    await driver.send("/web")
    links = [reply.extra["link"] for reply in driver.replies if "link" in reply.extra]
    return str(links[-1]["path"])  # the newest: the chat's earlier replies come along


Browsers = Callable[..., Browser]


@pytest.fixture
async def browsers(served: Served) -> AsyncIterator[Browsers]:
    opened: list[Browser] = []

    def browser(language: str = "en") -> Browser:
        opened.append(Browser(served, language))
        return opened[-1]

    yield browser
    for each in opened:
        await each.close()


@pytest.fixture
async def chromium(database: Database) -> AsyncIterator[Chromium]:
    """Debian's headless Chromium, for the pages' browser tests (on SQLite only: the
    pages' reads are tested on both databases over HTTP)."""
    browser_chat._require_chromium()
    if not database.engine.url.drivername.startswith("sqlite"):
        pytest.skip("browser tests run on SQLite only")
    playwright = await async_playwright().start()
    try:
        launched = await playwright.chromium.launch(
            executable_path=str(browser_chat.CHROMIUM), args=browser_chat.CHROMIUM_ARGS
        )
        yield launched
        await launched.close()
    finally:
        await playwright.stop()


@pytest.fixture
def axe() -> str:
    """axe-core's script, which the browser tests run on every page."""
    return require_axe()


async def phone(browser: Chromium, locale: str) -> tuple[BrowserContext, Tab]:
    """A new phone-sized tab (390×844) that keeps what it downloads."""
    context = await browser.new_context(locale=locale, viewport=PHONE, accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(browser_chat.TIMEOUT_MS)
    return context, page


async def on_a_phone(served: Served, browser: Chromium, person: str, locale: str) -> Tab:
    """``person`` sends /web in their chat, opens the link on a phone and presses the button."""
    link = await sign_in_link(served, person)
    _context, page = await phone(browser, locale)
    await page.goto(served.base + link)
    await page.get_by_role("button").click()
    await expect(page).to_have_url(re.compile(r"/p/$"))
    return page
