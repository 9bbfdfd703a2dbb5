"""A loopback LibreTranslate server (``POST /translate``) for the translation path's tests.

It answers the way LibreTranslate does — ``{"translatedText": [...]}`` for a list of
texts — with a recognisable "translation" (``[de] text``), and can be told to be slow
(``delay``) or to answer garbage, so the digest's fallbacks are exercised over real HTTP.
Every request body is kept, API key included, so tests can check where the key went.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "libretranslate-key-DO-NOT-LEAK-7c1e"


def translated(text: str, target: str) -> str:
    """What the fake makes of ``text`` in ``target``."""
    return f"[{target}] {text}"


@dataclass
class FakeLibreTranslate:
    delay: float = 0.0
    garbage: str | None = None  # "html", "short", "empty" or "number"
    requests: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if body.get("api_key") != API_KEY:
            return web.json_response({"error": "Invalid API key"}, status=403)
        if self.garbage == "html":
            return web.Response(text="<html><body>502 Bad Gateway</body></html>")
        texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
        answer = [translated(t, body["target"]) for t in texts]
        if self.garbage == "short":
            answer = answer[:-1]
        elif self.garbage == "empty":
            answer = ["" for _ in answer]
        elif self.garbage == "number":
            return web.json_response({"translatedText": 42})
        return web.json_response({"translatedText": answer})
