"""How the workspace answers a browser: pages in the reader's language, refusals as pages.

Everything under ``/p/`` goes through ``workspace_pages`` (a middleware): a refusal
(``Refused``), a path no route knows or a query string longer than anyone needs becomes
a small page in the reader's language with its status (403, 404, 414), never a 5xx and
never a change; a method a route does not take is aiohttp's 405, with its ``Allow``.
The reader's language is theirs once signed in (``?lang=`` may choose another), else
what the browser asks for.

Workspace pages are private and never cached. Their referrer policy is ``same-origin``
instead of the site's ``no-referrer``: with ``no-referrer`` a browser sends ``Origin:
null`` on a form's POST, and the sign-in and sign-out forms are accepted only with this
site's ``Origin``. Other sites still get no referrer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from c2cbot.domain.text import N_
from c2cbot.domain.web_sign_in import link_minutes
from c2cbot.i18n import browser_language
from c2cbot.web.keys import SESSIONS, TEMPLATES, WORKSPACE
from c2cbot.workspace.facts import Reader
from c2cbot.workspace.wording import Wording

COOKIE = "c2c_workspace"  # the session's secret (``web/signing.py``)
COOKIE_PATH = "/p/"
MAX_QUERY = 512  # characters: ?lang=zh_Hans is all a page takes
SAY = web.RequestKey("say", Wording)  # the request's words, once the reader is known
READER = web.RequestKey("reader", Reader)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
PARTNERSHIP_ID = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Problem:
    status: int
    title: str
    text: str


NOT_FOUND = Problem(
    404, N_("Page not found"), N_("This page does not exist, or it is not open to you.")
)
SIGN_IN = Problem(
    403,
    N_("Please sign in"),
    N_("Send /web in your chat with the bot: it answers with a link that signs you in here."),
)
LINK_GONE = Problem(
    404,
    N_("This sign-in link no longer works"),
    N_("Each link works once, within {minutes} minutes. Send /web in the chat for a new one."),
)
COORDINATORS_ONLY = Problem(
    403, N_("For coordinators"), N_("Only the partnership's coordinators can open this page.")
)
CROSS_SITE = Problem(
    403,
    N_("Not sent from this site"),
    N_("For your safety, this works only from a page of this site. Please go back and try again."),
)
TOO_LONG = Problem(
    414, N_("Address too long"), N_("This address is too long. Please open the page from its link.")
)


class Refused(Exception):
    """Raised by a workspace handler: answer with ``problem``'s page and change nothing."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.title)
        self.problem = problem


def in_workspace(path: str) -> bool:
    return path == "/p" or path.startswith("/p/")


@web.middleware
async def workspace_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals and unknown paths under /p/ as pages in the reader's language."""
    if not in_workspace(request.path):
        return await handler(request)
    try:
        if len(request.query_string) > MAX_QUERY:
            raise Refused(TOO_LONG)
        return await handler(request)
    except Refused as refused:
        return problem_page(request, refused.problem)
    except web.HTTPNotFound:
        await _reader_if_any(request)  # no handler ran: find out who reads, for the language
        return problem_page(request, NOT_FOUND)


async def _reader_if_any(request: web.Request) -> None:
    secret = request.cookies.get(COOKIE)
    reader = await request.app[SESSIONS].reader(secret) if secret else None
    if reader is not None:
        know_reader(request, reader)


def problem_page(request: web.Request, problem: Problem) -> web.Response:
    say = wording(request)
    text = say(problem.text, minutes=link_minutes()) if problem is LINK_GONE else say(problem.text)
    return render(
        request, "problem.html", status=problem.status, title=say(problem.title), text=text
    )


def wording(request: web.Request) -> Wording:
    """The request's words: the signed-in reader's, else the browser's (or ``?lang=``)."""
    if SAY in request:
        return request[SAY]
    texts = request.app[WORKSPACE].texts
    asked = request.query.get("lang")
    if asked not in texts.languages:
        asked = browser_language(request.headers.get("Accept-Language"))
    return Wording(texts, texts.choose_language(asked))


def know_reader(request: web.Request, reader: Reader) -> Wording:
    """Remember who reads this request and in which words."""
    say = request.app[WORKSPACE].wording(reader, request.query.get("lang"))
    request[READER], request[SAY] = reader, say
    return say


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """A workspace template in the request's language, private and uncached."""
    say = wording(request)
    asked = request.query.get("lang")
    reader = request.get(READER)
    common = {
        "language": say.language,
        "html_language": say.language.replace("_", "-"),
        "languages": request.app[WORKSPACE].texts.languages,
        "query": f"?lang={asked}" if asked in request.app[WORKSPACE].texts.languages else "",
        "reader": say.person(reader.name) if reader is not None else None,
    }
    html = request.app[TEMPLATES](say.language, f"p/{template}", {**common, **context})
    return web.Response(text=html, content_type="text/html", status=status, headers=PRIVATE)


def partnership_id(request: web.Request) -> int:
    """The route's partnership id: digits, at most nine; anything else is not found."""
    text = request.match_info["partnership"]
    if not PARTNERSHIP_ID.fullmatch(text):
        raise Refused(NOT_FOUND)
    return int(text)
