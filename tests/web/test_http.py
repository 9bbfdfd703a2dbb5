"""The web server over real loopback HTTP: health, metrics and the browser chat's API."""

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest

from c2cbot.config import Settings
from c2cbot.runtime import Bot


@pytest.fixture
async def served(bot: Bot) -> AsyncIterator[str]:
    yield await bot.start("127.0.0.1", 0, metrics=("127.0.0.1", 0))


@pytest.fixture
async def browser(served: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A client with a cookie jar that has visited /chat, as a browser would."""
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP address, as browsers do
    own = {"Origin": served}  # a browser says where a script's request comes from
    async with aiohttp.ClientSession(base_url=served, cookie_jar=jar, headers=own) as session:
        async with session.get("/chat") as page:
            assert page.status == 200
        yield session


async def test_healthz_is_ok_when_the_database_answers(browser: aiohttp.ClientSession) -> None:
    async with browser.get("/healthz") as response:
        assert response.status == 200
        assert (await response.json()) == {"status": "ok"}


async def test_healthz_is_503_when_the_database_is_gone() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none", _env_file=None)  # type: ignore[call-arg]
    bot = Bot(settings)
    url = await bot.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as response:
            assert response.status == 503
    finally:
        await bot.stop()


async def test_metrics_count_messages_in_and_answers(
    bot: Bot, browser: aiohttp.ClientSession
) -> None:
    async with browser.post("/chat/api/send", json={"id": "m1", "text": "hello"}) as response:
        assert response.status == 200
    async with browser.post("/chat/api/send", json={"id": "m1", "text": "hello"}) as response:
        assert (await response.json())["duplicate"] is True
    async with (
        aiohttp.ClientSession() as operator,
        operator.get(f"{bot.metrics_url}/metrics") as response,
    ):
        text = await response.text()
    assert 'c2cbot_messages_in_total{channel="web"} 1.0' in text
    assert 'c2cbot_duplicates_total{channel="web"} 1.0' in text


async def test_two_browsers_may_use_the_same_message_id(
    served: str, browser: aiohttp.ClientSession
) -> None:
    """The id dedupes one browser's retries; another browser's "m1" is its own message,
    not a duplicate to drop (ids are the client's, and an API client may count from 1)."""
    async with browser.post("/chat/api/send", json={"id": "m1", "text": "hello"}) as response:
        assert (await response.json())["duplicate"] is False
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(
        base_url=served, cookie_jar=jar, headers={"Origin": served}
    ) as other:
        async with other.get("/chat") as page:
            assert page.status == 200
        async with other.post("/chat/api/send", json={"id": "m1", "text": "hi"}) as response:
            assert (await response.json())["duplicate"] is False
        async with other.post("/chat/api/send", json={"id": "m1", "text": "hi"}) as response:
            assert (await response.json())["duplicate"] is True


async def test_the_reply_arrives_through_the_outbox(browser: aiohttp.ClientSession) -> None:
    async with browser.post("/chat/api/send", json={"id": "m1", "text": "hello"}) as response:
        assert response.status == 200
    messages: list[dict[str, object]] = []
    for _ in range(10):  # a long poll returns as soon as the first reply is sent
        after = str(messages[-1]["id"]) if messages else "0"
        async with browser.get(
            "/chat/api/messages", params={"after": after, "wait": "5"}
        ) as response:
            messages += (await response.json())["messages"]
        if messages and messages[-1]["choices"]:
            break
    assert messages[-1]["choices"], messages  # the language question, with buttons


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (b'{"id": "x"}', 400),
        (b'{"id": "x", "text": "a", "action": "b"}', 400),
        (b'{"id": 5, "text": "a"}', 400),
        (b'{"id": "x", "text": 5}', 400),
        (b'{"id": "' + b"x" * 101 + b'", "text": "a"}', 400),
        (b'{"id": "x", "text": "' + b"y" * 20_001 + b'"}', 413),
        (b'{"id": "x", "text": "' + b"y" * (1024 * 1024) + b'"}', 413),
    ],
)
async def test_bad_requests_get_clear_errors(
    browser: aiohttp.ClientSession, body: bytes, status: int
) -> None:
    headers = {"Content-Type": "application/json"}
    async with browser.post("/chat/api/send", data=io.BytesIO(body), headers=headers) as response:
        assert response.status == status
    async with browser.get("/healthz") as response:
        assert response.status == 200  # still up


async def test_without_the_chat_cookie_nothing_is_processed(served: str) -> None:
    async with aiohttp.ClientSession(base_url=served) as session:
        async with session.post("/chat/api/send", json={"id": "m1", "text": "hi"}) as response:
            assert response.status == 401
        async with session.get("/chat/api/messages") as response:
            assert response.status == 401


@pytest.mark.parametrize("query", [{"after": "-1"}, {"after": "x"}, {"wait": "soon"}])
async def test_bad_polls_get_400(browser: aiohttp.ClientSession, query: dict[str, str]) -> None:
    async with browser.get("/chat/api/messages", params=query) as response:
        assert response.status == 400
