"""A loopback WeChat Official Account API, and people who write to the bot's /wechat callback.

``FakeWeChat`` serves the three API methods the bot uses under ``/cgi-bin/`` (reached
through C2C_WECHAT_API_URL = ``fake.api_url``): ``token``, ``message/custom/send`` and
``message/template/send``. It checks what WeChat checks (app secret, access token,
2,048 bytes per text, the 48-hour window, Chinese sent as UTF-8 rather than \\u escapes,
which WeChat would show literally), records every call, and answers with WeChat's
error codes and delays on demand.

``WeChatUser`` is a person on WeChat: it builds the XML WeChat posts to the bot's
callback, signs it (and seals it in safe mode) as WeChat does, reads the passive reply
(opening it when sealed), and keeps what the person received, passive replies and API
messages alike, in the order they arrived, in ``fake.received``.

The signature is computed here with hashlib, independently of the bot's code; sealing
uses wechatpy's ``PrpCrypto``, which the tests check against WeChat's published samples.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import json
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from wechatpy.crypto import PrpCrypto

APP_ID = "wx5c2c0a7b1d3e9f01"
APP_SECRET = "fake-app-secret-0f9e8d7c6b5a4"
CALLBACK_TOKEN = "fake-callback-token-3c2b1a"
AES_KEY = base64.b64encode(bytes(range(1, 33))).decode().rstrip("=")  # 43 characters
ACCOUNT = "gh_c2cbot_test"
MAX_TEXT_BYTES = 2048
ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    42001: "access_token expired",
    43004: "require subscribe",
    45002: "content size out of limit",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
    -1: "system error",
}
MEDIA: dict[str, dict[str, str | int]] = {
    "image": {"PicUrl": "http://mmbiz.example/p.jpg", "MediaId": "m1"},
    "voice": {"MediaId": "m2", "Format": "amr", "Recognition": ""},
    "video": {"MediaId": "m3", "ThumbMediaId": "t3"},
    "location": {"Location_X": "31.23", "Location_Y": "121.47", "Scale": 15, "Label": "上海"},
    "link": {"Title": "t", "Description": "d", "Url": "http://example.invalid/"},
    "file": {"Title": "a.pdf", "FileKey": "k", "FileMd5": "0" * 32, "FileTotalLen": 9},
}
_NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def signature(*parts: str) -> str:
    """WeChat's signature, computed without the bot's code: SHA-1 of the sorted parts."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


@dataclass
class Call:
    """One request the bot made: the API method, query, decoded body, and what it got."""

    method: str
    params: dict[str, str]
    body: dict[str, Any] | None
    at: float
    errcode: int = 0


@dataclass
class Received:
    """Something the person saw: a passive reply, a customer-service or a template message."""

    kind: str
    text: str
    at: float


@dataclass
class Fault:
    """The next ``times`` calls of ``method`` (for ``openid``, if given) get ``errcode``."""

    method: str
    errcode: int
    times: int = 1
    openid: str | None = None
    delay: float = 0.0
    after: int = 0  # let this many matching calls through first

    def matches(self, method: str, openid: str | None) -> bool:
        if self.times <= 0 or self.method != method:
            return False
        return self.openid is None or self.openid == openid


class FakeWeChat:
    """The fake API server; ``async with FakeWeChat() as fake`` serves on 127.0.0.1."""

    def __init__(
        self, app_id: str = APP_ID, app_secret: str = APP_SECRET, token_lifetime: int = 7200
    ) -> None:
        self.app_id, self.app_secret, self.token_lifetime = app_id, app_secret, token_lifetime
        self.url = ""
        self.requests: list[Call] = []
        self.received: dict[str, list[Received]] = {}
        self.tokens: list[str] = []
        self.closed_windows: set[str] = set()
        self.unfollowed: set[str] = set()
        self._valid: set[str] = set()
        self._expired: set[str] = set()
        self._faults: list[Fault] = []
        self._http_faults: list[tuple[str, int]] = []
        self._msg_ids = itertools.count(500_000_001)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ----- lifecycle

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeWeChat:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        """What C2C_WECHAT_API_URL is set to for this fake."""
        return f"{self.url}/cgi-bin/"

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP client people use to reach the bot's callback."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # ----- faults and conditions

    def fail(
        self,
        method: str,
        errcode: int,
        *,
        times: int = 1,
        openid: str | None = None,
        delay: float = 0.0,
        after: int = 0,
    ) -> None:
        """The next ``times`` calls of ``method`` (after ``after`` good ones) answer ``errcode``
        without being carried out."""
        self._faults.append(Fault(method, errcode, times, openid, delay, after))

    def fail_http(self, method: str, status: int = 502, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get a bare HTTP ``status`` (a broken proxy)."""
        self._http_faults.extend([(method, status)] * times)

    def delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next calls for ``seconds`` and then answer "system error" (-1)."""
        self.fail(method, -1, times=times, delay=seconds)

    def expire_tokens(self, errcode: int = 42001) -> None:
        """Every token issued so far stops working: 42001 (expired) or 40001 (invalidated)."""
        if errcode == 42001:
            self._expired |= self._valid
        self._valid.clear()

    def close_window(self, openid: str) -> None:
        """The person last wrote over 48 hours ago: customer-service messages get 45015."""
        self.closed_windows.add(openid)

    def user_wrote(self, openid: str) -> None:
        """Writing to the account opens the 48-hour window again."""
        self.closed_windows.discard(openid)

    # ----- what tests read

    def calls(self, method: str) -> list[Call]:
        return [call for call in self.requests if call.method == method]

    def record(self, openid: str, kind: str, text: str) -> None:
        self.received.setdefault(openid, []).append(Received(kind, text, time.monotonic()))

    def texts(self, openid: str, kind: str | None = None) -> list[str]:
        """What the person saw, oldest first; only passive, custom or template ones if given."""
        return [r.text for r in self.received.get(openid, []) if kind in (None, r.kind)]

    # ----- the API

    async def _token(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        status = self._http_fault("token")
        if status:
            self.requests.append(Call("token", query, None, time.monotonic(), -1))
            return web.Response(status=status, text="Internal Server Error")
        errcode = await self._fault("token", None)
        if not errcode and query.get("appid") != self.app_id:
            errcode = 40013
        elif not errcode and query.get("secret") != self.app_secret:
            errcode = 40125
        self.requests.append(Call("token", query, None, time.monotonic(), errcode))
        if errcode:
            return _error(errcode)
        token = f"ACCESS-{len(self.tokens) + 1}-{secrets.token_hex(8)}"
        self.tokens.append(token)
        self._valid.add(token)
        return web.json_response({"access_token": token, "expires_in": self.token_lifetime})

    async def _custom_send(self, request: web.Request) -> web.Response:
        return await self._api(request, "message/custom/send", self._deliver_custom)

    async def _template_send(self, request: web.Request) -> web.Response:
        return await self._api(request, "message/template/send", self._deliver_template)

    async def _api(
        self,
        request: web.Request,
        method: str,
        deliver: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]],
    ) -> web.Response:
        raw = await request.read()
        status = self._http_fault(method)
        if status:
            self.requests.append(Call(method, dict(request.query), None, time.monotonic(), -1))
            return web.Response(status=status, text="Bad Gateway")
        body = _json(raw)
        call = Call(method, dict(request.query), body, time.monotonic())
        self.requests.append(call)
        call.errcode = self._token_error(request.query.get("access_token", ""))
        if not call.errcode:
            call.errcode = await self._fault(method, (body or {}).get("touser"))
        if not call.errcode:
            call.errcode = 47001 if body is None or b"\\u" in raw else 0
        if call.errcode:
            return _error(call.errcode)
        call.errcode, extra = deliver(body or {})
        return _error(call.errcode) if call.errcode else web.json_response({**_ok(), **extra})

    def _http_fault(self, method: str) -> int:
        for n, (failing, status) in enumerate(self._http_faults):
            if failing == method:
                del self._http_faults[n]
                return status
        return 0

    def _token_error(self, token: str) -> int:
        if token in self._valid:
            return 0
        return 42001 if token in self._expired else 40001

    async def _fault(self, method: str, openid: str | None) -> int:
        for fault in self._faults:
            if fault.matches(method, openid) and fault.after > 0:
                fault.after -= 1
            elif fault.matches(method, openid):
                fault.times -= 1
                await asyncio.sleep(fault.delay)
                return fault.errcode
        return 0

    def _deliver_custom(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        openid, text = str(body.get("touser", "")), str(body.get("text", {}).get("content", ""))
        if body.get("msgtype") != "text" or not openid:
            return 47001, {}
        if openid in self.unfollowed:
            return 43004, {}
        if openid in self.closed_windows:
            return 45015, {}
        if len(text.encode()) > MAX_TEXT_BYTES:
            return 45002, {}
        self.record(openid, "custom", text)
        return 0, {}

    def _deliver_template(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        openid, data = str(body.get("touser", "")), body.get("data")
        if not body.get("template_id"):
            return 40037, {}
        if not openid or not isinstance(data, dict):
            return 47001, {}
        self.record(openid, "template", "\n".join(str(v["value"]) for v in data.values()))
        return 0, {"msgid": next(self._msg_ids)}


def _ok() -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok"}


def _error(errcode: int) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")})


def _json(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


# ----- a person writing to the account


@dataclass
class Reply:
    """The callback's answer: HTTP status, raw body, and the passive reply's fields if any."""

    status: int
    body: str
    fields: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def text(self) -> str | None:
        """The passive reply's text; ``None`` for "success" and errors."""
        return self.fields.get("Content") if self.fields.get("MsgType") == "text" else None


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: dict[str, str | int]) -> str:
    """WeChat's XML: strings in CDATA, numbers bare."""
    nodes = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}>{cdata(v)}</{k}>"
        for k, v in fields.items()
    )
    return f"<xml>{nodes}</xml>"


@dataclass
class WeChatUser:
    """A follower of the account, writing to the bot's callback as WeChat delivers it."""

    fake: FakeWeChat
    callback_url: str
    openid: str
    token: str = CALLBACK_TOKEN
    encoding_aes_key: str | None = None
    app_id: str = APP_ID
    account: str = ACCOUNT
    clock: Callable[[], float] = time.time
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(6_054_768_590))

    @property
    def encrypted(self) -> bool:
        return self.encoding_aes_key is not None

    # ----- what a person does

    async def say(self, text: str) -> Reply:
        return await self.post(self.text_xml(text))

    def text_xml(self, text: str, created: int | None = None) -> str:
        return self.xml("text", created, Content=text, MsgId=next(self._ids))

    async def send_media(self, kind: str) -> Reply:
        """An image, voice, video, location, link or file message."""
        fields = MEDIA[kind]
        return await self.post(self.xml(kind, None, **fields, MsgId=next(self._ids)))

    async def follow(self, scene: str | None = None) -> Reply:
        """Follow the account, from a parametric QR code when ``scene`` is given."""
        key = f"qrscene_{scene}" if scene else ""
        extra = {"EventKey": key, "Ticket": "TICKET"} if scene else {}
        return await self.post(self.xml("event", None, Event="subscribe", **extra))

    async def scan(self, scene: str) -> Reply:
        """Scan a parametric QR code while already following."""
        return await self.post(self.xml("event", None, Event="SCAN", EventKey=scene))

    async def click(self, key: str) -> Reply:
        return await self.post(self.xml("event", None, Event="CLICK", EventKey=key))

    async def unfollow(self) -> Reply:
        self.fake.unfollowed.add(self.openid)
        return await self.post(self.xml("event", None, Event="unsubscribe"))

    def xml(self, msg_type: str, created: int | None, **fields: str | int) -> str:
        head: dict[str, str | int] = {
            "ToUserName": self.account,
            "FromUserName": self.openid,
            "CreateTime": created if created is not None else int(self.clock()),
            "MsgType": msg_type,
        }
        return message_xml({**head, **fields})

    # ----- delivering like WeChat

    async def post(self, xml: str, **query: str) -> Reply:
        """Deliver ``xml`` to the callback (the person wrote, so the window opens again)."""
        self.fake.user_wrote(self.openid)
        reply = await self.deliver(xml.encode(), **query)
        if reply.text is not None:
            self.fake.record(self.openid, "passive", reply.text)
        return reply

    async def deliver(self, body: bytes, **query: str) -> Reply:
        """POST a body signed (and sealed in safe mode); ``query`` overrides what is sent."""
        timestamp, nonce = str(int(self.clock())), str(secrets.randbelow(10**9))
        params = {
            "signature": signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": self.openid,
        }
        if self.encrypted:
            body, seal = self.seal(body, timestamp, nonce)
            params.update(seal)
        return await self.request(body, {**params, **query})

    def seal(self, body: bytes, timestamp: str, nonce: str) -> tuple[bytes, dict[str, str]]:
        """Safe mode: the message in <Encrypt>, msg_signature over it."""
        assert self.encoding_aes_key is not None
        crypto = PrpCrypto(aes_key(self.encoding_aes_key))
        encrypted = crypto.encrypt(body.decode(), self.app_id).decode()
        outer = message_xml({"ToUserName": self.account, "Encrypt": encrypted})
        query = {
            "encrypt_type": "aes",
            "msg_signature": signature(self.token, timestamp, nonce, encrypted),
        }
        return outer.encode(), query

    async def request(self, body: bytes, query: dict[str, str]) -> Reply:
        started = time.monotonic()
        data = io.BytesIO(body)  # aiohttp warns about sending large raw bytes
        async with self.fake.session.post(self.callback_url, params=query, data=data) as response:
            text = await response.text()
        reply = Reply(response.status, text, elapsed=time.monotonic() - started)
        if response.status == 200 and text.lstrip().startswith("<xml"):
            reply.fields = self.open_reply(text)
        return reply

    def open_reply(self, text: str) -> dict[str, str]:
        """The passive reply's fields, opened and its signature checked when sealed."""
        fields = _fields(text)
        if not self.encrypted:
            return fields
        assert self.encoding_aes_key is not None
        expected = signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        assert fields["MsgSignature"] == expected, "the sealed reply's signature is wrong"
        crypto = PrpCrypto(aes_key(self.encoding_aes_key))
        return _fields(crypto.decrypt(fields["Encrypt"], self.app_id))

    # ----- what the person saw

    @property
    def received(self) -> list[Received]:
        return self.fake.received.get(self.openid, [])

    @property
    def last(self) -> str:
        assert self.received, f"{self.openid} received nothing"
        return self.received[-1].text

    def numbered(self) -> dict[str, str]:
        """The numbered options of the last message: label → number."""
        return {label: number for number, label in _NUMBERED.findall(self.last)}


def _fields(xml: str) -> dict[str, str]:
    root = ET.fromstring(xml)
    return {child.tag: child.text or "" for child in root}
