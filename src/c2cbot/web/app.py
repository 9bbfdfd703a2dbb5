"""The bot's web server: health, metrics, the browser chat, /mydata downloads and the
partnership workspace (/p/…); each configured channel adds its webhook routes."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from c2cbot.web import chat, mydata, workspace
from c2cbot.web.guards import add_security_headers
from c2cbot.web.keys import DATABASE, METRICS
from c2cbot.web.workspace_pages import workspace_pages

MAX_BODY = 1024 * 1024


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 otherwise: what load balancers and systemd ask."""
    if await request.app[DATABASE].reachable():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unreachable"}, status=503)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(body=body, content_type="text/plain", charset="utf-8")


async def index(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


@web.middleware
async def count_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        request.app[METRICS].error("web")
        raise


def build_app(static_dir: Path, workspace_static: Path) -> web.Application:
    """The application without its services; the composition root puts them in."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[count_errors, workspace_pages])
    app.on_response_prepare.append(add_security_headers)
    app.add_routes(
        [
            web.get("/", index),
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
            *chat.routes(),
            *mydata.routes(),
            web.static("/chat/static", static_dir),
            *workspace.routes(workspace_static),
        ]
    )
    return app
