"""The hostile corpus: malformed and hostile requests against every route, one case each.

A case builds its request against the running bot (``Target``: fresh timestamps, real
signatures where the hostile part must get past them) and names the answers allowed.
Nothing may answer 5xx, and unless a case ``stores`` (an authentic sender with odd but
readable content), nothing it sends may leave a row behind.

What each platform is answered, decided per platform:

- Browser chat: a clear 4xx with a JSON ``{"ok": false, "error": …}`` for the page's
  script (400 malformed, 401 no identity, 403 another site, 413 too long, 415 not JSON).
- Telegram: 403 without the webhook's secret, 400 for a body that is not a JSON object;
  every JSON object with the secret gets 200, an update the bot cannot read being
  ignored with a warning, since Telegram retries anything else for a day. (A 500 is
  left for the bot's own failures, such as the database being down, which a retry heals.)
- WeChat and WeCom: 403 for what is not signed (or sealed) with the account's token and
  key, or is stale or replayed; 400 for signed XML the bot refuses to read (DOCTYPEs,
  entities, other encodings, malformed); 413 past 1 MiB. Neither platform ever sends
  those, so no platform retry is at stake, and whoever forged them learns nothing more.
- Any route: 405 for a method it does not take (a GET under /p/ may be taken by a
  workspace page, which asks to sign in: 403); 400 (aiohttp's) for requests that are
  not HTTP (over-long or too many headers, a broken Content-Length or chunked body).

To cover a new route: add its baseline to ``BASELINES`` (what a plain request without
credentials gets) and cases aimed at what it parses to ``CASES``;
``test_the_corpus_covers_every_route`` fails until every method of every route has one.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from tests.fakes import wechat_api, wecom_api
from tests.security.raw import Raw
from tests.security.target import (
    COOKIE,
    JSON,
    Target,
    envelope,
    seal,
)
from tests.security.wired import WEBHOOK_SECRET

Build = Callable[[Target], Raw]
NO_ANSWER = None  # the client closed first: nothing can be answered, nothing may break


@dataclass(frozen=True)
class Case:
    """One hostile request and the statuses it may get."""

    id: str
    build: Build
    expect: frozenset[int | None]
    stores: bool = False  # an authentic sender: people, messages and replies may be stored
    signed: bool = False  # signed with the platform's token: its (timestamp, nonce) is kept


def case(
    id: str, build: Build, *expect: int | None, stores: bool = False, signed: bool = False
) -> Case:
    return Case(id, build, frozenset(expect), stores, signed)


# ----- what goes into the requests

_ids = itertools.count(1)


def unique() -> int:
    return next(_ids)


LONE_HIGH = "\ud800"
LONE_LOW = "\udfff"
BIG = "9" * 5000  # past Python's 4,300-digit limit for int()
HUGE_ID = 10**30  # no 64-bit integer holds it
MAX_INT64 = 2**63 - 1


def escaped(value: str) -> bytes:
    """A JSON string literal of ``value`` with non-ASCII as \\u escapes (surrogates too)."""
    return json.dumps(value).encode("ascii")


def chat_body(**fields: Any) -> bytes:
    """A chat message's JSON, with a fresh ``id`` unless one is given; strings may hold
    lone surrogates (written as \\u escapes)."""
    body = {"id": f"hostile-{unique()}", **fields}
    parts = [escaped(key) + b": " + _literal(value) for key, value in body.items()]
    return b"{" + b", ".join(parts) + b"}"


def _literal(value: Any) -> bytes:
    return escaped(value) if isinstance(value, str) else json.dumps(value).encode()


def tg_user(user_id: int = 7001, **fields: Any) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Eve", "language_code": "en", **fields}


def tg_chat(chat_id: int = 7001, kind: str = "private", **fields: Any) -> dict[str, Any]:
    return {"id": chat_id, "type": kind, "first_name": "Eve", **fields}


def tg_message(**fields: Any) -> dict[str, Any]:
    base = {
        "message_id": unique(),
        "date": int(time.time()),
        "chat": tg_chat(),
        "from": tg_user(),
        "text": "hello",
    }
    return {**base, **fields}


def tg_update(**kinds: Any) -> dict[str, Any]:
    return {"update_id": 500_000 + unique(), **kinds}


def tg_press(data: Any, **fields: Any) -> dict[str, Any]:
    """A callback query (a button pressed under one of the bot's messages)."""
    query = {
        "id": f"hostile-q{unique()}",
        "from": tg_user(),
        "chat_instance": "ci",
        "data": data,
        "message": {"message_id": unique(), "date": 1, "chat": tg_chat(), "text": "Pick one"},
        **fields,
    }
    return tg_update(callback_query=query)


def tg_raw(body: dict[str, Any]) -> bytes:
    """An update's JSON with strings \\u-escaped, so a lone surrogate can be sent."""
    return json.dumps(body, ensure_ascii=True).encode()


def wx_message(kind: str = "text", openid: str = "o_hostile", **fields: str | int) -> bytes:
    head: dict[str, str | int] = {
        "ToUserName": "gh_c2cbot_test",
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": kind,
    }
    extra: dict[str, str | int] = {"Content": "hello", "MsgId": unique()} if kind == "text" else {}
    return wechat_api.message_xml({**head, **extra, **fields}).encode()


def wecom_message(kind: str = "text", userid: str = "hostile", **fields: str | int) -> bytes:
    head: dict[str, str | int] = {
        "ToUserName": wecom_api.CORP_ID,
        "FromUserName": userid,
        "CreateTime": int(time.time()),
        "MsgType": kind,
    }
    extra: dict[str, str | int] = {"Content": "hello", "MsgId": unique()} if kind == "text" else {}
    tail: dict[str, str | int] = {"AgentID": wecom_api.AGENT_ID}
    return wecom_api.message_xml({**head, **extra, **tail, **fields}).encode()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]><xml><Content>&lol9;</Content></xml>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<xml><FromUserName>&xxe;</FromUserName></xml>"
)
EXTERNAL_DTD = b'<!DOCTYPE xml SYSTEM "http://198.51.100.7/evil.dtd"><xml><a>1</a></xml>'
PARAMETER_ENTITY = (
    b'<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://198.51.100.7/p.dtd"> %p;]><xml></xml>'
)
DEEP_XML = b"<xml>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</xml>"
HOSTILE_XML: dict[str, bytes] = {
    "billion-laughs": LAUGHS,
    "xxe-file": XXE,
    "external-dtd": EXTERNAL_DTD,
    "parameter-entity": PARAMETER_ENTITY,
    "undefined-entity": b"<xml><FromUserName>&nope;</FromUserName></xml>",
    "nul-char-reference": b"<xml><Content>&#0;</Content></xml>",
    "surrogate-char-reference": b"<xml><Content>&#xD800;</Content></xml>",
    "nul-byte": b"<xml><Content>a\x00b</Content></xml>",
    "utf16": "<xml><Content>hi</Content></xml>".encode("utf-16"),
    "declared-latin1": b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    b"<xml><Content>\xe9</Content></xml>",
    "invalid-utf8": b"<xml><Content>\xff\xfe\xc3</Content></xml>",
    "overlong-utf8": b"<xml><Content>\xc0\xaf</Content></xml>",
    "bom": b"\xef\xbb\xbf<xml><Content>hi</Content></xml>",
    "empty": b"",
    "truncated": b"<xml><FromUserName><![CDATA[o_hos",
    "not-xml": b'{"FromUserName": "o_hostile"}',
    "wrong-root": b"<root><FromUserName>o</FromUserName></root>",
    "deep-nesting": DEEP_XML,
}


# ----- every route: a plain request without credentials, and what it gets

BASELINES: dict[tuple[str, str], int] = {
    ("GET", "/"): 302,
    ("GET", "/healthz"): 200,  # /metrics is on the operator's listener, not this one
    ("GET", "/chat"): 200,
    ("GET", "/chat/static/chat.js"): 200,
    ("GET", "/chat/api/messages"): 401,
    ("POST", "/chat/api/send"): 401,
    ("POST", "/telegram"): 403,
    ("GET", "/wechat"): 403,
    ("POST", "/wechat"): 403,
    ("GET", "/wecom"): 400,
    ("POST", "/wecom"): 403,
    ("GET", "/mydata/" + "x" * 43): 404,
    ("GET", "/p"): 302,
    ("GET", "/p/"): 403,
    ("GET", "/p/static/workspace.css"): 200,
    ("GET", "/p/1"): 403,
    ("GET", "/p/1/"): 403,
    ("GET", "/p/1/steps/aim"): 403,
    ("GET", "/p/1/steps/aim/completion"): 403,
    ("GET", "/p/1/activities"): 403,
    ("GET", "/p/1/downloads"): 403,
    ("GET", "/p/1/answers.xlsx"): 403,
    ("GET", "/p/1/report"): 403,
    ("GET", "/p/1/kpis"): 403,
    ("GET", "/p/1/people"): 403,
    ("POST", "/p/1/people/invites"): 403,
    ("POST", "/p/1/people/invites/revoke"): 403,
    ("POST", "/p/1/people/roles"): 403,
    ("GET", "/p/1/meetings"): 403,
    ("GET", "/p/1/meetings/1.ics"): 403,
    ("GET", "/p/sign-in/" + "x" * 43): 404,
    ("POST", "/p/sign-in/" + "x" * 43): 403,
    ("POST", "/p/sign-out"): 403,
    ("GET", "/p/signed-out"): 200,
}
NOT_ALLOWED = ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")
LATIN1_COOKIE = f"{COOKIE}=".encode() + b"\xe9" * 43 + b"; other=\xff\xfe"
ODD_QUERY = "?%ff%fe=%00&a=%ED%A0%80&&=&b=&" + "x=" * 10 + "&%zz=%"


def _generic() -> Iterator[Case]:
    """Around every route's plain request: hostile headers, query and framing."""
    paths = sorted({path for _method, path in BASELINES})
    for (method, path), status in BASELINES.items():
        name = f"{method} {path}"
        body = b"{}" if method == "POST" else b""

        def plain(
            extra: tuple[tuple[str | bytes, str | bytes], ...] = (),
            query: str = "",
            method: str = method,
            path: str = path,
            body: bytes = body,
        ) -> Build:
            return lambda _t: Raw(method, path + query, extra, body)

        yield case(f"{name} plain", plain(), status)
        yield case(f"{name} latin-1 cookie", plain((("Cookie", LATIN1_COOKIE),)), status)
        yield case(
            f"{name} odd headers",
            plain(
                (
                    ("Accept-Language", b"\xff\xfe;q=\xe9, *;q=nan, " + b"x" * 4000),
                    ("Origin", b"http://\xe9vil.example"),
                    ("X-Forwarded-Proto", b"https\xff"),
                    ("Content-Type", b"application/json; charset=\xe9"),
                )
            ),
            status,
        )
        yield case(f"{name} odd query", plain(query=ODD_QUERY), status)
        yield case(f"{name} header too large", plain((("X-Padding", "p" * 9000),)), 400)
        yield case(
            f"{name} too many headers",
            plain(tuple((f"X-H{n}", "v") for n in range(200))),
            400,
        )
        yield case(
            f"{name} bad content-length",
            lambda _t, m=method, p=path: Raw(
                m, p, (("Content-Length", "12abc"),), b"{}", content_length=False
            ),
            400,
        )
        yield case(
            f"{name} broken chunks",
            lambda _t, m=method, p=path: Raw(
                m,
                p,
                (("Transfer-Encoding", "chunked"),),
                b"zz\r\nnot a chunk\r\n0\r\n\r\n",
                content_length=False,
            ),
            400,
        )
        if method == "GET":
            yield case(f"HEAD {path} odd query", plain(query=ODD_QUERY, method="HEAD"), status)
    for path in paths:
        allowed = {method for method, p in BASELINES if p == path}
        for method in (*NOT_ALLOWED, "GET", "POST"):
            if method not in allowed and not (method == "HEAD" and "GET" in allowed):
                # Under /p/ a GET of a POST-only path is taken by "/p/{partnership}",
                # a page that asks to sign in first (403).
                refused = (403, 405) if path.startswith("/p") else (405,)
                yield case(f"{method} {path} not allowed", _bare(method, path), *refused)
    yield case("unknown path", _bare("GET", "/wp-admin/setup.php"), 404)
    yield case("invalid method token", _bare("G(E)T", "/healthz"), 400)
    yield case("unknown method", _bare("BREW", "/healthz"), 400)
    yield case(
        "path with raw non-UTF-8 bytes",
        lambda _t: Raw("GET", "/chat/\udcff\udcfe"),  # sent as the bytes FF FE
        400,
    )
    yield case("request line too long", _bare("GET", "/healthz?" + "a" * 9000), 400)


def _mydata_cases() -> Iterator[Case]:
    """Links to a person's data: whatever the secret, an unknown one is the polite 404."""
    for name, secret in {
        "percent-encoded surrogates": "%ED%A0%80" * 10,
        "percent-encoded non-UTF-8": "%FF%FE" * 15,
        "percent-encoded NUL": "%00" * 30,
        "encoded traversal": "..%2F..%2F..%2Fetc%2Fpasswd" + "x" * 10,
        "5000 characters": "s" * 5000,
        "one character": "s",
        "emoji": "%F0%9F%94%91" * 30,
        "sql": "'%20OR%20'1'='1'%20--%20" + "x" * 20,
    }.items():
        yield case(f"mydata secret {name}", _bare("GET", f"/mydata/{secret}"), 404)
    yield case(
        "mydata odd accept-language",
        lambda _t: Raw("GET", "/mydata/" + "x" * 43, (("Accept-Language", b"\xff;q=\xe9"),)),
        404,
    )


def _workspace_cases() -> Iterator[Case]:
    """The workspace without a session: odd sign-in links are the polite 404, and every
    page, whatever its path holds, asks to sign in first."""
    odd = {
        "percent-encoded surrogates": "%ED%A0%80" * 10,
        "percent-encoded NUL": "%00" * 30,
        "encoded traversal": "..%2F..%2Fetc%2Fpasswd" + "x" * 10,
        "5000 characters": "s" * 5000,
        "emoji": "%F0%9F%94%91" * 30,
    }
    for name, secret in odd.items():
        yield case(f"sign-in link {name}", _bare("GET", f"/p/sign-in/{secret}"), 404)
        yield case(f"sign-in post {name}", _bare("POST", f"/p/sign-in/{secret}"), 403, 404)
    for name, part in {**odd, "huge id": "9" * 40, "negative id": "-1"}.items():
        yield case(f"workspace page {name}", _bare("GET", f"/p/{part}/"), 403)
        yield case(f"workspace step {name}", _bare("GET", f"/p/1/steps/{part}"), 403)
        yield case(f"activities of {name}", _bare("GET", f"/p/{part}/activities"), 403)
        filters = f"?city={part[:200]}&status={part[:200]}"
        yield case(f"activities filtered by {name}", _bare("GET", f"/p/1/activities{filters}"), 403)
        yield case(
            f"answers.xlsx lang {name}", _bare("GET", f"/p/1/answers.xlsx?lang={part}"), 403, 414
        )
        yield case(
            f"report languages {name}", _bare("GET", f"/p/1/report?languages={part}"), 403, 414
        )
        yield case(f"people page {name}", _bare("GET", f"/p/{part}/people"), 403)
        yield case(f"workspace meetings {name}", _bare("GET", f"/p/{part}/meetings"), 403)
        yield case(f"meeting calendar {name}", _bare("GET", f"/p/1/meetings/{part}.ics"), 403)
    yield from _people_form_cases()


def _people_form_cases() -> Iterator[Case]:
    """The people page's forms without a session, from this site or not, whatever the
    body: refused before anything is read (403), or the 404 of a path no route knows."""
    bodies = {
        "garbage": b"\xff\xfe%%%&&&==" * 20,
        "huge number": b"role=member&uses=" + b"9" * 4000 + b"&days=1",
        "markup": b"member=%3Cscript%3E&role=%22%3E%3Cimg%20src=x%3E",
    }
    for action in ("invites", "invites/revoke", "roles"):
        for name, body in bodies.items():
            for ours in (True, False):
                where = "this site" if ours else "no origin"
                yield case(f"people {action} {name} {where}", _people_form(action, body, ours), 403)


def _people_form(action: str, body: bytes, ours: bool) -> Build:
    def build(target: Target) -> Raw:
        headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if ours:
            headers.append(("Origin", target.origin))
        return Raw("POST", f"/p/1/people/{action}", tuple(headers), body)

    return build


def _bare(method: str, target: str) -> Build:
    return lambda _t: Raw(method, target)


def _hosts() -> Iterator[Case]:
    """The request's own idea of where it is going (the chat builds its origin from it)."""
    for name, host in {
        "empty": b"",
        "unclosed ipv6": b"[::1",
        "with spaces": b"a b",
        "non-utf-8": b"\xff\xfe",
        "5000 characters": b"h" * 5000,
        "port out of range": b"127.0.0.1:99999",
        "negative port": b"127.0.0.1:-1",
        "userinfo": b"user:pass@127.0.0.1",
    }.items():
        for method, path, status in (("GET", "/chat", 200), ("GET", "/", 302)):
            yield case(
                f"{method} {path} host {name}",
                lambda _t, m=method, p=path, h=host: Raw(m, p, (("Host", h),)),
                status,
                400,
            )
        yield case(
            f"chat send host {name}",
            lambda t, h=host: t.chat_send(chat_body(text="hello"), headers=(("Host", h),)),
            403,
            400,
        )
    yield case("absolute-form target", _bare("GET", "http://evil.example/chat"), 200, 400)
    yield case("asterisk target", _bare("OPTIONS", "*"), 400, 404, 405)
    yield case("http/1.0", lambda _t: Raw("GET", "/healthz HTTP/1.0\r\nX-A: b"), 200, 400)
    yield case(
        "websocket upgrade",
        lambda _t: Raw(
            "GET",
            "/chat",
            (("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "x")),
        ),
        200,
        400,
    )
    yield case(
        "h2c upgrade",
        lambda _t: Raw(
            "GET",
            "/healthz",
            (
                ("Connection", "Upgrade, HTTP2-Settings"),
                ("Upgrade", "h2c"),
                ("HTTP2-Settings", "AAAA"),
            ),
        ),
        200,
        400,
    )


def _framed(make: Callable[[Target], Raw]) -> Iterator[tuple[str, Build]]:
    """One authorised request with its body in hostile framings: a broken chunk arriving
    once the handler reads, a body gzip cannot open, a gzip bomb."""

    def chunked_then_broken(t: Target) -> Raw:
        raw = make(t)
        first = raw.body[: len(raw.body) // 2]
        return _reframed(
            raw,
            b"%x\r\n%s\r\n" % (len(first), first),
            (("Transfer-Encoding", "chunked"),),
            later=b"zz\r\nnot a chunk\r\n0\r\n\r\n",
            patience=0.5,  # aiohttp waits for the rest of the body until the client leaves
        )

    def not_gzip(t: Target) -> Raw:
        raw = make(t)
        return _reframed(raw, b"\x1f\x8b" + raw.body, (("Content-Encoding", "gzip"),))

    def gzip_bomb(t: Target) -> Raw:
        return _reframed(make(t), bomb(), (("Content-Encoding", "gzip"),))

    def deflate_garbage(t: Target) -> Raw:
        return _reframed(make(t), b"\x78\x9c garbage", (("Content-Encoding", "deflate"),))

    def unknown_coding(t: Target) -> Raw:
        raw = make(t)
        return _reframed(raw, raw.body, (("Content-Encoding", "x-hostile"),))

    yield "chunk broken while read", chunked_then_broken
    yield "not gzip", not_gzip
    yield "gzip bomb", gzip_bomb
    yield "deflate garbage", deflate_garbage
    yield "unknown coding", unknown_coding


@functools.cache
def bomb() -> bytes:
    """64 MiB of zeros in about 64 KiB of gzip (made when first sent, not at import)."""
    return gzip.compress(b"\0" * 64 * 1024 * 1024, compresslevel=9)


def _reframed(
    raw: Raw,
    body: bytes,
    headers: tuple[tuple[str | bytes, str | bytes], ...],
    later: bytes = b"",
    patience: float | None = None,
) -> Raw:
    chunked = any(name == "Transfer-Encoding" for name, _ in headers)
    return Raw(
        raw.method,
        raw.target,
        (*raw.headers, *headers),
        body,
        content_length=not chunked,
        later=later,
        patience=patience,
    )


def _framing_cases() -> Iterator[Case]:
    routes: dict[str, Callable[[Target], Raw]] = {
        "chat send": lambda t: t.chat_send(chat_body(text="hello")),
        "telegram": lambda t: t.telegram(tg_raw(tg_update(message=tg_message()))),
        "wechat": lambda t: t.wechat(wx_message()),
        "wecom": lambda t: t.wecom(wecom_message()),
    }
    for route, make in routes.items():
        for name, build in _framed(make):
            # A body the server cannot read is refused (400, or 413 past the limit); an
            # unknown coding is no coding at all: the body is read as it is.
            unknown = name == "unknown coding"
            expect = (200,) if unknown else (400, 413, NO_ANSWER)
            yield case(f"{route} {name}", build, *expect, stores=unknown, signed=unknown)
    yield case(
        "chat send expecting 100-continue",
        lambda t: t.chat_send(chat_body(text="hello"), headers=(("Expect", "100-continue"),)),
        200,
        stores=True,
    )
    yield case(
        "chat send expecting the impossible",
        lambda t: t.chat_send(chat_body(text="hello"), headers=(("Expect", "200-ok"),)),
        417,
    )
    for name, value in {
        "range past the end": "bytes=999999999999999999999-",
        "range reversed": "bytes=50-10",
        "range garbage": "bytes=a-b",
        "range of many parts": "bytes=" + ",".join(f"{n}-{n}" for n in range(500)),
        "suffix range of zero": "bytes=-0",
    }.items():
        yield case(
            f"static {name}",
            lambda _t, v=value: Raw("GET", "/chat/static/chat.js", (("Range", v),)),
            200,
            206,
            400,
            416,
        )
    for name, header in {
        "if-modified-since garbage": ("If-Modified-Since", "yesterday at noon"),
        "if-modified-since far future": ("If-Modified-Since", "Fri, 31 Dec 99999 23:59:59 GMT"),
        "if-none-match garbage": ("If-None-Match", '"' + "x" * 5000),
        "if-range garbage": ("If-Range", "\x01\x02"),
        "accept-encoding odd": ("Accept-Encoding", "gzip;q=nan, br;q=-1, *;q=2"),
    }.items():
        yield case(
            f"static {name}",
            lambda _t, h=header: Raw("GET", "/chat/static/chat.js", (h,)),
            200,
            304,
            400,
        )


# ----- the browser chat


def _send(body: bytes | dict[str, Any], **options: Any) -> Build:
    return lambda t: t.chat_send(body, **options)


def _chat_cases() -> Iterator[Case]:
    yield from (
        case(f"chat send {name}", _send(body), 400)
        for name, body in {
            "deeply nested array": b"[" * 100_000 + b"]" * 100_000,
            "deeply nested in a field": b'{"id": "x", "text": "a", "z": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}",
            "not json": b"{not json",
            "truncated json": b'{"id": "x", "text": "hel',
            "json null": b"null",
            "json string": b'"text"',
            "json array": b'[{"id": "x", "text": "a"}]',
            "empty body": b"",
            "bom before json": b'\xef\xbb\xbf{"id": "x", "text": "a"}',
            "utf-16 json": '{"id": "x", "text": "a"}'.encode("utf-16"),
            "invalid utf-8": b'{"id": "x", "text": "\xff\xfe"}',
            "overlong utf-8": b'{"id": "x", "text": "\xc0\xaf"}',
            "raw surrogate bytes": b'{"id": "x", "text": "\xed\xa0\x80"}',
            "lone high surrogate in text": chat_body(text=LONE_HIGH),
            "lone low surrogate in text": chat_body(text=f"a{LONE_LOW}b"),
            "reversed surrogate pair": chat_body(text=LONE_LOW + LONE_HIGH),
            "lone surrogate in id": chat_body(id=LONE_HIGH, text="hello"),
            "lone surrogate in action": chat_body(action="l:" + LONE_HIGH),
            "nul in text": chat_body(text="a\x00b"),
            "nul in id": chat_body(id="x\x00", text="hello"),
            "huge integer": b'{"id": "x", "text": ' + BIG.encode() + b"}",
            "huge float": b'{"id": "x", "text": 1e999999}',
            "nan": b'{"id": "x", "text": NaN}',
            "id as number": b'{"id": 1e400, "text": "a"}',
            "id as object": b'{"id": {"$gt": ""}, "text": "a"}',
            "text as list": chat_body(text=["a"]),
            "text and action": chat_body(text="a", action="l:en"),
            "neither text nor action": chat_body(),
            "empty id": chat_body(id="", text="a"),
            "long id": chat_body(id="x" * 101, text="a"),
        }.items()
    )
    yield case("chat send text too long", _send(chat_body(text="y" * 20_001)), 413)
    yield case("chat send action too long", _send(chat_body(action="s:" + "a" * 200)), 413)
    yield case("chat send body over 1 MiB", _send(chat_body(text="y" * (1024 * 1024 + 10))), 413)
    for name, content_type in {
        "text/plain": "text/plain",
        "form": "application/x-www-form-urlencoded",
        "multipart": "multipart/form-data; boundary=x",
        "xml": "application/xml",
        "no type": "",
        "json look-alike": "application/json-patch+json",
        "non-ascii type": b"application/j\xe9son",
    }.items():
        yield case(
            f"chat send as {name}",
            _send(chat_body(text="hello"), content_type=content_type),
            415,
        )
    # JSON is UTF-8 whatever the Content-Type says; a language that is no text is ignored.
    yield case(
        "chat send json with unknown charset",
        _send(chat_body(text="hello"), content_type="application/json; charset=x-unknown"),
        200,
        stores=True,
    )
    yield case(
        "chat send lone surrogate in language",
        _send(chat_body(text="hello", language=LONE_HIGH)),
        200,
        stores=True,
    )
    yield case(
        "chat send json declared latin-1",
        _send(
            '{"id": "x", "text": "é"}'.encode("latin-1"), content_type=f"{JSON}; charset=latin-1"
        ),
        400,
    )
    yield case("chat send without cookie", _send(chat_body(text="hello"), cookie=b"other=1"), 401)
    yield case(
        "chat send non-utf-8 cookie", _send(chat_body(text="hello"), cookie=LATIN1_COOKIE), 401
    )
    # Any ASCII cookie of 20 to 64 characters is a browser's identity, however odd.
    yield case(
        "chat send cookie of surrogate escapes",
        _send(chat_body(text="hello"), cookie=f"{COOKIE}=" + "\\ud800" * 10),
        200,
        stores=True,
    )
    yield case(
        "chat send quoted cookie",
        _send(chat_body(text="hello"), cookie=f'{COOKIE}="{"a" * 30}\\"; x'),
        200,
        stores=True,
    )
    yield case(
        "chat send language as number",
        _send(chat_body(text="hello", language=7)),  # ignored: Accept-Language is used
        200,
        stores=True,
    )
    yield case(
        "chat send from another site",
        lambda t: Raw(
            "POST",
            "/chat/api/send",
            (
                ("Cookie", f"{COOKIE}={t.cookie}"),
                ("Origin", "https://evil.example"),
                ("Content-Type", JSON),
            ),
            chat_body(text="hello"),
        ),
        403,
    )
    yield case(
        "chat send body cut short",
        _send(chat_body(text="hello there"), body_sent=10),
        NO_ANSWER,
        400,
    )
    yield case(
        "chat send chunked body cut short",
        _send(
            b"40\r\n" + b'{"id": "x", "te',
            headers=(("Transfer-Encoding", "chunked"),),
            content_length=False,
            body_sent=20,
        ),
        NO_ANSWER,
        400,
    )
    # Button data no button of ours carries: a polite answer, never a database overflow.
    for action in (
        "p:999999999999999999999",
        "pt:99999999999999999999999",
        "pa:-1",
        "ch:" + BIG[:60],
        "e:plan:99999999999999999999",
        "99999999999999999999999:x",
        "²:x",
        "１:x",
        "sc:k:99999999999999999999:yearly",
        "sc:f:" + "9" * 50,
        "g:" + "+".join(["xx"] * 30),
        "iv:" + "Z" * 90,
        "l:" + "x" * 90,
        "s:../../etc",
        "fg",
    ):
        yield case(
            f"chat action {action[:40]!r}", _send(chat_body(action=action)), 200, stores=True
        )
    for text in (
        BIG,
        "1" * 20_000,
        "١٢٣٤" * 1000,
        "²" * 5000,
        "/start " + BIG,
        "/pause " + BIG,
        "/language " + "x" * 5000,
        "/link " + BIG,
        "\u202e\u200b" * 1000,
        "🏳️‍🌈" * 2000,
    ):
        yield case(f"chat text {text[:12]!r}…", _send(chat_body(text=text)), 200, stores=True)
    yield case(
        "chat send odd accept-language",
        _send(chat_body(text="hello"), headers=(("Accept-Language", b"\xff\xfe" * 100),)),
        200,
        stores=True,
    )
    for name, query in {
        "after superscript": "?after=%C2%B2",
        "after arabic digits": "?after=%D9%A1%D9%A2",
        "after huge": "?after=" + BIG,
        "after negative": "?after=-1",
        "after float": "?after=1e3",
        "wait word": "?wait=soon",
        "wait huge digits": "?wait=" + BIG[:4000] + "x",
    }.items():
        yield case(f"chat messages {name}", lambda t, q=query: t.chat_messages(q), 400)
    for name, query in {
        "wait nan": "?wait=nan",
        "wait -inf": "?wait=-inf",
        "after repeated": "?after=1&after=x&after=%FF",
    }.items():
        yield case(f"chat messages {name}", lambda t, q=query: t.chat_messages(q), 200, 400)
    for name, query in {
        "wait inf": "?wait=inf&after=999999999999999999",
        "wait 1e999": "?wait=1e999&after=999999999999999999",
    }.items():
        # Held as a long poll of at most 25 seconds (unless a delivery to this chat wakes
        # it): the client hangs up first.
        yield case(
            f"chat messages {name}",
            lambda t, q=query: replace(t.chat_messages(q), patience=0.5),
            NO_ANSWER,
            200,
        )
    yield case(
        "chat messages non-utf-8 cookie",
        lambda t: t.chat_messages(cookie=LATIN1_COOKIE),
        401,
    )
    yield case(
        "chat page with cookie of 10,000 characters",
        lambda _t: Raw("GET", "/chat", (("Cookie", f"{COOKIE}=" + "a" * 8000),)),
        200,
    )
    for name, path in {
        "traversal": "/chat/static/../../../../etc/passwd",
        "encoded traversal": "/chat/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "double encoded": "/chat/static/%252e%252e/etc/passwd",
        "backslashes": "/chat/static/..%5c..%5cetc%5cpasswd",
        "nul": "/chat/static/chat.js%00.png",
        "long name": "/chat/static/" + "a" * 5000,
        "directory": "/chat/static/",
        "non-utf-8 name": "/chat/static/%ff%fe.js",
    }.items():
        yield case(f"static {name}", _bare("GET", path), 400, 403, 404)


# ----- Telegram


def _tg(body: dict[str, Any] | bytes, **options: Any) -> Build:
    """With the right secret; an update (given as a function) is made at build time."""
    return lambda t: t.telegram(body, **options)


def _tg_update(make: Callable[[], dict[str, Any]]) -> Build:
    return lambda t: t.telegram(tg_raw(make()))


def _telegram_cases() -> Iterator[Case]:
    sample = tg_raw(tg_update(message=tg_message()))
    yield case("telegram without secret", lambda t: t.telegram(sample, secret=""), 403)
    yield case("telegram wrong secret", lambda t: t.telegram(sample, secret="x" * 40), 403)
    yield case("telegram non-ascii secret", lambda t: t.telegram(sample, secret=b"\xe9" * 40), 403)
    yield case(
        "telegram secret with a suffix",
        lambda t: t.telegram(sample, secret=WEBHOOK_SECRET + "x"),
        403,
    )
    for name, body in {
        "not json": b"{not json",
        "truncated json": b'{"update_id": 1, "message": ',
        "deeply nested": b"[" * 100_000 + b"]" * 100_000,
        "array": b"[]",
        "null": b"null",
        "number": BIG.encode(),
        "empty": b"",
        "invalid utf-8": b'{"update_id": 1, "x": "\xff"}',
        "utf-16": '{"update_id": 1}'.encode("utf-16"),
    }.items():
        yield case(f"telegram body {name}", _tg(body), 400)
    yield case(
        "telegram unknown charset",
        _tg(sample, content_type="application/json; charset=x-unknown"),
        200,
        stores=True,
    )
    yield case("telegram as text/plain", _tg(sample, content_type="text/plain"), 200, stores=True)
    yield case(
        "telegram body cut short",
        lambda t: t.telegram(sample, body_sent=len(sample) // 2),
        NO_ANSWER,
        400,
    )
    # With the secret, a JSON object is answered 200 whatever it holds: Telegram retries
    # anything else. What the bot cannot read is ignored, and stores nothing.
    unreadable: dict[str, Callable[[], dict[str, Any]]] = {
        "no update_id": lambda: {"message": tg_message()},
        "update_id as text": lambda: {"update_id": "x", "message": tg_message()},
        "update_id huge": lambda: {"update_id": HUGE_ID, "message": tg_message()},
        "update_id float": lambda: {"update_id": 1.5, "message": tg_message()},
        "update_id bool": lambda: {"update_id": True, "message": tg_message()},
        "message null-like list": lambda: tg_update(message=[1, 2]),
        "message as text": lambda: tg_update(message="hello"),
        "message as number": lambda: tg_update(message=5),
        "message without chat": lambda: tg_update(
            message={"message_id": 1, "date": 1, "text": "hi"}
        ),
        "chat null": lambda: tg_update(message=tg_message(chat=None)),
        "chat as text": lambda: tg_update(message=tg_message(chat="x")),
        "chat without type": lambda: tg_update(message=tg_message(chat={"id": 7001})),
        "chat type as number": lambda: tg_update(message=tg_message(chat=tg_chat(kind=5))),
        "chat id as text": lambda: tg_update(message=tg_message(chat=tg_chat(chat_id="abc"))),
        "chat id huge": lambda: tg_update(message=tg_message(chat=tg_chat(HUGE_ID))),
        "from as text": lambda: tg_update(message=tg_message(**{"from": "x"})),
        "from without id": lambda: tg_update(message=tg_message(**{"from": {"first_name": "E"}})),
        "from id huge": lambda: tg_update(message=tg_message(**{"from": tg_user(HUGE_ID)})),
        "from id float": lambda: tg_update(message=tg_message(**{"from": tg_user(1.5)})),
        "text as number": lambda: tg_update(message=tg_message(text=5)),
        "text as list": lambda: tg_update(message=tg_message(text=["a"])),
        "text as object": lambda: tg_update(message=tg_message(text={"a": 1})),
        "text lone surrogate": lambda: tg_update(message=tg_message(text=LONE_HIGH)),
        "text nul": lambda: tg_update(message=tg_message(text="a\x00b")),
        "first name as number": lambda: tg_update(
            message=tg_message(**{"from": tg_user(first_name=5)})
        ),
        "first name lone surrogate": lambda: tg_update(
            message=tg_message(**{"from": tg_user(first_name=LONE_LOW)})
        ),
        "last name as list": lambda: tg_update(
            message=tg_message(**{"from": tg_user(last_name=["x"])})
        ),
        "language as number": lambda: tg_update(
            message=tg_message(**{"from": tg_user(language_code=5)})
        ),
        "language lone surrogate": lambda: tg_update(
            message=tg_message(**{"from": tg_user(language_code=LONE_HIGH)})
        ),
        "date as text": lambda: tg_update(message=tg_message(date="yesterday")),
        "date huge": lambda: tg_update(message=tg_message(date=HUGE_ID)),
        "date nan": lambda: tg_update(message=tg_message(date=float("nan"))),
        "entities as text": lambda: tg_update(message=tg_message(entities="x")),
        "photo as text": lambda: tg_update(message=tg_message(text=None, photo="x")),
        "sticker incomplete": lambda: tg_update(
            message=tg_message(text=None, sticker={"file_id": 1})
        ),
        "migrate to object": lambda: tg_update(
            message=tg_message(chat=tg_chat(-7002, "group"), text=None, migrate_to_chat_id={"a": 1})
        ),
        "migrate to huge": lambda: tg_update(
            message=tg_message(chat=tg_chat(-7002, "group"), text=None, migrate_to_chat_id=HUGE_ID)
        ),
        "group command text as number": lambda: tg_update(
            message=tg_message(chat=tg_chat(-7003, "group"), text=5)
        ),
        "press without from": lambda: _without(tg_press("l:en"), "callback_query", "from"),
        "press data as number": lambda: tg_press(5),
        "press data as list": lambda: tg_press(["l:en"]),
        "press data lone surrogate": lambda: tg_press("l:" + LONE_HIGH),
        "press id as number": lambda: tg_press("l:en", id=5),
        "press message as text": lambda: tg_press("l:en", message="x"),
        "press message chat missing": lambda: tg_press(
            "l:en", message={"message_id": 1, "date": 1}
        ),
        "press from language as list": lambda: tg_press(
            "l:en", **{"from": tg_user(language_code=["en"])}
        ),
        "member change incomplete": lambda: tg_update(
            my_chat_member={"chat": tg_chat(), "from": tg_user(), "date": 1}
        ),
        "member status as number": lambda: tg_update(
            my_chat_member={
                "chat": tg_chat(),
                "from": tg_user(),
                "date": 1,
                "old_chat_member": {"status": "member", "user": tg_user(1)},
                "new_chat_member": {"status": 5, "user": tg_user(1)},
            }
        ),
        "member user as number": lambda: tg_update(
            my_chat_member={
                "chat": tg_chat(),
                "from": 3,
                "date": 1,
                "old_chat_member": {"status": "member", "user": 3},
                "new_chat_member": {"status": "kicked", "user": 3},
            }
        ),
    }
    for name, make in unreadable.items():
        yield case(f"telegram update {name}", _tg_update(make), 200)
    readable: dict[str, Callable[[], dict[str, Any]]] = {
        "largest ids": lambda: {
            "update_id": MAX_INT64,
            "message": tg_message(
                message_id=MAX_INT64,
                chat=tg_chat(MAX_INT64),
                **{"from": tg_user(MAX_INT64)},
            ),
        },
        "negative private chat": lambda: tg_update(
            message=tg_message(chat=tg_chat(-(2**62)), **{"from": tg_user(-(2**62))})
        ),
        "text of a million characters": lambda: tg_update(message=tg_message(text="x" * 1_000_000)),
        "text of 5000 digits": lambda: tg_update(message=tg_message(text=BIG)),
        "text /start with a huge code": lambda: tg_update(message=tg_message(text="/start " + BIG)),
        "first name of 10,000 characters": lambda: tg_update(
            message=tg_message(**{"from": tg_user(7004, first_name="E" * 10_000)})
        ),
        "language of 1,000 characters": lambda: tg_update(
            message=tg_message(**{"from": tg_user(7005, language_code="x" * 1000)})
        ),
        "entities garbage": lambda: tg_update(
            message=tg_message(entities=[{"type": 5, "offset": "x", "length": None}])
        ),
        "emoji pairs escaped": lambda: tg_update(message=tg_message(text="\ud83d\ude00" * 100)),
        "unknown kind": lambda: tg_update(edited_message=tg_message()),
        "press out-of-range prompt": lambda: tg_press("p:999999999999999999999"),
        "press out-of-range question": lambda: tg_press("99999999999999999999999:x"),
        "press data of 10,000 bytes": lambda: tg_press("l:" + "x" * 10_000),
        "press data with control characters": lambda: tg_press("l:\n\t\x1b"),
        "press without message": lambda: _without(tg_press("l:en"), "callback_query", "message"),
        "member blocked huge until": lambda: tg_update(
            my_chat_member={
                "chat": tg_chat(7006),
                "from": tg_user(7006),
                "date": 1,
                "old_chat_member": {"status": "member", "user": tg_user(1)},
                "new_chat_member": {"status": "kicked", "user": tg_user(1), "until_date": 10**15},
            }
        ),
        "group command of a huge group": lambda: tg_update(
            message=tg_message(chat=tg_chat(-(2**62), "supergroup"), text="/link")
        ),
    }
    for name, make in readable.items():
        yield case(f"telegram update {name}", _tg_update(make), 200, stores=True)


def _without(update: dict[str, Any], kind: str, field: str) -> dict[str, Any]:
    del update[kind][field]
    return update


# ----- WeChat and WeCom


def _wx(inner: bytes, **query: str | None) -> Build:
    return lambda t: t.wechat(inner, **query)


def _wx_make(make: Callable[[], bytes], **query: str | None) -> Build:
    return lambda t: t.wechat(make(), **query)


def _wx_outer(body: bytes, **query: str | None) -> Build:
    return lambda t: t.wechat_outer(body, **query)


def _wecom_make(make: Callable[[], bytes], **query: str | None) -> Build:
    return lambda t: t.wecom(make(), **query)


def _wechat_cases() -> Iterator[Case]:
    for name, body in HOSTILE_XML.items():
        yield case(f"wechat outer {name}", _wx_outer(body), 400)
        yield case(f"wechat sealed {name}", _wx(body), 400, 403, signed=True)
        yield case(f"wecom outer {name}", lambda t, b=body: t.wecom_outer(b), 400)
        # WeCom's envelope is opened as UTF-8: a body in another encoding does not open.
        yield case(f"wecom sealed {name}", lambda t, b=body: t.wecom(b), 400, 403, signed=True)
    yield case("wechat outer without Encrypt", _wx_outer(wx_message()), 400)
    yield case(
        "wechat body over 1 MiB", _wx_outer(b"<xml>" + b"a" * (1024 * 1024) + b"</xml>"), 413
    )
    yield case(
        "wechat chunked body over 1 MiB",
        lambda t: Raw(
            "POST",
            "/wechat" + t.wechat_query(),
            (("Transfer-Encoding", "chunked"),),
            b"".join(b"%x\r\n%s\r\n" % (65536, b"a" * 65536) for _ in range(18)) + b"0\r\n\r\n",
            content_length=False,
        ),
        413,
    )
    yield case("wechat body cut short", lambda t: _cut(t.wechat(wx_message())), NO_ANSWER, 400)
    yield case(
        "wechat sealed for another account",
        lambda t: t.wechat_outer(
            envelope(e := seal(wx_message(), "wx_other", wechat_api.AES_KEY)), e
        ),
        403,
    )
    yield case(
        "wechat sealed with another key",
        lambda t: t.wechat_outer(
            envelope(e := seal(wx_message(), wechat_api.APP_ID, wecom_api.AES_KEY)), e
        ),
        403,
    )
    yield case(
        "wechat Encrypt not base64",
        lambda t: t.wechat_outer(envelope("%%%not base64%%%"), "%%%not base64%%%"),
        403,
    )
    yield case(
        "wechat Encrypt of 3 bytes",
        lambda t: t.wechat_outer(envelope("QUJD"), "QUJD"),
        403,
    )
    yield case(
        "wechat sealed message of no bytes",
        lambda t: t.wechat(b""),
        400,
    )
    yield case(
        "wechat plaintext in safe mode",
        lambda t: t.wechat_outer(wx_message(), encrypt_type=None),
        403,
    )
    yield case("wechat without msg_signature", _wx(wx_message(), msg_signature=None), 403)
    yield case("wechat wrong msg_signature", _wx(wx_message(), msg_signature="0" * 40), 403)
    yield case("wechat wrong signature", _wx(wx_message(), signature="0" * 40), 403)
    yield case("wechat without signature", _wx(wx_message(), signature=None), 403)
    yield case("wechat without timestamp", _wx(wx_message(), timestamp=None), 403)
    yield case("wechat without nonce", _wx(wx_message(), nonce=None), 200, stores=True, signed=True)
    for name, timestamp in {
        "stale": "1000000000",
        "future": str(int(time.time()) + 86_400 * 365),
        "negative": "-1",
        "float": f"{int(time.time())}.5",
        "superscript digits": "²³",
        "arabic digits": "١٧٠٠٠٠٠٠٠٠",
        "5000 digits": BIG,
        "spaces": f" {int(time.time())} ",
    }.items():
        # Signed correctly over the absurd timestamp: only the timestamp is wrong.
        yield case(f"wechat timestamp {name}", _wx(wx_message(), timestamp=timestamp), 403)
        yield case(
            f"wechat verify timestamp {name}",
            lambda t, ts=timestamp: t.wechat_verify(timestamp=ts),
            403,
        )
        yield case(
            f"wecom timestamp {name}",
            lambda t, ts=timestamp: t.wecom(wecom_message(), timestamp=ts),
            403,
        )
        yield case(
            f"wecom verify timestamp {name}",
            lambda t, ts=timestamp: t.wecom_verify(timestamp=ts),
            403,
        )
    yield case(
        "wechat nonce of 6,000 characters",
        _wx(wx_message(), nonce="n" * 6000),
        200,
        stores=True,
        signed=True,
    )
    yield case("wechat verify without echostr", lambda t: t.wechat_verify(echostr=None), 200)
    yield case(
        "wechat verify echostr of markup",
        lambda t: t.wechat_verify(echostr="<script>alert(1)</script>"),
        200,
    )
    yield case(
        "wechat verify echostr of 7,000 characters",
        lambda t: t.wechat_verify(echostr="e" * 7000),
        200,
    )
    yield case("wechat verify unsigned", lambda t: t.wechat_verify(signature=None), 403)
    yield case(
        "wechat verify everything twice",
        lambda t: Raw(
            "GET", "/wechat?signature=a&signature=b&timestamp=1&timestamp=2&nonce=&echostr=x"
        ),
        403,
    )
    # Sealed and signed, the inner message odd but readable, or refused when unreadable.
    inner_refused: dict[str, Callable[[], bytes]] = {
        "no FromUserName": lambda: wechat_api.message_xml(
            {"MsgType": "text", "CreateTime": 1}
        ).encode(),
        "FromUserName of 129 characters": lambda: wx_message(openid="o" * 129),
        "FromUserName with a newline": lambda: wx_message(openid="o_a\nb"),
        "CreateTime not digits": lambda: wx_message(CreateTime="yesterday"),
        "Content with control characters": lambda: wx_message(Content="a\x1b[31mb"),
        "nested elements": lambda: (
            b"<xml><FromUserName><a>o</a></FromUserName><CreateTime>1</CreateTime></xml>"
        ),
    }
    for name, make in inner_refused.items():
        yield case(f"wechat inner {name}", _wx_make(make), 400, signed=True)
    inner_read: dict[str, Callable[[], bytes]] = {
        "CreateTime of 5000 digits": lambda: wx_message(CreateTime=BIG),
        "MsgId of 10,000 characters": lambda: wx_message(MsgId="9" * 10_000),
        "Content of 600,000 characters": lambda: wx_message(Content="x" * 600_000),
        "Content of 5000 digits": lambda: wx_message(Content=BIG),
        "CreateTime superscript": lambda: wx_message(CreateTime="²"),
        "Content with tabs and newlines": lambda: wx_message(Content="a\tb\r\nc"),
        "unknown MsgType": lambda: wx_message("hologram"),
        "MsgType of 10,000 characters": lambda: wx_message("t" * 10_000),
        "subscribe with a huge scene": lambda: wx_message(
            "event", Event="subscribe", EventKey="qrscene_" + BIG
        ),
        "scan with a huge scene": lambda: wx_message("event", Event="SCAN", EventKey=BIG),
        "click with a huge key": lambda: wx_message("event", Event="CLICK", EventKey="/" + BIG),
        "event of 10,000 characters": lambda: wx_message("event", Event="E" * 10_000),
        "unsubscribe": lambda: wx_message("event", openid="o_hostile_leaving", Event="unsubscribe"),
        "extra fields": lambda: wx_message(**{f"X{n}": "x" for n in range(2000)}),
        "duplicate fields": lambda: wx_message(Content="hi").replace(
            b"<Content>", b"<FromUserName>o_dup2</FromUserName><Content>"
        ),
    }
    for name, make in inner_read.items():
        yield case(f"wechat inner {name}", _wx_make(make), 200, stores=True, signed=True)


def _cut(raw: Raw) -> Raw:
    return Raw(raw.method, raw.target, raw.headers, raw.body, body_sent=len(raw.body) // 2)


def _wecom_cases() -> Iterator[Case]:
    yield case("wecom unsigned", lambda t: t.wecom(wecom_message(), msg_signature=None), 403)
    yield case(
        "wecom wrong signature", lambda t: t.wecom(wecom_message(), msg_signature="0" * 40), 403
    )
    yield case("wecom without timestamp", lambda t: t.wecom(wecom_message(), timestamp=None), 403)
    yield case("wecom outer without Encrypt", lambda t: t.wecom_outer(wecom_message()), 400)
    yield case(
        "wecom body over 1 MiB",
        lambda t: t.wecom_outer(b"<xml>" + b"a" * (1024 * 1024) + b"</xml>"),
        413,
    )
    yield case("wecom body cut short", lambda t: _cut(t.wecom(wecom_message())), NO_ANSWER, 400)
    yield case(
        "wecom sealed for another corp",
        lambda t: t.wecom_outer(
            envelope(e := seal(wecom_message(), "ww_other", wecom_api.AES_KEY)), e
        ),
        403,
    )
    yield case(
        "wecom sealed with another key",
        lambda t: t.wecom_outer(
            envelope(e := seal(wecom_message(), wecom_api.CORP_ID, wechat_api.AES_KEY)), e
        ),
        403,
    )
    yield case("wecom Encrypt not base64", lambda t: t.wecom_outer(envelope("%%%"), "%%%"), 403)
    yield case("wecom verify without echostr", lambda t: t.wecom_verify(None), 400)
    yield case("wecom verify echostr not sealed", lambda t: t.wecom_verify("x" * 64), 403)
    yield case(
        "wecom verify echostr for another corp",
        lambda t: t.wecom_verify(seal(b"x", "ww_other", wecom_api.AES_KEY)),
        403,
    )
    yield case(
        "wecom verify echostr of invalid utf-8",
        lambda t: t.wecom_verify(seal(b"\xff\xfe", wecom_api.CORP_ID, wecom_api.AES_KEY)),
        403,
    )
    yield case(
        "wecom verify wrong signature", lambda t: t.wecom_verify(msg_signature="0" * 40), 403
    )
    inner_refused: dict[str, Callable[[], bytes]] = {
        "no FromUserName": lambda: wecom_api.message_xml(
            {"MsgType": "text", "CreateTime": 1}
        ).encode(),
        "no MsgType": lambda: wecom_api.message_xml({"FromUserName": "hostile"}).encode(),
        "FromUserName of 10,000 characters": lambda: wecom_message(userid="u" * 10_000),
        "FromUserName with a newline": lambda: wecom_message(userid="a\nb"),
    }
    for name, make in inner_refused.items():
        yield case(f"wecom inner {name}", _wecom_make(make), 400, signed=True)
    inner_read: dict[str, Callable[[], bytes]] = {
        "CreateTime of 5000 digits": lambda: wecom_message(CreateTime=BIG),
        "MsgId of 10,000 characters": lambda: wecom_message(MsgId="9" * 10_000),
        "Content of 600,000 characters": lambda: wecom_message(Content="x" * 600_000),
        "Content of 5000 digits": lambda: wecom_message(Content=BIG),
        "AgentID of another app": lambda: wecom_message(AgentID="1"),
        "AgentID of 5000 digits": lambda: wecom_message().replace(
            f"<AgentID>{wecom_api.AGENT_ID}</AgentID>".encode(),
            f"<AgentID>{BIG}</AgentID>".encode(),
        ),
        "unknown MsgType": lambda: wecom_message("hologram"),
        "enter_agent": lambda: wecom_message("event", userid="hostile_enter", Event="enter_agent"),
        "click with a huge key": lambda: wecom_message("event", Event="click", EventKey=BIG),
        "event of 10,000 characters": lambda: wecom_message("event", Event="E" * 10_000),
        "image": lambda: wecom_message("image", MsgId=BIG[:30]),
    }
    for name, make in inner_read.items():
        yield case(f"wecom inner {name}", _wecom_make(make), 200, stores=True, signed=True)


CASES: tuple[Case, ...] = (
    *_generic(),
    *_mydata_cases(),
    *_workspace_cases(),
    *_hosts(),
    *_framing_cases(),
    *_chat_cases(),
    *_telegram_cases(),
    *_wechat_cases(),
    *_wecom_cases(),
)
