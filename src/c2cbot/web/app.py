"""The bot's web servers: the public one (the browser chat, /mydata downloads, the
partnership workspace (/p/…), health, each configured channel's webhook routes) and the
operator's one (metrics and health, on loopback by default).

``/metrics`` tells anyone who reads it how busy the bot is and which channels it runs, so
it stays off the public listener unless the operator asks for it there
(``C2C_METRICS_PUBLIC``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from c2cbot.web import chat, mydata, workspace
from c2cbot.web.guards import add_security_headers
from c2cbot.web.keys import DATABASE, METRICS
from c2cbot.web.workspace_pages import workspace_pages

log = logging.getLogger(__name__)

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


def static_files(prefix: str, directory: Path) -> web.RouteDef:
    """The files in ``directory``, by name only: nothing else is looked up on disk (for a
    name too long for the file system, aiohttp's static route answered 500)."""
    files = {path.name: path for path in directory.iterdir() if path.is_file()}

    async def serve(request: web.Request) -> web.FileResponse:
        found = files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.FileResponse(found)

    return web.get(f"{prefix}/{{name}}", serve)


@web.middleware
async def count_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the handlers' failures; a body that does not decode or a client that hung up
    mid-request is the sender's doing, answered 400 and not counted."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except web.RequestPayloadError:  # a body that does not decode (Content-Encoding gzip …)
        raise web.HTTPBadRequest(text="The body could not be read.") from None
    except ConnectionResetError:
        if request.transport is not None:
            request.app[METRICS].error("web")
            raise
        # The client hung up before its request was read (a body cut short): nobody is
        # left to answer, and aiohttp would log the traceback of a 500 no one receives.
        log.info("a client left before its request was complete")
        raise web.HTTPBadRequest() from None
    except Exception:
        request.app[METRICS].error("web")
        raise


def build_app(
    static_dir: Path, workspace_static: Path, *, with_metrics: bool = False
) -> web.Application:
    """The public application without its services; the composition root puts them in."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[count_errors, workspace_pages])
    app.on_response_prepare.append(add_security_headers)
    app.add_routes(
        [
            web.get("/", index),
            web.get("/healthz", healthz),
            *([web.get("/metrics", metrics)] if with_metrics else []),
            *chat.routes(),
            *mydata.routes(),
            static_files("/chat/static", static_dir),
            *workspace.routes(workspace_static),
        ]
    )
    return app


def build_metrics_app() -> web.Application:
    """The operator's application: ``/metrics`` and ``/healthz``, nothing else."""
    app = web.Application(client_max_size=1024)
    app.on_response_prepare.append(add_security_headers)
    app.add_routes([web.get("/metrics", metrics), web.get("/healthz", healthz)])
    return app
