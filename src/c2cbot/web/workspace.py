"""The partnership workspace's pages under ``/p/``: the reader's partnerships, a
partnership's overview, a page per step and, for coordinators, a step's completion.

Each handler is the same few lines: who reads (``signing.signed_in``), which page
(``workspace.service.Workspace``, ``None`` when it is not theirs), rendered in their
language (``workspace_pages.render``). A partnership id is digits, at most nine of them;
anything else is the same "not found" page as an id nobody has.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from c2cbot.web import (
    signing,
    workspace_activities,
    workspace_downloads,
    workspace_kpis,
    workspace_meetings,
    workspace_people,
)
from c2cbot.web.keys import WORKSPACE
from c2cbot.web.workspace_pages import COORDINATORS_ONLY, NOT_FOUND, Refused, render, wording
from c2cbot.web.workspace_pages import partnership_id as _partnership
from c2cbot.workspace.service import OnlyCoordinators


def routes(static_dir: Path) -> list[web.RouteDef]:
    return [
        *signing.routes(),  # before "/p/{partnership}", which would take "signed-out"
        web.get("/p/static/workspace.css", _stylesheet(static_dir / "workspace.css")),
        web.get("/p", _to_the_list),  # the cookie's path is /p/: send the browser there
        web.get("/p/", partnerships),
        web.get("/p/{partnership}", overview),
        web.get("/p/{partnership}/", overview),
        web.get("/p/{partnership}/steps/{step}", step),
        web.get("/p/{partnership}/steps/{step}/completion", completion),
        *workspace_activities.routes(),
        *workspace_downloads.routes(),
        *workspace_kpis.routes(),
        *workspace_people.routes(),
        *workspace_meetings.routes(),
    ]


async def _to_the_list(request: web.Request) -> web.Response:
    raise web.HTTPFound("/p/" + (f"?{request.query_string}" if request.query_string else ""))


async def partnerships(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    found = await request.app[WORKSPACE].partnerships(reader, wording(request))
    return render(request, "partnerships.html", partnerships=found)


async def overview(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[WORKSPACE].overview(reader, _partnership(request), wording(request))
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "overview.html", page=page, section="overview")


async def step(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[WORKSPACE].step(
        reader, _partnership(request), request.match_info["step"], wording(request)
    )
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "step.html", page=page)


async def completion(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    try:
        page = await request.app[WORKSPACE].completion(
            reader, _partnership(request), request.match_info["step"], wording(request)
        )
    except OnlyCoordinators:
        raise Refused(COORDINATORS_ONLY) from None
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "completion.html", page=page)


def _stylesheet(path: Path) -> Handler:
    """The pages' one stylesheet, read once; any other name is the workspace's 404 page."""
    body = path.read_bytes()

    async def stylesheet(_request: web.Request) -> web.Response:
        headers = {"Cache-Control": "max-age=3600"}
        return web.Response(body=body, content_type="text/css", charset="utf-8", headers=headers)

    return stylesheet
