"""A browser that prefers German gets the chat page and the first reply in German.

Over real loopback HTTP, as tests/web/test_http.py does; the German wording comes from
the catalogue, so only the words every German page must carry are pinned.
"""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from c2cbot.runtime import Bot

GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}


@pytest.fixture
async def served(bot: Bot) -> AsyncIterator[str]:
    yield await bot.start("127.0.0.1", 0)


async def test_the_chat_page_speaks_german_to_a_german_browser(bot: Bot, served: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    own = {"Origin": served}  # a browser says where a script's request comes from
    async with aiohttp.ClientSession(base_url=served, cookie_jar=jar, headers=own) as session:
        async with session.get("/chat", headers=GERMAN_BROWSER) as page:
            html = await page.text()
        assert '<html lang="de">' in html
        for english in (
            "Plan and run your European–Chinese city partnership, step by step.",
            "Send",
            "Type a message…",
        ):
            assert bot.texts.gettext("de", english) in html
        assert "Senden" in html and "Deutsch" in html

        first = {"id": "m1", "text": "Hallo"}
        async with session.post("/chat/api/send", json=first, headers=GERMAN_BROWSER) as sent:
            assert sent.status == 200
        messages: list[dict[str, object]] = []
        for _ in range(10):  # a long poll returns as soon as the first reply is sent
            after = str(messages[-1]["id"]) if messages else "0"
            query = {"after": after, "wait": "5"}
            async with session.get("/chat/api/messages", params=query) as response:
                messages += (await response.json())["messages"]
            if messages and messages[-1]["choices"]:
                break
    welcome = "Welcome to the city partnership assistant"
    assert any(bot.texts.gettext("de", welcome) in str(m["text"]) for m in messages), messages
