"""A partnership's downloads under ``/p/{partnership}/``: the page that lists them, the
answers as an .xlsx workbook, and the report to print (or save as PDF from the browser).

Each is for the partnership's members only, like every workspace page: anyone else gets
the same "not found" page as for a partnership that does not exist. The workbook is
built in a thread (it is CPU work, and the server keeps answering meanwhile), private
and never cached, named for the partnership in ASCII and, for browsers that read it, in
full (``filename*``).
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

from aiohttp import web

from c2cbot import workbooks
from c2cbot.web import signing
from c2cbot.web.keys import DOWNLOADS
from c2cbot.web.workspace_pages import NOT_FOUND, PRIVATE, Refused, partnership_id, render, wording
from c2cbot.workspace.downloads import AnswersFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_IN_FILE_NAMES = re.compile(r"[^A-Za-z0-9]+")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/p/{partnership}/downloads", downloads),
        web.get("/p/{partnership}/answers.xlsx", answers),
        web.get("/p/{partnership}/report", report),
    ]


async def downloads(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[DOWNLOADS].page(reader, partnership_id(request), wording(request))
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "downloads.html", page=page, section="downloads")


async def answers(request: web.Request) -> web.Response:
    """The workbook, its questions in ``?lang=`` (the reader's language if unknown)."""
    reader = await signing.signed_in(request)
    found = await request.app[DOWNLOADS].answers(reader, partnership_id(request), wording(request))
    if found is None:
        raise Refused(NOT_FOUND)
    body = await asyncio.to_thread(workbooks.xlsx, found.book)
    headers = {**PRIVATE, "Content-Disposition": _attachment(found)}
    return web.Response(body=body, content_type=XLSX, headers=headers)


async def report(request: web.Request) -> web.Response:
    reader = await signing.signed_in(request)
    page = await request.app[DOWNLOADS].report(
        reader, partnership_id(request), request.query.get("languages"), wording(request)
    )
    if page is None:
        raise Refused(NOT_FOUND)
    return render(request, "report.html", page=page, section="downloads")


def _attachment(found: AnswersFile) -> str:
    """``attachment`` with an ASCII name any browser takes and the full one in UTF-8."""
    day = found.made.strftime("%Y-%m-%d")
    ascii_name = NOT_IN_FILE_NAMES.sub("-", found.name).strip("-").lower() or "partnership"
    plain = f"{ascii_name[:60]}-answers-{found.language}-{day}.xlsx"
    full = f"{found.name} answers {found.language} {day}.xlsx"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(full, safe='')}"
