"""The workspace's KPI page, ``/p/{partnership}/kpis``: each KPI per city against its
target over time, as inline SVG charts with the reported values under each.

Members and coordinators alike read it; anyone else gets the workspace's "not found"
page, as for a partnership that does not exist.
"""

from __future__ import annotations

from aiohttp import web

from c2cbot.web import signing
from c2cbot.web.keys import WORKSPACE
from c2cbot.web.workspace_pages import NOT_FOUND, Refused, partnership_id, render, wording


def routes() -> list[web.RouteDef]:
    return [web.get("/p/{partnership}/kpis", kpis)]


async def kpis(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[WORKSPACE].kpis(reader, partnership_id(request), wording(request))
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "kpis.html", page=page, section="kpis")
