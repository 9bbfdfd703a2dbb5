"""The coordinators' people page, ``/p/{partnership}/people``, and its three forms.

Every form is a POST that needs this site's ``Origin`` (``guards.same_site_origin``, as
signing out does), then a signed-in coordinator of the partnership: a member gets the
"for coordinators" page and a stranger the "not found" page, with nothing changed. A
form that works answers 303 to the page (POST/redirect/GET), and what it did is said
once there: a one-time cookie scoped to this page's path (``c2c_people_notice``,
HttpOnly, a minute long) carries which code was made or revoked, or whose role changed,
and the page forgets it as it shows it. A new code never goes into an address, where
browsers and proxies would keep it. A form the rules refuse shows the page again with
the reason and a 4xx status. Sending a form twice is harmless: a code revoked again
stays revoked, a role given again stays given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from aiohttp import web

from c2cbot.domain.roles import Refusal
from c2cbot.web import signing
from c2cbot.web.guards import PUBLIC_ORIGIN, origin_of, over_https, same_site_origin
from c2cbot.web.keys import PEOPLE, WORKSPACE
from c2cbot.web.workspace_pages import (
    COORDINATORS_ONLY,
    CROSS_SITE,
    NOT_FOUND,
    Refused,
    render,
    wording,
)
from c2cbot.workspace.facts import Reader
from c2cbot.workspace.people import NotYours, notice, refusal_text
from c2cbot.workspace.people_facts import MadeInvite
from c2cbot.workspace.service import OnlyCoordinators

PARTNERSHIP_ID = re.compile(r"[0-9]{1,9}")  # as the other workspace pages read it
NOTICE = "c2c_people_notice"
NOTICE_VALUE = re.compile(r"(made|revoked|role)\.([A-Z0-9]{1,32})")
NOTICE_SECONDS = 60
#: A refusal's status: a field nobody could have sent from the page is 400, a rule that
#: forbids it 403, the last coordinator of a city 409 (it may work once there is another).
STATUS = {
    Refusal.UNKNOWN_ROLE: 400,
    Refusal.BAD_USES: 400,
    Refusal.BAD_DAYS: 400,
    Refusal.NOT_A_MEMBER: 400,
    Refusal.NOT_OUR_INVITE: 400,
    Refusal.ABOVE_OWN_RANK: 403,
    Refusal.OWN_ROLE: 403,
    Refusal.OUTRANKS_YOU: 403,
    Refusal.LAST_COORDINATOR: 409,
}


def routes() -> list[web.RouteDef]:
    return [
        web.get("/p/{partnership}/people", people),
        web.post("/p/{partnership}/people/invites", create_invite),
        web.post("/p/{partnership}/people/invites/revoke", revoke_invite),
        web.post("/p/{partnership}/people/roles", change_role),
    ]


async def people(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    told = NOTICE_VALUE.fullmatch(request.cookies.get(NOTICE, ""))
    response = await _page(request, reader, told=told)
    if NOTICE in request.cookies:
        response.del_cookie(NOTICE, path=_path(request))
    return response


async def create_invite(request: web.Request) -> web.Response:
    reader, form = await _form(request)
    with _refusing():
        made = await request.app[PEOPLE].create_invite(reader, _partnership(request), form)
    if isinstance(made, MadeInvite):
        return _done(request, f"made.{made.code}")
    return await _page(request, reader, refused=made)


async def revoke_invite(request: web.Request) -> web.Response:
    reader, form = await _form(request)
    with _refusing():
        code, refusal = await request.app[PEOPLE].revoke_invite(reader, _partnership(request), form)
    return await _answered(request, reader, f"revoked.{code}", refusal)


async def change_role(request: web.Request) -> web.Response:
    reader, form = await _form(request)
    with _refusing():
        member, refusal = await request.app[PEOPLE].change_role(reader, _partnership(request), form)
    return await _answered(request, reader, f"role.{member}", refusal)


async def _answered(
    request: web.Request, reader: Reader, done: str, refusal: Refusal | None
) -> web.Response:
    """A form's answer: back to the page with ``done`` told once, or the page again with
    why it was refused."""
    if refusal is None:
        return _done(request, done)
    return await _page(request, reader, refused=refusal)


async def _form(request: web.Request) -> tuple[Reader, Mapping[str, str]]:
    """Who sends the form, from this site, and its fields (an unreadable body has none)."""
    if not same_site_origin(request):
        raise Refused(CROSS_SITE)
    reader = await signing.signed_in(request)
    try:
        fields = await request.post()
    except ValueError:
        return reader, {}
    return reader, {key: value for key, value in fields.items() if isinstance(value, str)}


@contextmanager
def _refusing() -> Iterator[None]:
    """Not theirs → the "not found" page; theirs but not coordinating → "for coordinators"."""
    try:
        yield
    except NotYours:
        raise Refused(NOT_FOUND) from None
    except OnlyCoordinators:
        raise Refused(COORDINATORS_ONLY) from None


async def _page(
    request: web.Request,
    reader: Reader,
    *,
    told: re.Match[str] | None = None,
    refused: Refusal | None = None,
) -> web.Response:
    say = wording(request)
    with _refusing():
        page = await request.app[PEOPLE].page(reader, _partnership(request), say)
    said = notice(told[1], told[2], page, _chat_link(request), say) if told else None
    return render(
        request,
        "people.html",
        status=STATUS[refused] if refused is not None else 200,
        page=page,
        section="people",
        notice=said,
        refusal=refusal_text(refused, say) if refused is not None else None,
    )


def _done(request: web.Request, what: str) -> web.Response:
    """303 back to the page, which says ``what`` happened once."""
    asked = request.query.get("lang")
    kept = f"?lang={asked}" if asked in request.app[WORKSPACE].texts.languages else ""
    response = web.Response(status=303, headers={"Location": _path(request) + kept})
    response.set_cookie(
        NOTICE,
        what,
        path=_path(request),
        httponly=True,
        samesite="Lax",
        secure=over_https(request),
        max_age=NOTICE_SECONDS,
    )
    return response


def _path(request: web.Request) -> str:
    return f"/p/{_partnership(request)}/people"


def _chat_link(request: web.Request) -> str:
    return (request.app.get(PUBLIC_ORIGIN) or origin_of(request)) + "/chat"


def _partnership(request: web.Request) -> int:
    text = request.match_info["partnership"]
    if not PARTNERSHIP_ID.fullmatch(text):
        raise Refused(NOT_FOUND)
    return int(text)
