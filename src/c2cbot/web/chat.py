"""The browser chat's HTTP side: the page, sending a message, and reading replies.

A browser is one identity, kept in an HttpOnly cookie; the database stores only a
hash of it, so the cookie cannot be recovered from a copy of the database. What one
browser and one address may ask is limited (``web/limits.py``); past a limit the answer
is 429 with ``Retry-After`` and a JSON error in the browser's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import web

from c2cbot.channels.web.chat import NAME, WebChat
from c2cbot.flows.engine import Engine
from c2cbot.flows.messages import Inbound, storable
from c2cbot.store.guards import subject_of
from c2cbot.web.guards import over_https, same_site_origin, source_address
from c2cbot.web.keys import ENGINE, LIMITS, OUTBOX, PAGE, READER_TEXT, WEBCHAT
from c2cbot.web.limits import POLL_RETRY, TOO_FAST, TOO_MANY_NEW, TOO_MANY_READS, TOO_MANY_TABS

COOKIE = "c2c_chat"
MAX_TEXT = 20_000
MAX_WAIT = 25.0
#: On PostgreSQL another process (``--workers``, another machine) may deliver a browser's
#: reply; it tells every process (``SqlOutbox.delivered_elsewhere``), and should that
#: signal be lost (a broken connection), a waiting poll still looks again this often
#: (seconds). With SQLite this process alone delivers, so it never needs to.
LOOK_AGAIN_SHARED = 5.0


def routes() -> list[web.RouteDef]:
    return [
        web.get("/chat", page),
        web.post("/chat/api/send", send),
        web.get("/chat/api/messages", messages),
    ]


def _token(request: web.Request) -> str | None:
    token = request.cookies.get(COOKIE)  # a cookie in another encoding is not one of ours
    return token if token and 20 <= len(token) <= 64 and token.isascii() else None


def _chat_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:40]


async def page(request: web.Request) -> web.Response:
    html = request.app[PAGE](request.headers.get("Accept-Language"))
    response = web.Response(text=html, content_type="text/html")
    if _token(request) is None:
        response.set_cookie(
            COOKIE,
            secrets.token_urlsafe(32),
            httponly=True,
            samesite="Strict",
            secure=over_https(request),
            max_age=365 * 24 * 3600,
        )
    return response


async def send(request: web.Request) -> web.Response:
    token = _token(request)
    if token is None:
        raise _error(401, "Open /chat first: it gives this browser its identity.")
    if not same_site_origin(request):
        raise _error(403, "Send from the chat page of this site.")
    if request.content_type != "application/json":
        raise _error(415, "The body must be JSON (application/json).")
    chat_id, limits = _chat_id(token), request.app[LIMITS]
    wait = limits.sends.take(chat_id)
    if wait:
        raise _too_many(request, wait, TOO_FAST)
    body, visitor = await _json(request), _visitor(request)
    inbound = _inbound(body, chat_id, request.headers.get("Accept-Language"), visitor)
    turned_away = await limits.newcomers.turned_away(NAME, chat_id, visitor)
    if turned_away is not None:
        raise _too_many(request, turned_away.total_seconds(), TOO_MANY_NEW)
    engine: Engine = request.app[ENGINE]
    handled = await engine.handle(inbound)
    return web.json_response({"ok": True, "duplicate": not handled})


def _visitor(request: web.Request) -> str:
    """A stand-in for the visitor's address: what the limits per address count by, never
    the address itself, so it can travel with the message without being kept anywhere."""
    return subject_of("web:address", source_address(request))


def _inbound(
    body: dict[str, Any], chat_id: str, accept_language: str | None, visitor: str
) -> Inbound:
    message_id, text, action = body.get("id"), body.get("text"), body.get("action")
    if not isinstance(message_id, str) or not 1 <= len(message_id) <= 100:
        raise _error(400, "'id' must be a string of 1 to 100 characters.")
    if (text is not None and not isinstance(text, str)) or (
        action is not None and not isinstance(action, str)
    ):
        raise _error(400, "'text' and 'action' must be strings.")
    if (text is None) == (action is None):
        raise _error(400, "Send exactly one of 'text' and 'action'.")
    if len(text or "") > MAX_TEXT or len(action or "") > 100:
        raise _error(413, "That message is too long.")
    if not all(storable(value) for value in (message_id, text or action or "")):
        raise _error(400, "'id', 'text' and 'action' must be valid Unicode without NUL.")
    hint = body.get("language") if isinstance(body.get("language"), str) else accept_language
    hint = hint if hint is None or storable(hint) else None
    return Inbound(
        NAME,
        chat_id,
        chat_id,
        f"{chat_id}:{message_id}",  # the id is the client's: unique per browser only
        text=text,
        action=action,
        language_hint=(hint or "")[:35].split(",")[0] or None,
        origin=visitor,
    )


async def messages(request: web.Request) -> web.Response:
    token = _token(request)
    if token is None:
        raise _error(401, "Open /chat first: it gives this browser its identity.")
    after = _int(request.query.get("after", "0"), "after")
    wait = min(MAX_WAIT, max(0.0, _float(request.query.get("wait", "0"), "wait")))
    chat_id, webchat, limits = _chat_id(token), request.app[WEBCHAT], request.app[LIMITS]
    too_soon = limits.reads.take(chat_id)
    if too_soon:
        raise _too_many(request, too_soon, TOO_MANY_READS)
    # Only a poll that waits holds a slot: reading what is there answers at once.
    polls = limits.polls
    slots = polls.taken(chat_id, _connected(request)) if wait else contextlib.nullcontext(True)
    with slots as slot:
        if not slot:
            raise _too_many(request, POLL_RETRY.total_seconds(), TOO_MANY_TABS)
        found = await _wait_for_messages(request, webchat, chat_id, after, wait)
    return web.json_response({"messages": [{"id": i, **payload} for i, payload in found]})


def _connected(request: web.Request) -> Callable[[], bool]:
    """Whether the browser of ``request`` is still there (a reload drops the connection)."""

    def connected() -> bool:
        transport = request.transport
        return transport is not None and not transport.is_closing()

    return connected


async def _wait_for_messages(
    request: web.Request, webchat: WebChat, chat_id: str, after: int, wait: float
) -> list[tuple[int, dict[str, Any]]]:
    """Messages after ``after``; if none yet, wait up to ``wait`` seconds for some."""
    outbox = request.app[OUTBOX]
    deadline = asyncio.get_running_loop().time() + wait
    shared = not outbox.database.is_sqlite
    while True:
        async with webchat.listening(chat_id) as event:
            found = await outbox.delivered(NAME, chat_id, after)
            left = deadline - asyncio.get_running_loop().time()
            if found or left <= 0 or event.is_set():
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    event.wait(), min(left, LOOK_AGAIN_SHARED) if shared else left
                )


async def _json(request: web.Request) -> dict[str, Any]:
    try:  # JSON is UTF-8 (RFC 8259), whatever charset the Content-Type claims
        body = json.loads((await request.read()).decode())
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        raise _error(400, "The body must be JSON.") from None
    if not isinstance(body, dict):
        raise _error(400, "The body must be a JSON object.")
    return body


def _int(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise _error(400, f"'{name}' must be a whole number.")
    return int(text)


def _float(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _error(400, f"'{name}' must be a number.") from None


def _too_many(request: web.Request, seconds: float, message: str) -> web.HTTPException:
    """429 with ``Retry-After`` and ``message`` in the browser's language, for the page."""
    retry = max(1, math.ceil(seconds))
    said = request.app[READER_TEXT](request.headers.get("Accept-Language"), message)
    text = json.dumps({"ok": False, "error": said, "retry_after": retry}, ensure_ascii=False)
    return web.HTTPTooManyRequests(
        text=text, content_type="application/json", headers={"Retry-After": str(retry)}
    )


def _error(status: int, message: str) -> web.HTTPException:
    """A JSON error for the page's script to show; raised, as aiohttp expects."""
    text = json.dumps({"ok": False, "error": message})
    kind = "application/json"
    if status == 413:
        return web.HTTPRequestEntityTooLarge(
            max_size=MAX_TEXT, actual_size=MAX_TEXT + 1, text=text, content_type=kind
        )
    if status == 401:
        return web.HTTPUnauthorized(text=text, content_type=kind)
    if status == 403:
        return web.HTTPForbidden(text=text, content_type=kind)
    if status == 415:
        return web.HTTPUnsupportedMediaType(text=text, content_type=kind)
    return web.HTTPBadRequest(text=text, content_type=kind)
