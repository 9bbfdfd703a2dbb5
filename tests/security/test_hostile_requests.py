"""No 5xx from input anyone can send: the hostile corpus (``corpus.py``) over real loopback
HTTP against one bot with every channel on, then the bot is checked to be healthy and to
answer ordinary messages as before.

One bot serves the whole corpus (per database backend), as a server on the internet
would: a case that broke something for the cases after it is caught too.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import func, select

from c2cbot.store.guard_models import Attempt, CallbackNonce
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    ConversationState,
    InboundMessage,
    JournalEntry,
    OutboxMessage,
    Stakeholder,
)
from tests.conftest import BACKENDS, _reset_postgres
from tests.fakes.wechat_api import AES_KEY, WeChatUser
from tests.security.corpus import CASES, Case
from tests.security.raw import Raw, exchange
from tests.security.target import COOKIE, Target
from tests.security.wired import WEBHOOK_SECRET, Wired, wired_bot
from tests.support.waiting import eventually

# One bot per backend takes the whole corpus, and the last test checks it afterwards: under
# pytest-xdist the module runs on one worker, in its order (make test: --dist loadgroup).
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.xdist_group("hostile_requests"),
]

#: What an accepted message leaves behind; none of it may come from a refused request.
CONTENT = (
    InboundMessage,
    JournalEntry,
    Answer,
    Stakeholder,
    ChannelIdentity,
    ConversationState,
    OutboxMessage,
    Attempt,
)


class Errors(logging.Handler):
    """Every record at ERROR or above while the corpus runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BACKENDS)
async def wired(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str | None,
    errors: Errors,
) -> AsyncIterator[Wired]:
    if request.param == "postgresql":
        assert postgres_url is not None
        await _reset_postgres(postgres_url)
        url = postgres_url
    else:
        folder: Path = tmp_path_factory.mktemp("hostile")
        url = f"sqlite+aiosqlite:///{folder / 'c2cbot.sqlite3'}"
    async with wired_bot(url) as wired:
        yield wired


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def target(wired: Wired) -> Target:
    """The bot as the corpus sees it, with a browser chat identity from GET /chat."""
    page = await exchange("127.0.0.1", wired.port, Raw("GET", "/chat"))
    cookie = page.headers["set-cookie"].split(";")[0].removeprefix(f"{COOKIE}=")
    return Target(wired, cookie)


async def counts(wired: Wired, tables: tuple[type, ...]) -> dict[str, int]:
    """Rows in each table, once the callbacks still running have finished."""
    await wired.settle()
    columns = [select(func.count()).select_from(t).scalar_subquery() for t in tables]
    async with wired.bot.database.sessions() as session:
        row = (await session.execute(select(*columns))).one()
    return {t.__tablename__: n for t, n in zip(tables, row, strict=True)}  # type: ignore[attr-defined]


def registered(app: web.Application) -> dict[str, set[str]]:
    """Every route of the app: its path pattern and the methods it takes."""
    routes: dict[str, set[str]] = {}
    for route in app.router.routes():
        routes.setdefault(route.resource.canonical, set()).add(route.method)  # type: ignore[union-attr]
    return routes


def pattern_of(path: str, target: str) -> str | None:
    """The registered path pattern that ``target`` reaches, if any."""
    path_only = target.split("?", 1)[0]
    regex = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", path))
    return path if re.fullmatch(regex, path_only) else None


async def test_the_corpus_covers_every_route(target: Target) -> None:
    """Each method of each route the app serves has a case, and so has a method it does
    not take: a new route without hostile cases of its own fails here."""
    routes = registered(target.wired.bot.app)
    reached: dict[str, set[str]] = {path: set() for path in routes}
    for hostile in CASES:
        raw = hostile.build(target)
        for path in routes:
            if raw.head is None and pattern_of(path, raw.target):
                reached[path].add(raw.method)
    assert {p: methods - reached[p] for p, methods in routes.items() if methods - reached[p]} == {}
    assert [p for p, methods in routes.items() if not reached[p] - methods] == []


@pytest.mark.parametrize("hostile", [pytest.param(c, id=c.id) for c in CASES])
async def test_hostile_request_gets_no_5xx_and_stores_nothing(
    target: Target, hostile: Case
) -> None:
    tables = CONTENT if hostile.signed else (*CONTENT, CallbackNonce)
    before = None if hostile.stores else await counts(target.wired, tables)
    answer = await exchange("127.0.0.1", target.wired.port, hostile.build(target))
    said = f"{answer.status} {answer.text[:200]!r}"
    assert answer.status is None or answer.status < 500, said
    assert answer.status in hostile.expect, said
    if before is not None:
        assert await counts(target.wired, tables) == before, said


async def test_buttons_no_button_carried_get_a_polite_answer(target: Target) -> None:
    """Out-of-range button data, on the browser chat and on Telegram: the button's press
    is acknowledged and the person is shown where they are, nothing overflows."""
    wired = target.wired
    async with browser(wired.url) as session:
        await post_to_chat(session, {"id": "b1", "action": "p:999999999999999999999"})
        texts = [message["text"] for message in await replies(session, lambda seen: len(seen) > 1)]
    assert texts[0].startswith("That button belongs to an earlier question.")
    assert texts[1].startswith("Please join a partnership first")
    press = wired.telegram.user_clicks(7100, 1, "p:999999999999999999999")
    endpoint = f"{wired.url}/telegram"
    assert await wired.telegram.post_update_to(endpoint, WEBHOOK_SECRET, press) == [200]
    assert press["callback_query"]["id"] in wired.telegram.answered  # the spinner stops
    await eventually(lambda: wired.telegram.chat(7100) != [], within=10, what="a reply")
    assert wired.telegram.chat(7100)[0].plain.startswith("That button belongs to")


async def test_the_bot_is_healthy_after_the_corpus(target: Target, errors: Errors) -> None:
    """After every case on this backend (pytest keeps the module's order): healthy, no
    error logged, and a new person on each channel is answered as ever."""
    wired = target.wired
    health = await exchange("127.0.0.1", wired.port, Raw("GET", "/healthz"))
    assert health.status == 200
    async with browser(wired.url) as session:
        await post_to_chat(session, {"id": "n1", "text": "hello"})
        seen = await replies(session, lambda seen: any(m["choices"] for m in seen))
    question = next(message for message in seen if message["choices"])
    assert [label for _action, label, _on in question["choices"]][:2] == ["English", "简体中文"]

    telegram = wired.telegram
    start = telegram.user_sends(7200, f"/start {wired.invite}")
    assert await telegram.post_update_to(f"{wired.url}/telegram", WEBHOOK_SECRET, start) == [200]
    asked = lambda: any("简体中文" in m.labels for m in telegram.chat(7200))  # noqa: E731
    await eventually(asked, within=10, what="the language question")

    follower = WeChatUser(wired.wechat, f"{wired.url}/wechat", "o_normal", encoding_aes_key=AES_KEY)
    assert (await follower.follow(scene=wired.invite)).status == 200
    await eventually(lambda: "简体中文" in (follower.last if follower.received else ""), within=10)

    member = wired.wecom.member("normal_member")
    assert await member.send_text(f"/start {wired.invite}") == 200
    await eventually(lambda: "简体中文" in "".join(member.received), within=10, what="a question")
    assert [r.getMessage() for r in errors.records] == []


@contextlib.asynccontextmanager
async def browser(url: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A browser that opened the chat page: its cookie, and this site's Origin."""
    jar = aiohttp.CookieJar(unsafe=True)
    origin = {"Origin": url}
    async with aiohttp.ClientSession(base_url=url, cookie_jar=jar, headers=origin) as session:
        async with session.get("/chat") as page:
            assert page.status == 200
        yield session


async def post_to_chat(session: aiohttp.ClientSession, body: dict[str, str]) -> None:
    async with session.post("/chat/api/send", json=body) as sent:
        assert sent.status == 200, await sent.text()


async def replies(
    session: aiohttp.ClientSession, enough: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The replies to this browser, long polled until there are ``enough``."""
    seen: list[dict[str, Any]] = []
    for _ in range(10):
        after = str(seen[-1]["id"]) if seen else "0"
        query = {"after": after, "wait": "5"}
        async with session.get("/chat/api/messages", params=query) as answer:
            seen += (await answer.json())["messages"]
        if enough(seen):
            return seen
    raise AssertionError(f"not enough replies: {seen}")
