"""Every route carries the security headers; the chat's cookie is Secure behind https
(a trusted proxy's X-Forwarded-Proto); /chat/api/send takes JSON only, from this site."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.models import InboundMessage

ROUTES = [
    "/",
    "/chat",
    "/chat/static/chat.js",
    "/healthz",
    "/metrics",
    "/nowhere",
    "/chat/api/messages",
]


@pytest.fixture
async def served(bot: Bot) -> AsyncIterator[str]:
    yield await bot.start("127.0.0.1", 0)


async def stored(bot: Bot) -> int:
    async with bot.database.sessions() as session:
        query = select(func.count()).select_from(InboundMessage)
        return int((await session.execute(query)).scalar_one())


async def test_every_route_carries_the_security_headers(served: str) -> None:
    async with aiohttp.ClientSession(base_url=served) as session:
        for route in ROUTES:
            async with session.get(route, allow_redirects=False) as response:
                headers = response.headers
                assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), route
                assert headers.get("X-Content-Type-Options") == "nosniff", route
                assert headers.get("Referrer-Policy") == "no-referrer", route
                assert headers.get("X-Frame-Options") == "DENY", route


async def cookie_of(url: str, headers: dict[str, str]) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/chat", headers=headers) as page,
    ):
        return page.headers.get("Set-Cookie", "")


async def test_the_cookie_is_secure_behind_a_trusted_https_proxy(settings: Settings) -> None:
    https = {"X-Forwarded-Proto": "https"}
    plain = Bot(settings)
    trusting = Bot(settings.model_copy(update={"trust_proxy": True}))
    try:
        url, trusted_url = await plain.start("127.0.0.1", 0), await trusting.start("127.0.0.1", 0)
        assert "Secure" not in await cookie_of(url, https)  # anyone may send that header
        assert "Secure" in await cookie_of(trusted_url, https)
        assert "Secure" not in await cookie_of(trusted_url, {})
    finally:
        await plain.stop()
        await trusting.stop()


async def test_sending_takes_json_from_this_site_only(bot: Bot, served: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=served, cookie_jar=jar) as session:
        await (await session.get("/chat")).release()
        own = {"Origin": served}
        body = '{"id": "m1", "text": "hello"}'
        as_form = {**own, "Content-Type": "text/plain"}
        async with session.post("/chat/api/send", data=body, headers=as_form) as response:
            assert response.status == 415
        other = {"Origin": "https://evil.example", "Content-Type": "application/json"}
        async with session.post("/chat/api/send", data=body, headers=other) as response:
            assert response.status == 403
        async with session.post("/chat/api/send", json={"id": "m1", "text": "hello"}) as response:
            assert response.status == 403  # no Origin: not a page of this site
        assert await stored(bot) == 0
        async with session.post(
            "/chat/api/send", json={"id": "m1", "text": "hi"}, headers=own
        ) as r:
            assert r.status == 200
        assert await stored(bot) == 1
