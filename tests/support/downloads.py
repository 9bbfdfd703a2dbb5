"""Opening the one-time link /mydata offers in the browser chat, as the browser would."""

from __future__ import annotations

import json
from typing import Any, cast

from aiohttp.test_utils import TestClient, TestServer

from c2cbot.flows.messages import Outbound
from c2cbot.runtime import Bot


async def download(bot: Bot, replies: list[Outbound]) -> dict[str, Any]:
    """The data behind the link among ``replies``, over loopback HTTP."""
    [path] = [reply.extra["link"]["path"] for reply in replies if "link" in reply.extra]
    async with TestClient(TestServer(bot.app)) as client:
        response = await client.get(path)
        assert response.status == 200
        return cast(dict[str, Any], json.loads(await response.read()))
