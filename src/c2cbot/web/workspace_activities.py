"""The activities tracker at ``/p/{partnership}/activities``, for every member.

``?city=`` (a city's key) and ``?status=`` narrow the list; the view ignores values it
does not know, so a mistyped or forged filter shows the whole list rather than an error.
Only the first of each is read.
"""

from __future__ import annotations

from aiohttp import web

from c2cbot.web import signing
from c2cbot.web.keys import WORKSPACE
from c2cbot.web.workspace_pages import NOT_FOUND, Refused, partnership_id, render, wording


def routes() -> list[web.RouteDef]:
    return [web.get("/p/{partnership}/activities", activities)]


async def activities(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[WORKSPACE].activities(
        reader,
        partnership_id(request),
        wording(request),
        city=request.query.get("city"),
        status=request.query.get("status"),
    )
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "activities.html", page=page, section="activities")
