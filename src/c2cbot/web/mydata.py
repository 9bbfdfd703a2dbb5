"""``GET /mydata/{secret}``: the one-time download that /mydata offers (GDPR Art. 15 and
20, PIPL Art. 45), for channels that cannot carry a file.

The link is the only key, so the response is never cached and never sends a referrer;
a used, expired or unknown link gets the same polite 404 in the reader's language.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from c2cbot.domain.text import N_
from c2cbot.web.keys import READER_TEXT

GONE = N_("This link has already been used or has expired. Send /mydata in the chat for a new one.")
FILE_NAME = "c2cbot-my-data.json"

DataOpener = Callable[[str], Awaitable[dict[str, Any] | None]]
DATA_DOWNLOADS: web.AppKey[DataOpener] = web.AppKey("data_downloads")
PRIVATE = {"Cache-Control": "no-store"}  # the security headers add no-referrer


def routes() -> list[web.RouteDef]:
    return [web.get("/mydata/{secret}", download)]


async def download(request: web.Request) -> web.Response:
    data = await request.app[DATA_DOWNLOADS](request.match_info["secret"])
    if data is None:
        text = request.app[READER_TEXT](request.headers.get("Accept-Language"), GONE)
        return web.Response(status=404, text=text, headers=PRIVATE)
    body = json.dumps(data, ensure_ascii=False, indent=1).encode()
    disposition = {"Content-Disposition": f'attachment; filename="{FILE_NAME}"'}
    return web.Response(
        body=body,
        content_type="application/json",
        charset="utf-8",
        headers={**PRIVATE, **disposition},
    )
