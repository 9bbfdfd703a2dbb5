"""The workspace's meetings: ``/p/{partnership}/meetings`` and each meeting's calendar
file, ``/p/{partnership}/meetings/{meeting}.ics``.

Like every workspace page: the reader signs in first, a partnership they are not a
member of is the same "not found" page as one that does not exist, and so is a meeting
of another partnership. Ids are digits, at most nine of them. The calendar file is
private like the pages (never cached) and downloads under a name made of digits only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web

from c2cbot.domain.calendar_file import MEDIA_TYPE
from c2cbot.web import signing
from c2cbot.web.guards import PUBLIC_ORIGIN
from c2cbot.web.keys import WORKSPACE
from c2cbot.web.workspace_pages import (
    NOT_FOUND,
    PARTNERSHIP_ID,
    PRIVATE,
    Refused,
    partnership_id,
    render,
    wording,
)

_NOT_IN_A_HOST = re.compile(r"[^a-z0-9.-]")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/p/{partnership}/meetings", meetings),
        web.get("/p/{partnership}/meetings/{meeting}.ics", calendar),
    ]


async def meetings(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[WORKSPACE].meetings(reader, partnership_id(request), wording(request))
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "meetings.html", page=page, section="meetings")


async def calendar(request: web.Request) -> web.Response:
    """One meeting as an iCalendar file, for the reader's calendar program."""
    reader = await signing.signed_in(request)
    partnership, meeting = partnership_id(request), _meeting_id(request)
    text = await request.app[WORKSPACE].calendar(
        reader, partnership, meeting, site_host(request), wording(request)
    )
    if text is None:
        raise Refused(NOT_FOUND)
    disposition = f'attachment; filename="meeting-{meeting}.ics"'
    return web.Response(
        body=text.encode("utf-8"),
        content_type=MEDIA_TYPE,
        charset="utf-8",
        headers={**PRIVATE, "Content-Disposition": disposition},
    )


def site_host(request: web.Request) -> str:
    """The site's host name for calendar UIDs: the configured public URL's, else the one
    the request was sent to; letters, digits, dots and dashes only."""
    public = request.app.get(PUBLIC_ORIGIN)
    host = urlsplit(public).hostname if public else urlsplit(f"//{request.host}").hostname
    return _NOT_IN_A_HOST.sub("", (host or "").lower()) or "c2cbot.invalid"


def _meeting_id(request: web.Request) -> int:
    """Digits, at most nine, as a partnership's id; anything else is not found."""
    text = request.match_info["meeting"]
    if not PARTNERSHIP_ID.fullmatch(text):
        raise Refused(NOT_FOUND)
    return int(text)
