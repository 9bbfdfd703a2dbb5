"""/mydata hands over a file: a one-time link in the browser chat and on channels that
take no file (with a public address), a document on Telegram (``tests/channels``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from c2cbot.config import Settings
from c2cbot.flows.commands import privacy
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.web import mydata
from tests.driver import Driver
from tests.scheduling.conftest import build_world, says, utc
from tests.support.clock import SetClock


@pytest.fixture
def hands() -> SetClock:
    return SetClock(utc(2026, 5, 4, 9))


@pytest.fixture
async def served(settings: Settings, database: Database, hands: SetClock) -> AsyncIterator[Bot]:
    public = Settings(
        database_url=settings.database_url,
        public_url="https://c2c.example.org/",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = Bot(public, clock=hands)
    URLS[bot] = await bot.start("127.0.0.1", 0)
    yield bot
    await bot.stop()


URLS: dict[Bot, str] = {}


async def _get(bot: Bot, path: str, language: str = "en") -> tuple[int, bytes, dict[str, str]]:
    base = URLS[bot]
    headers = {"Accept-Language": language}
    async with aiohttp.ClientSession(base) as session, session.get(path, headers=headers) as got:
        return got.status, await got.read(), dict(got.headers)


async def test_the_browser_chat_offers_a_link_that_works_once(
    database: Database, texts: Catalogues, served: Bot
) -> None:
    world = await build_world(database, plan_created=None)
    li = Driver(served, "li")
    await li.send("/mydata")
    [offer] = [reply for reply in li.replies if "link" in reply.extra]
    assert says(texts, "zh_Hans", privacy.MYDATA_BELOW) in offer.text
    path = offer.extra["link"]["path"]
    assert offer.extra["link"]["download"] is True
    assert offer.extra["link"]["label"] == texts.gettext("zh_Hans", privacy.DOWNLOAD)
    assert path.startswith("/mydata/") and len(path) > 40

    status, body, headers = await _get(served, path)
    assert status == 200
    assert headers["Content-Disposition"] == f'attachment; filename="{mydata.FILE_NAME}"'
    assert headers["Cache-Control"] == "no-store"
    data = json.loads(body)
    assert data["profile"]["name"] == "Li" and data["profile"]["city"] == "Shanghai"
    assert data["channels"][0]["channel"] == "web"

    status, body, _ = await _get(served, path, "zh-CN")  # once only
    assert status == 404
    assert body.decode() == says(texts, "zh_Hans", mydata.GONE)
    assert world.li  # the person behind the link is the one who asked


async def test_a_link_expires_after_a_day_and_an_erasure_ends_it(
    database: Database, served: Bot, hands: SetClock
) -> None:
    await build_world(database, plan_created=None)
    sven = Driver(served, "sven")
    await sven.send("/mydata")
    late = next(r.extra["link"]["path"] for r in sven.replies if "link" in r.extra)
    hands.now += timedelta(hours=24, seconds=1)
    assert (await _get(served, late))[0] == 404

    await sven.send("/mydata")  # a new link, then the person is erased before using it
    erased = next(r.extra["link"]["path"] for r in reversed(sven.replies) if "link" in r.extra)
    await sven.send("/forget confirm")
    assert (await _get(served, erased))[0] == 404
    assert (await _get(served, "/mydata/" + "x" * 43))[0] == 404  # a guess


async def test_a_channel_without_files_gets_the_link_on_the_public_address(
    database: Database, texts: Catalogues, served: Bot
) -> None:
    await build_world(database, plan_created=None)
    wang = Driver(served, "wang-wechat", channel="wechat", language_hint="zh-CN")
    await wang.send("/mydata")
    [line] = [r.text for r in wang.replies if "https://c2c.example.org/mydata/" in r.text]
    assert line.startswith(says(texts, "zh_Hans", privacy.MYDATA_LINK).split("{")[0])
    link = line[line.index("https://") :].split()[0]
    status, body, _ = await _get(served, link.removeprefix("https://c2c.example.org"))
    assert status == 200 and json.loads(body)["channels"][0]["channel"] == "wechat"


async def test_a_sign_in_link_opens_no_data(database: Database, served: Bot) -> None:
    """Both kinds of one-time link share a table; each opens only what it was made for."""
    await build_world(database, plan_created=None)
    li = Driver(served, "li")
    await li.send("/web")
    sign_in = next(r.extra["link"]["path"] for r in li.replies if "link" in r.extra)
    secret = sign_in.rsplit("/", 1)[1]
    assert (await _get(served, f"/mydata/{secret}"))[0] == 404
    assert (await _get(served, sign_in))[0] == 200  # and it still signs her in
