"""A loopback WeCom (企业微信) server API and a simulated member, for the WeCom channel's tests.

The bot reaches the fake through C2C_WECOM_API_URL (``fake.api_url``), so its real HTTP
and token code runs unchanged. The fake speaks ``gettoken``, ``message/send``,
``appchat/create``, ``appchat/send``, ``appchat/get`` and ``media/upload`` the way WeCom
does (HTTP 200 with an ``errcode``), with text, markdown and image messages. It keeps
every call, what each member and group received, and every breach of the sending
limits. As WeCom does, messages over a limit are answered with errcode 0 and dropped:
only ``violations`` tells.

``FakeMember`` is a person in the WeCom app: it builds the callback XML WeCom would
send, encrypts and signs it with the app's token and EncodingAESKey, and POSTs it to
the bot's ``/wecom``; ``received`` reads back what the bot sent it via message/send.
"""

from __future__ import annotations

import base64
import io
import itertools
import re
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from wechatpy.enterprise.crypto import PrpCrypto

from c2cbot.channels._tencent.crypto import signature

CORP_ID = "ww0c2cb07e57c0a1d2"
AGENT_ID = 1000002
SECRET = "wecom-app-secret-DO-NOT-LEAK-3f9a"
CALLBACK_TOKEN = "c2cCallbackToken"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
MAX_BYTES = 2048  # text and markdown content alike, for an app
MAX_IMAGE = 2 * 1024 * 1024
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


@dataclass(frozen=True)
class Window:
    """At most ``allowed`` messages in any span of ``seconds``."""

    seconds: float
    allowed: int


@dataclass(frozen=True)
class WeComRules:
    """WeCom's documented limits (developer.work.weixin.qq.com/document/path/90454).

    An app may send one member 30 messages a minute and 1,000 an hour; a member may get
    200 app-chat messages a minute and 10,000 a day. Excess is dropped silently.
    """

    member: tuple[Window, ...] = (Window(60, 30), Window(3600, 1000))
    group_member: tuple[Window, ...] = (Window(60, 200), Window(86400, 10000))


@dataclass
class Call:
    """One request the bot made, and the errcode it got."""

    path: str
    query: dict[str, str]
    body: dict[str, Any] | None
    at: float
    errcode: int = 0


@dataclass(frozen=True)
class Received:
    """One message as it arrived: its msgtype, its text or markdown, or the image's bytes."""

    msgtype: str
    content: str = ""
    image: bytes | None = None

    @property
    def shown(self) -> str:
        return shown(self.content) if self.msgtype == "markdown" else self.content


@dataclass
class Group:
    chatid: str
    name: str
    owner: str
    members: list[str]
    messages: list[str] = field(default_factory=list)  # text and markdown content
    received: list[Received] = field(default_factory=list)  # every message, images too

    @property
    def shown(self) -> list[str]:
        """Text and markdown messages as members read them (markdown rendered)."""
        return [r.shown for r in self.received if r.image is None]


@dataclass(frozen=True)
class Violation:
    rule: str
    who: str
    count: int
    at: float


@dataclass
class Fault:
    path: str
    errcode: int
    times: int
    errmsg: str
    after: int = 0


class ApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


class FakeWeCom:
    """The WeCom server API on a loopback port; ``async with`` starts and stops it."""

    def __init__(
        self,
        rules: WeComRules | None = None,
        *,
        corp_id: str = CORP_ID,
        agent_id: int = AGENT_ID,
        secret: str = SECRET,
        token: str = CALLBACK_TOKEN,
        aes_key: str = AES_KEY,
    ) -> None:
        self.rules = rules or WeComRules()
        self.corp_id, self.agent_id, self.secret = corp_id, agent_id, secret
        self.token, self.aes_key = token, aes_key
        self.url = ""
        self.callback_url = ""
        self.requests: list[Call] = []
        self.members: set[str] = set()
        self.inboxes: dict[str, list[str]] = {}
        self.received: dict[str, list[Received]] = {}  # per member, images too
        self.media: dict[str, bytes] = {}
        self.groups: dict[str, Group] = {}
        self.violations: list[Violation] = []
        self.issued: list[str] = []
        self._expired: set[str] = set()
        self._faults: list[Fault] = []
        self._sends: dict[tuple[str, float, str], deque[float]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/cgi-bin/"

    async def __aenter__(self) -> FakeWeCom:
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{path:.+}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # its URLs hold tokens
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ----- what tests arrange

    def member(self, userid: str) -> FakeMember:
        """A member of the corp who uses the app; messages to unknown userids fail."""
        self.members.add(userid)
        return FakeMember(self, userid)

    def fail(
        self, path: str, errcode: int, *, times: int = 1, after: int = 0, errmsg: str = ""
    ) -> None:
        """After ``after`` good calls, the next ``times`` calls of ``path`` get ``errcode``."""
        self._faults.append(Fault(path, errcode, times, errmsg or f"fault {errcode}", after))

    def expire_token(self) -> None:
        """Every token issued so far expires: the next call with one gets 42001."""
        self._expired.update(self.issued)

    def delete_group(self, chatid: str) -> None:
        """The group is dissolved on WeCom's side."""
        self.groups.pop(chatid, None)

    # ----- what tests read

    def calls(self, path: str) -> list[Call]:
        return [c for c in self.requests if c.path == path]

    def inbox(self, userid: str) -> list[str]:
        return self.inboxes.get(userid, [])

    @property
    def current_token(self) -> str | None:
        return self.issued[-1] if self.issued else None

    # ----- the HTTP side

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body = await _body(request)
        call = Call(path, dict(request.query), body, time.monotonic())
        self.requests.append(call)
        try:
            result = await self._dispatch(path, call)
        except ApiError as error:
            call.errcode = error.errcode
            return web.json_response({"errcode": error.errcode, "errmsg": error.errmsg})
        return web.json_response({"errcode": 0, "errmsg": "ok", **result})

    async def _dispatch(self, path: str, call: Call) -> dict[str, Any]:
        handler = {
            "gettoken": self._gettoken,
            "message/send": self._message_send,
            "appchat/create": self._appchat_create,
            "appchat/send": self._appchat_send,
            "appchat/get": self._appchat_get,
            "media/upload": self._media_upload,
        }.get(path)
        if handler is None:
            raise ApiError(404, "not found")
        if path != "gettoken":
            self._check_token(call.query.get("access_token", ""))
        self._inject_fault(path)
        return handler(call)

    def _inject_fault(self, path: str) -> None:
        fault = next((f for f in self._faults if f.path == path and f.times > 0), None)
        if fault is None:
            return
        if fault.after > 0:
            fault.after -= 1
            return
        fault.times -= 1
        raise ApiError(fault.errcode, fault.errmsg)

    def _check_token(self, token: str) -> None:
        if token in self._expired:
            raise ApiError(42001, "access_token expired")
        if token != self.current_token:  # a fresh token invalidates the old ones
            raise ApiError(40014, "invalid access_token")

    def _gettoken(self, call: Call) -> dict[str, Any]:
        if call.query.get("corpid") != self.corp_id:
            raise ApiError(40013, "invalid corpid")
        if call.query.get("corpsecret") != self.secret:
            raise ApiError(40001, "invalid credential")
        self.issued.append(f"tok{len(self.issued) + 1}-{secrets.token_hex(12)}")
        return {"access_token": self.issued[-1], "expires_in": 7200}

    def _message_send(self, call: Call) -> dict[str, Any]:
        body = call.body or {}
        if body.get("agentid") != self.agent_id:
            raise ApiError(40056, "invalid agentid")
        received = self._content(body)
        userid = str(body.get("touser", ""))
        if userid not in self.members:
            raise ApiError(81013, "user & party & tag all invalid")
        if self._within("member", self.rules.member, userid, call.at):
            self.received.setdefault(userid, []).append(received)
            if received.image is None:
                self.inboxes.setdefault(userid, []).append(received.content)
        return {"invaliduser": "", "msgid": f"msg{next(self._ids)}"}

    def _appchat_create(self, call: Call) -> dict[str, Any]:
        body = call.body or {}
        userlist = [str(u) for u in body.get("userlist", [])]
        if not 2 <= len(userlist) <= 500:
            raise ApiError(86006, "invalid chat member list size")
        if any(u not in self.members for u in userlist):
            raise ApiError(86007, "invalid chat member")
        chatid = str(body.get("chatid") or f"wrc{next(self._ids):08d}")
        if chatid in self.groups:
            raise ApiError(86215, "chatid exists")
        owner = str(body.get("owner") or userlist[0])
        self.groups[chatid] = Group(chatid, str(body.get("name", "")), owner, userlist)
        return {"chatid": chatid}

    def _appchat_send(self, call: Call) -> dict[str, Any]:
        body = call.body or {}
        group = self.groups.get(str(body.get("chatid", "")))
        if group is None:
            raise ApiError(86003, "chatid not exist")
        received = self._content(body)
        delivered = [
            self._within("group_member", self.rules.group_member, member, call.at)
            for member in group.members
        ]
        if all(delivered):
            group.received.append(received)
            if received.image is None:
                group.messages.append(received.content)
        return {}

    def _content(self, body: Mapping[str, Any]) -> Received:
        """The message a send carries: text or markdown within the limit, or a known image."""
        kind = body.get("msgtype")
        if kind == "image":
            media_id = str((body.get("image") or {}).get("media_id", ""))
            if media_id not in self.media:
                raise ApiError(40007, "invalid media_id")
            return Received("image", media_id, self.media[media_id])
        if kind not in ("text", "markdown"):
            raise ApiError(40008, "invalid message type")
        return Received(str(kind), _text(body, str(kind)))

    def _media_upload(self, call: Call) -> dict[str, Any]:
        """Temporary media: only type=image here, a PNG or JPEG of at most 2 MB."""
        if call.query.get("type") != "image":
            raise ApiError(40004, "invalid media type")
        upload = (call.body or {}).get("media")
        if not isinstance(upload, bytes) or not upload.startswith(IMAGE_MAGIC):
            raise ApiError(40005, "invalid file type")
        if len(upload) > MAX_IMAGE:
            raise ApiError(40009, "invalid image size")
        media_id = f"media{next(self._ids)}-{secrets.token_hex(8)}"
        self.media[media_id] = upload
        return {"type": "image", "media_id": media_id, "created_at": str(int(time.time()))}

    def _appchat_get(self, call: Call) -> dict[str, Any]:
        group = self.groups.get(call.query.get("chatid", ""))
        if group is None:
            raise ApiError(86003, "chatid not exist")
        info = {
            "chatid": group.chatid,
            "name": group.name,
            "owner": group.owner,
            "userlist": group.members,
        }
        return {"chat_info": info}

    def _within(self, rule: str, windows: tuple[Window, ...], who: str, now: float) -> bool:
        """Count one message for ``who``; ``False`` (and a violation) when over a limit."""
        ok = True
        for window in windows:
            times = self._sends.setdefault((rule, window.seconds, who), deque())
            times.append(now)
            while times and times[0] <= now - window.seconds:
                times.popleft()
            if len(times) > window.allowed:
                self.violations.append(Violation(rule, who, len(times), now))
                ok = False
        return ok


async def _body(request: web.Request) -> dict[str, Any] | None:
    """A JSON body, or a multipart form (media/upload) with files as bytes."""
    if request.method != "POST" or not request.can_read_body:
        return None
    if request.content_type == "multipart/form-data":
        form = await request.post()
        return {
            key: value if isinstance(value, str) else value.file.read()
            for key, value in form.items()
        }
    answer: dict[str, Any] = await request.json()
    return answer


def _text(body: Mapping[str, Any], kind: str = "text") -> str:
    """The content of a text or markdown message; too long is refused loudly (WeCom cuts)."""
    text = str((body.get(kind) or {}).get("content", ""))
    if not text.strip():
        raise ApiError(44004, "empty content")
    if len(text.encode()) > MAX_BYTES:
        raise ApiError(45002, "content size out of limit")
    return text


# ----- WeCom's markdown, as the app renders it (developer.work.weixin.qq.com/document/path/90236)

MARKDOWN: dict[str, re.Pattern[str]] = {
    "heading": re.compile(r"^#{1,6} (.*)$", re.MULTILINE),
    "quote": re.compile(r"^> ?(.*)$", re.MULTILINE),
    "bold": re.compile(r"\*\*(.+?)\*\*"),
    "link": re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)"),
    "code": re.compile(r"`([^`\n]+)`"),
    "font": re.compile(r'<font color="(?:info|comment|warning)">(.*?)</font>', re.DOTALL),
    "mention": re.compile(r"<@(\w+)>"),
}
WORD_JOINER = "\u2060"


def markdown_elements(content: str) -> dict[str, list[str]]:
    """The markup WeCom would act on in ``content``, by kind: what each one wraps."""
    return {kind: pattern.findall(content) for kind, pattern in MARKDOWN.items()}


def shown(content: str) -> str:
    """What a member reads: the supported markup applied, invisible word joiners gone."""
    for pattern in MARKDOWN.values():
        content = pattern.sub(r"\1", content)
    return content.replace(WORD_JOINER, "")


# ----- a member of the corp, using the app


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: Mapping[str, str | int]) -> str:
    """A callback's plaintext: strings in CDATA, numbers bare, as WeCom writes them."""
    inner = "".join(
        f"<{name}>{value if isinstance(value, int) else cdata(value)}</{name}>"
        for name, value in fields.items()
    )
    return f"<xml>{inner}</xml>"


@dataclass
class Posted:
    """A callback as sent: its query and body, so it can be sent again as WeCom retries."""

    query: dict[str, str]
    body: bytes


class FakeMember:
    """One member: writes to the app (encrypted callbacks) and reads what the bot sent."""

    def __init__(self, fake: FakeWeCom, userid: str) -> None:
        self.fake, self.userid = fake, userid
        self._msg_ids = itertools.count(7_000_000_000_000_000_001)
        self.last_posted: Posted | None = None

    @property
    def received(self) -> list[str]:
        return self.fake.inbox(self.userid)

    @property
    def last(self) -> str:
        return self.received[-1]

    def fields(self, kind: str, **extra: str | int) -> dict[str, str | int]:
        return {
            "ToUserName": self.fake.corp_id,
            "FromUserName": self.userid,
            "CreateTime": int(time.time()),
            "MsgType": kind,
            **extra,
            "AgentID": self.fake.agent_id,
        }

    async def send_text(self, text: str) -> int:
        fields = self.fields("text", Content=text, MsgId=next(self._msg_ids))
        return await self.deliver(message_xml(fields))

    async def send_event(self, event: str, key: str = "") -> int:
        extra: dict[str, str | int] = {"Event": event}
        if key:
            extra["EventKey"] = key
        return await self.deliver(message_xml(self.fields("event", **extra)))

    async def send_image(self) -> int:
        fields = self.fields(
            "image", PicUrl="https://example.invalid/p.jpg", MediaId="m1", MsgId=next(self._msg_ids)
        )
        return await self.deliver(message_xml(fields))

    async def deliver(
        self,
        plaintext: str,
        *,
        timestamp: int | None = None,
        aes_key: str | None = None,
        token: str | None = None,
        give_up_after: float | None = None,
    ) -> int:
        """Encrypt, sign and POST a callback; the bot's HTTP status. Overrides forge it."""
        key = base64.b64decode((aes_key or self.fake.aes_key) + "=")
        encrypted = PrpCrypto(key).encrypt(plaintext, self.fake.corp_id).decode()
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(5)
        query = {
            "msg_signature": signature(token or self.fake.token, stamp, nonce, encrypted),
            "timestamp": stamp,
            "nonce": nonce,
        }
        body = message_xml(
            {
                "ToUserName": self.fake.corp_id,
                "AgentID": str(self.fake.agent_id),
                "Encrypt": encrypted,
            }
        )
        self.last_posted = Posted(query, body.encode())
        return await self.post(self.last_posted, give_up_after=give_up_after)

    async def post(self, posted: Posted, *, give_up_after: float | None = None) -> int:
        """POST a callback; ``give_up_after`` seconds the caller hangs up, as WeCom does."""
        assert self.fake.session is not None and self.fake.callback_url
        async with self.fake.session.post(
            self.fake.callback_url,
            params=posted.query,
            data=io.BytesIO(posted.body),
            timeout=aiohttp.ClientTimeout(total=give_up_after),
        ) as response:
            return response.status

    async def retry_last(self) -> int:
        """WeCom sends the very same callback again when it got no answer in time."""
        assert self.last_posted is not None
        return await self.post(self.last_posted)
