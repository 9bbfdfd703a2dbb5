"""Signing in to the workspace with /web's one-time link, and signing out.

Opening the link shows a page with one button; only pressing it (a POST from that page)
uses the link up and starts the session. Chat apps and mail scanners fetch links they
see to preview them: a link used up by a GET would be spent before the person taps it.

The session's secret lives in an HttpOnly cookie scoped to ``/p/``, ``Secure`` over https
(``guards.over_https``), ``SameSite=Lax``: a link to a workspace page in a chat app is a
top-level navigation from another site, which ``Strict`` would send without the cookie
(the person would seem signed out); Lax still keeps it off other sites' POSTs and
embedded requests, and both POSTs here also need this site's ``Origin``. The database
keeps only the secret's hash (``store/web_sessions.py``).
"""

from __future__ import annotations

from aiohttp import web

from c2cbot.domain.web_sign_in import SESSION_IDLE, SESSION_LONGEST
from c2cbot.web.guards import over_https, same_site_origin
from c2cbot.web.keys import SESSIONS
from c2cbot.web.workspace_pages import (
    COOKIE,
    COOKIE_PATH,
    CROSS_SITE,
    LINK_GONE,
    SIGN_IN,
    Refused,
    know_reader,
    render,
)
from c2cbot.workspace.facts import Reader


def routes() -> list[web.RouteDef]:
    return [
        web.get("/p/sign-in/{secret}", sign_in_page),
        web.post("/p/sign-in/{secret}", sign_in),
        web.post("/p/sign-out", sign_out),
        web.get("/p/signed-out", signed_out),
    ]


async def sign_in_page(request: web.Request) -> web.Response:
    """The link's page: a button that signs in; nothing is used up by looking."""
    if not await request.app[SESSIONS].link_works(request.match_info["secret"]):
        raise Refused(LINK_GONE)
    return render(
        request,
        "sign_in.html",
        action=request.path,
        idle_hours=int(SESSION_IDLE.total_seconds() // 3600),
        longest_days=SESSION_LONGEST.days,
    )


async def sign_in(request: web.Request) -> web.Response:
    if not same_site_origin(request):
        raise Refused(CROSS_SITE)
    had = request.cookies.get(COOKIE)
    opened = await request.app[SESSIONS].sign_in(request.match_info["secret"], had)
    if opened is None:
        raise Refused(LINK_GONE)
    response = web.Response(status=303, headers={"Location": "/p/"})
    response.set_cookie(
        COOKIE,
        opened,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=over_https(request),
        max_age=int(SESSION_LONGEST.total_seconds()),
    )
    return response


async def sign_out(request: web.Request) -> web.Response:
    if not same_site_origin(request):
        raise Refused(CROSS_SITE)
    secret = request.cookies.get(COOKIE)
    if secret:
        await request.app[SESSIONS].sign_out(secret)
    response = web.Response(status=303, headers={"Location": "/p/signed-out"})
    response.del_cookie(COOKIE, path=COOKIE_PATH)
    return response


async def signed_out(request: web.Request) -> web.Response:
    return render(request, "signed_out.html")


async def signed_in(request: web.Request) -> Reader:
    """The reader of this request; a page asking to sign in for anyone else."""
    secret = request.cookies.get(COOKIE)
    reader = await request.app[SESSIONS].reader(secret) if secret else None
    if reader is None:
        raise Refused(SIGN_IN)
    know_reader(request, reader)
    return reader
