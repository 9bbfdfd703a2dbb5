"""WeCom (企业微信) self-built app: encrypted callbacks in, ``message/send`` and app chats out.

Callbacks at ``/wecom`` are always encrypted (msg_signature + AES): the signature is
checked first, the body is decrypted with wechatpy's ``PrpCrypto`` (the CorpId is the
receive id) and both layers of XML are read with ``wechat_xml.read_message``, never a
parser that expands entities.

Replies never ride on the callback. WeCom retries a callback it has no answer to after
five seconds, so the engine runs in a task of its own that no request can cancel; the
callback waits for it a short while (``answer_within``) and then answers with an empty
200 in any case. Retries of a callback are harmless because the engine dedupes on
``FromUserName:CreateTime:MsgId``. Everything the engine says goes through the outbox
and ``send``, as plain text (markdown renders differently between the WeCom app and
WeChat, and people's own text must never be read as markup: the one tag WeCom's text
messages honour, ``<a href>``, is defused). Digests are the exception: their renderer
escaped people's text for WeCom's markdown and cut it to 2,048 bytes, so a message
marked ``extra["markup"] == "wecom_markdown"`` goes as msgtype markdown, unchanged; a
message with ``extra["image"]`` (a KPI chart) is uploaded (media/upload) and sent as
msgtype image.

Outbox addresses: a member's chat is their userid; an app group chat is
``group:<chatid>`` (``group_chat_id``). WeCom userids are made of ``0-9 a-z A-Z _ - @ .``,
so the prefix can never clash with a userid and the dispatcher needs no special case.

WeCom drops messages over its limits without telling anyone, so ``send`` waits for
token buckets before each message (``WeComLimits``, with the documented numbers).
Neither the app secret nor an access token is ever logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from wechatpy.enterprise.crypto import PrpCrypto

from c2cbot.channels.base import (
    CALLBACK_PATIENCE,
    Capabilities,
    DeliveryError,
    InboundJournal,
    TokenVault,
    as_numbered_text,
    image_of,
    keep_until_handled,
    split_bytes,
)
from c2cbot.channels.ratelimit import SYSTEM_CLOCK, Clock, Rate, TokenBucket, acquire_all
from c2cbot.channels.wechat_xml import MAX_BODY, UnsafeXml, read_message
from c2cbot.clock import system_clock, unix_seconds
from c2cbot.flows.commands import typed_commands
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

NAME = "wecom"
CALLBACK_PATH = "/wecom"
GROUP_PREFIX = "group:"
MAX_BYTES = 2048  # WeCom's limit for a text or markdown message's content, in UTF-8 bytes
MARKDOWN_MARKUP = "wecom_markdown"  # ``extra["markup"]`` of text already escaped for WeCom
IMAGE_NAME = "chart.png"
LANGUAGE = "zh_Hans"
REDACTED = "<redacted>"
CHUNK = 64 * 1024
MAX_PARTIAL = 1000
MAX_IDLE_BUCKETS = 10_000
MAX_GROUP_NAME = 50
MAX_GROUP_MEMBERS = 500
LIMIT_PAUSE = 60.0  # WeCom blocks a caller over a per-minute limit for 60 seconds

TOKEN_ERRORS = frozenset({40014, 42001})  # invalid / expired access_token
LIMIT_ERRORS = frozenset({45009, 45011, 45033})  # over a call limit / too fast / too parallel
UNREACHABLE_MEMBER = frozenset({40003, 60111, 81013})  # invalid userid / not found / all invalid
UNREACHABLE_GROUP = frozenset({86001, 86003})  # chatid invalid / chat does not exist
TRANSIENT = frozenset({-1})  # system busy
UNSUPPORTED_TYPES = frozenset({"image", "voice", "video", "location", "link", "file"})
START_EVENTS = frozenset({"subscribe", "enter_agent"})
OPENING = "enter_agent"  # sent each time a member opens the app, not only the first time
MAX_REMEMBERED = 10_000
COMMANDS = typed_commands()  # menu button keys that mean a command (``steps`` → /steps)
CHAT_ID = re.compile(r"[0-9A-Za-z]{1,32}")
ANCHOR = re.compile(r"<(?=\s*/?\s*a[\s>/])", re.IGNORECASE)
SECRET_IN_URL = re.compile(r"(access_token|corpsecret)=[^&\s'\"]*")

InboundHandler = Callable[[Inbound], Awaitable[object]]
WallClock = Callable[[], float]
SYSTEM_SECONDS: WallClock = unix_seconds(system_clock)


# ----- errors


class WeComError(DeliveryError):
    """WeCom answered with an error code; ``errcode`` says which."""

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(
            f"WeCom error {errcode}: {errmsg[:200]}",
            permanent=permanent,
            retry_after=retry_after,
            unreachable=unreachable,
        )
        self.errcode = errcode


def api_error(errcode: int, errmsg: str, *, group: bool = False) -> WeComError:
    """WeCom's error code as the dispatcher understands it: wait, retry, or give up.

    Codes not listed mean the request itself is wrong and stays wrong, so they are
    permanent; limits wait out WeCom's 60-second block; a token error that survived
    one refresh is worth another try later.
    """
    unreachable = UNREACHABLE_GROUP if group else UNREACHABLE_MEMBER
    if errcode in LIMIT_ERRORS:
        return WeComError(errcode, errmsg, retry_after=LIMIT_PAUSE)
    if errcode in unreachable:
        return WeComError(errcode, errmsg, unreachable=True)
    if errcode in TRANSIENT or errcode in TOKEN_ERRORS:
        return WeComError(errcode, errmsg)
    return WeComError(errcode, errmsg, permanent=True)


class CallbackRefused(Exception):
    """A callback we will not act on; ``status`` is the HTTP answer it gets."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` without any of ``secrets`` and without credentials in query strings."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return SECRET_IN_URL.sub(rf"\1={REDACTED}", text)


# ----- callback crypto


def signature(*parts: str) -> str:
    """WeCom's msg_signature: SHA-1 over the sorted, concatenated parts."""
    joined = "".join(sorted(parts)).encode()
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 - WeCom's protocol mandates SHA-1


def aes_key_bytes(aes_key: str) -> bytes:
    """The 32-byte AES key an EncodingAESKey (43 characters of base64) stands for."""
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("the WeCom EncodingAESKey is not valid base64") from None
    if len(key) != 32:
        raise ValueError("the WeCom EncodingAESKey must be 43 characters")
    return key


class CallbackCrypto:
    """Checks and opens WeCom's encrypted callbacks; refusals carry their HTTP status."""

    def __init__(
        self, token: str, aes_key: str, corp_id: str, clock: WallClock, max_skew: float
    ) -> None:
        self._token, self._key, self._corp_id = token, aes_key_bytes(aes_key), corp_id
        self._clock, self._max_skew = clock, max_skew

    def open(self, query: Mapping[str, str], encrypted: str) -> str:
        """The plaintext of ``encrypted`` once the query's signature and time check out."""
        self.check_time(query.get("timestamp", ""))
        given = query.get("msg_signature", "")
        expected = signature(self._token, query["timestamp"], query.get("nonce", ""), encrypted)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise CallbackRefused(403, "wrong msg_signature")
        return self.decrypt(encrypted)

    def check_time(self, timestamp: str) -> None:
        """Refuse replays: WeCom's timestamp must be within a few minutes of ours."""
        if not timestamp.isascii() or not timestamp.isdigit():
            raise CallbackRefused(403, "missing or malformed timestamp")
        if abs(self._clock() - int(timestamp)) > self._max_skew:
            raise CallbackRefused(403, "timestamp too far from now")

    def decrypt(self, encrypted: str) -> str:
        try:
            return str(PrpCrypto(self._key).decrypt(encrypted, self._corp_id))
        except Exception:  # any failure means the wrong key or corp id: not WeCom
            raise CallbackRefused(403, "cannot decrypt") from None


# ----- reading callbacks


def read_callback(fields: Mapping[str, str], agent_id: int) -> Inbound | None:
    """The ``Inbound`` for a decrypted callback; ``None`` for what needs no answer."""
    sender, kind = fields.get("FromUserName", ""), fields.get("MsgType", "")
    if not sender or not kind:
        raise CallbackRefused(400, "FromUserName or MsgType missing")
    agent = fields.get("AgentID", "").strip()
    if agent and agent != str(agent_id):
        return None  # another app's callback: not for us
    if kind == "text":
        return _inbound(fields, fields.get("MsgId", ""), text=fields.get("Content", ""))
    if kind == "event":
        return _event(fields)
    if kind in UNSUPPORTED_TYPES:
        return _inbound(fields, fields.get("MsgId", kind), event="unsupported")
    return None


def _event(fields: Mapping[str, str]) -> Inbound | None:
    event, key = fields.get("Event", "").lower(), fields.get("EventKey", "")
    dedupe = f"{event}:{key}"
    if event in START_EVENTS:
        return _inbound(fields, dedupe, text="/start")
    if event == "click" and key.lower() in COMMANDS:
        return _inbound(fields, dedupe, text=f"/{key.lower()}")
    if event == "unsubscribe":
        return _inbound(fields, dedupe, event="unreachable")
    return None  # views, locations, contact changes…: nothing to say


def _inbound(
    fields: Mapping[str, str], suffix: str, *, text: str | None = None, event: str | None = None
) -> Inbound:
    sender = fields["FromUserName"]
    return Inbound(
        channel=NAME,
        external_id=sender,
        chat_id=sender,
        dedupe_key=f"{sender}:{fields.get('CreateTime', '')}:{suffix}",
        text=text,
        language_hint=LANGUAGE,
        event=event,
    )


async def read_body(request: web.Request) -> bytes:
    """The request body, refused with 413 as soon as it passes ``MAX_BODY``."""
    if (request.content_length or 0) > MAX_BODY:
        raise CallbackRefused(413, "body too large")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > MAX_BODY:
            raise CallbackRefused(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def read_xml(body: bytes) -> dict[str, str]:
    try:
        return read_message(body)
    except UnsafeXml as problem:
        raise CallbackRefused(400, str(problem)) from None


# ----- writing messages


def group_chat_id(chatid: str) -> str:
    """The outbox address of a WeCom app chat (what ``GroupChat.chat_id`` should hold)."""
    return chatid if chatid.startswith(GROUP_PREFIX) else GROUP_PREFIX + chatid


Content = dict[str, Any]  # a message body without its address: msgtype and its object


@dataclass(frozen=True)
class Upload:
    """A file for media/upload, sent as multipart form data."""

    data: bytes
    filename: str
    content_type: str


def render(message: Outbound, texts: Texts) -> list[str]:
    """The message as WeCom texts: options as numbered lines, split to fit."""
    return split_bytes(defuse_links(as_numbered_text(message, texts)))


def contents(message: Outbound, texts: Texts) -> list[Content]:
    """What ``send`` posts for the message: texts, or markdown as its renderer wrote it."""
    if message.extra.get("markup") == MARKDOWN_MARKUP:
        return [{"msgtype": "markdown", "markdown": {"content": message.text}}]
    return [{"msgtype": "text", "text": {"content": part}} for part in render(message, texts)]


def defuse_links(text: str) -> str:
    """WeCom shows ``<a href>`` in text messages as a link; typed text must not make one.

    Only the ``<`` opening an anchor tag changes, to the full-width ``＜`` that Chinese
    text uses anyway, so nothing else a person wrote is altered.
    """
    return ANCHOR.sub("＜", text)


def _fingerprint(chat_id: str, message: Outbound) -> str:
    body = json.dumps(message.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{chat_id}\n{body}".encode()).hexdigest()


# ----- sending limits


MEMBER_RATES = (Rate.per_minute(24, 4), Rate(900 / 3600, 50))
GROUP_RATES = (Rate.per_minute(17, 3), Rate(4800 / 86400, 100))
OVERALL_RATE = Rate(20.0, 20.0)  # 1,200 a minute


@dataclass(frozen=True)
class WeComLimits:
    """Token buckets that stay inside WeCom's documented sending limits.

    Source: developer.work.weixin.qq.com/document/path/90454 (访问频率限制, 2023-08-28):
    an app may send one member at most 30 messages a minute and 1,000 an hour ("超过部分
    会被丢弃不下发"); a member may receive at most 200 app messages a minute and 10,000 a
    day in app chats, also dropped silently; the app's daily quota (account limit × 200
    person-times) is not known here and answers with an error code, which backs off.
    A bucket lets through at most ``burst + per_second × t`` in any ``t`` seconds:
    member 4 + 24/min ≤ 28 a minute and 50 + 900 ≤ 950 an hour; a group 3 + 17 ≤ 20 a
    minute and 100 + 4,800 ≤ 4,900 a day, so a member may sit in two of our groups.
    The overall rate is an assumption (no per-minute app limit is documented).
    """

    member: tuple[Rate, ...] = MEMBER_RATES
    group: tuple[Rate, ...] = GROUP_RATES
    overall: Rate = OVERALL_RATE


class SendLimiter:
    """Buckets per member, per group and overall; waits, never drops."""

    def __init__(self, limits: WeComLimits, clock: Clock) -> None:
        self._limits, self._clock = limits, clock
        self._overall = TokenBucket(limits.overall, clock)
        self._chats: dict[str, tuple[TokenBucket, ...]] = {}

    async def wait(self, chat_id: str) -> None:
        """Return when one message to ``chat_id`` may go out; call right before sending."""
        await acquire_all((*self._chat(chat_id), self._overall), self._clock)

    def _chat(self, chat_id: str) -> tuple[TokenBucket, ...]:
        buckets = self._chats.get(chat_id)
        if buckets is None:
            self._forget_idle()
            rates = self._limits.group if chat_id.startswith(GROUP_PREFIX) else self._limits.member
            buckets = self._chats[chat_id] = tuple(TokenBucket(r, self._clock) for r in rates)
        return buckets

    def _forget_idle(self) -> None:
        """Full buckets remember nothing, so they can go once there are many."""
        if len(self._chats) >= MAX_IDLE_BUCKETS:
            self._chats = {k: b for k, b in self._chats.items() if not all(x.full for x in b)}


# ----- the channel


@dataclass(frozen=True)
class WeComOptions:
    """Timing knobs; the defaults suit production, tests shorten them."""

    request_timeout: float = 10.0
    answer_within: float = 3.0  # WeCom retries after 5 s without an answer
    max_skew: float = 300.0
    token_cache_seconds: float = 300.0
    greet_after: float = 1800.0  # opening the app re-asks the question only after this long away
    limits: WeComLimits = field(default_factory=WeComLimits)


@dataclass(frozen=True)
class GroupInfo:
    chatid: str
    name: str
    owner: str
    members: tuple[str, ...]


class WeComApp:
    """The WeCom self-built app channel: callbacks in, rate-limited sending out."""

    name = NAME
    capabilities = Capabilities(buttons=False, max_length=MAX_BYTES, markup="markdown", images=True)

    def __init__(
        self,
        *,
        corp_id: str,
        agent_id: int,
        secret: str,
        token: str,
        aes_key: str,
        api_url: str,
        texts: Texts,
        on_inbound: InboundHandler,
        vault: TokenVault,
        clock: WallClock = SYSTEM_SECONDS,
        rate_clock: Clock = SYSTEM_CLOCK,
        options: WeComOptions | None = None,
        journal: InboundJournal | None = None,
    ) -> None:
        self._options, self._journal = options or WeComOptions(), journal
        self._corp_id, self._agent_id, self._secret = corp_id, agent_id, secret
        self._api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._texts, self._on_inbound, self._vault = texts, on_inbound, vault
        self._crypto = CallbackCrypto(token, aes_key, corp_id, clock, self._options.max_skew)
        self._clock = clock
        self._last_heard: dict[str, float] = {}
        self._rate_clock = rate_clock
        self._limiter = SendLimiter(self._options.limits, rate_clock)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_read_at = 0.0
        self._refreshing = asyncio.Lock()
        self._handling: set[asyncio.Task[object]] = set()
        self._partial: dict[str, list[str]] = {}

    @property
    def vault_key(self) -> str:
        return f"wecom:{self._corp_id}:{self._agent_id}"

    # ----- callbacks

    def routes(self) -> list[web.RouteDef]:
        """GET /wecom (URL verification) and POST /wecom (messages and events)."""
        return [web.get(CALLBACK_PATH, self._verify), web.post(CALLBACK_PATH, self._receive)]

    async def _verify(self, request: web.Request) -> web.Response:
        """WeCom checks the URL: answer with the decrypted echostr if the signature holds."""
        try:
            echo = request.query.get("echostr")
            if not echo:
                raise CallbackRefused(400, "echostr missing")
            plain = self._crypto.open(request.query, echo)
        except CallbackRefused as refused:
            log.info("refused a WeCom URL verification (%s)", refused)
            return web.Response(status=refused.status)
        return web.Response(text=plain)

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            inbound = await self._read(request)
        except CallbackRefused as refused:
            log.info("refused a WeCom callback (%s)", refused)
            return web.Response(status=refused.status)
        if inbound is None:
            return web.Response()
        return await self._answer(inbound, self._spawn(inbound))

    async def _read(self, request: web.Request) -> Inbound | None:
        """Size, time, outer XML, signature, decryption, inner XML — in that order."""
        body = await read_body(request)
        self._crypto.check_time(request.query.get("timestamp", ""))
        encrypted = read_xml(body).get("Encrypt", "")
        if not encrypted:
            raise CallbackRefused(400, "no <Encrypt> element")
        plain = self._crypto.open(request.query, encrypted)
        fields = read_xml(plain.encode())
        inbound = read_callback(fields, self._agent_id)
        if inbound is not None and not self._heard_from(inbound.external_id, fields):
            return None
        return inbound

    def _heard_from(self, userid: str, fields: Mapping[str, str]) -> bool:
        """Note the member's callback; ``False`` for an app opening that needs no greeting.

        WeCom reports every opening of the app. A newcomer's first opening starts
        onboarding, and someone back after ``greet_after`` is reminded of the question
        waiting; someone who opens the app while chatting would only see it again. What
        is remembered is this process's memory: after a restart, one opening re-asks.
        """
        now, last = self._clock(), self._last_heard.pop(userid, None)
        if len(self._last_heard) >= MAX_REMEMBERED:
            del self._last_heard[next(iter(self._last_heard))]  # the longest unheard
        self._last_heard[userid] = now
        opening = fields.get("Event", "").lower() == OPENING
        return not opening or last is None or now - last >= self._options.greet_after

    def _spawn(self, inbound: Inbound) -> asyncio.Task[object]:
        """Run the engine in a task of its own: a dropped connection must not cancel it."""
        task = asyncio.create_task(self._handle(inbound), name=f"wecom {inbound.dedupe_key}")
        self._handling.add(task)
        task.add_done_callback(self._handled)
        return task

    async def _handle(self, inbound: Inbound) -> object:
        return await self._on_inbound(inbound)

    def _handled(self, task: asyncio.Task[object]) -> None:
        self._handling.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("handling a WeCom callback failed", exc_info=task.exception())

    async def _answer(self, inbound: Inbound, task: asyncio.Task[object]) -> web.Response:
        """Wait briefly so a failure can ask WeCom to retry; else confirm with an empty 200."""
        await asyncio.wait({task}, timeout=self._options.answer_within)
        if task.done() and not task.cancelled() and task.exception() is not None:
            return web.Response(status=500)
        try:
            left = CALLBACK_PATIENCE - self._options.answer_within
            await keep_until_handled(self._journal, inbound, task, left)
        except Exception:
            log.exception("could not keep a WeCom message the engine has not stored yet")
            return web.Response(status=500)  # WeCom retries; the dedupe makes it safe
        return web.Response()

    async def settle(self) -> None:
        """Wait until every callback taken so far has been handled (tests, shutdown)."""
        while self._handling:
            await asyncio.gather(*self._handling, return_exceptions=True)

    # ----- sending

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Send one message (as several if it is long); the msgid of its last part."""
        image = image_of(message)
        if image is not None:
            return await self._send_image(chat_id, image) or None
        parts = contents(message, self._texts)
        key = _fingerprint(chat_id, message)
        sent = self._partial.pop(key, [])
        try:
            for part in parts[len(sent) :]:
                sent.append(await self._send_part(chat_id, part))
        except DeliveryError:
            self._remember(key, sent)
            raise
        return (sent[-1] or None) if sent else None

    async def post_to_group(self, chat_id: str, message: Outbound) -> None:
        """Post into an app chat (``chatid`` or ``group:<chatid>``), within the limits."""
        await self.send(group_chat_id(chat_id), message)

    def _remember(self, key: str, sent: list[str]) -> None:
        """Parts already delivered are skipped when the dispatcher retries the message."""
        if not sent:
            return
        if len(self._partial) >= MAX_PARTIAL:
            del self._partial[next(iter(self._partial))]
        self._partial[key] = sent

    async def _send_image(self, chat_id: str, image: bytes) -> str:
        """Upload the picture as temporary media (kept three days), then send it."""
        upload = Upload(image, IMAGE_NAME, "image/png")
        answer = await self._call("media/upload", upload, query={"type": "image"})
        media_id = answer.get("media_id")
        if not media_id:
            raise WeComError(0, "media/upload returned no media_id")
        return await self._send_part(
            chat_id, {"msgtype": "image", "image": {"media_id": str(media_id)}}
        )

    async def _send_part(self, chat_id: str, content: Content) -> str:
        await self._limiter.wait(chat_id)
        if chat_id.startswith(GROUP_PREFIX):
            chatid = chat_id[len(GROUP_PREFIX) :]
            await self._call("appchat/send", {"chatid": chatid, **content}, group=True)
            return ""
        body = {"touser": chat_id, "agentid": self._agent_id, **content}
        answer = await self._call("message/send", body)
        return self._check_delivered(chat_id, answer)

    @staticmethod
    def _check_delivered(userid: str, answer: Mapping[str, Any]) -> str:
        """errcode 0 can still name the member as invalid: then they cannot be reached."""
        invalid = str(answer.get("invaliduser") or "").split("|")
        if userid in invalid:
            raise WeComError(0, f"invaliduser {userid}", unreachable=True)
        return str(answer.get("msgid") or "")

    # ----- app chats

    async def create_group(
        self, name: str, owner: str, members: list[str], chat_id: str | None = None
    ) -> str:
        """Create an app chat with ``members`` (owner included; at least two); its chatid.

        Store ``group_chat_id(chatid)`` as the group's outbox address.
        """
        userlist = list(dict.fromkeys([owner, *members]))
        if not 2 <= len(userlist) <= MAX_GROUP_MEMBERS:
            raise ValueError(f"a WeCom app chat needs 2 to {MAX_GROUP_MEMBERS} members")
        body: dict[str, Any] = {"name": name[:MAX_GROUP_NAME], "owner": owner, "userlist": userlist}
        if chat_id is not None:
            if not CHAT_ID.fullmatch(chat_id):
                raise ValueError("a WeCom chatid is 1 to 32 of 0-9, a-z and A-Z")
            body["chatid"] = chat_id
        answer = await self._call("appchat/create", body, group=True)
        created = answer.get("chatid") or chat_id
        if not created:
            raise WeComError(0, "appchat/create returned no chatid")
        return str(created)

    async def group_info(self, chat_id: str) -> GroupInfo:
        """Name, owner and members of an app chat, as WeCom has them now."""
        chatid = chat_id.removeprefix(GROUP_PREFIX)
        answer = await self._call("appchat/get", None, group=True, query={"chatid": chatid})
        info = answer.get("chat_info") or {}
        return GroupInfo(
            str(info.get("chatid", chatid)),
            str(info.get("name", "")),
            str(info.get("owner", "")),
            tuple(str(u) for u in info.get("userlist", [])),
        )

    # ----- the API and its access token

    async def _call(
        self,
        path: str,
        body: dict[str, Any] | Upload | None,
        *,
        group: bool = False,
        query: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call the API; an invalid or expired token is refreshed and the call made once more."""
        token = await self._access_token()
        answer = await self._request(path, body, {**(query or {}), "access_token": token})
        if _errcode(answer) in TOKEN_ERRORS:
            token = await self._refresh(stale=token)
            answer = await self._request(path, body, {**(query or {}), "access_token": token})
        errcode = _errcode(answer)
        if errcode != 0:
            raise api_error(errcode, str(answer.get("errmsg", "")), group=group)
        return answer

    async def _access_token(self) -> str:
        """The shared token: kept in memory a while, else read or refreshed in the vault."""
        fresh = self._rate_clock.now() - self._token_read_at < self._options.token_cache_seconds
        if self._token is not None and fresh:
            return self._token
        stored = await self._vault.current(self.vault_key)
        if stored is None:
            return await self._refresh(stale=None)
        self._token, self._token_read_at = stored, self._rate_clock.now()
        return stored

    async def _refresh(self, stale: str | None) -> str:
        """One refresh at a time here, and the vault's lock across instances."""
        async with self._refreshing:
            if self._token is not None and self._token != stale:
                return self._token
            token = await self._vault.refresh(self.vault_key, stale, self._fetch_token)
            self._token, self._token_read_at = token, self._rate_clock.now()
            return token

    async def _fetch_token(self) -> tuple[str, int]:
        query = {"corpid": self._corp_id, "corpsecret": self._secret}
        answer = await self._request("gettoken", None, query, method="GET")
        errcode = _errcode(answer)
        if errcode != 0 or not answer.get("access_token"):
            log.warning("WeCom refused an access token (errcode %s)", errcode)
            raise WeComError(errcode, "gettoken failed", retry_after=LIMIT_PAUSE)
        return str(answer["access_token"]), int(answer.get("expires_in", 7200))

    async def _request(
        self,
        path: str,
        body: dict[str, Any] | Upload | None,
        query: Mapping[str, str],
        method: str = "",
    ) -> dict[str, Any]:
        """One HTTP call; transport failures become retryable errors without secrets in them.

        The error is raised outside the ``except`` block so that it carries no context:
        aiohttp's own exception may quote the URL, and the URL holds the token.
        """
        try:
            answer = await self._http(method or ("POST" if body else "GET"), path, body, query)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            failure = self._describe(path, error)
        else:
            if isinstance(answer, dict):
                return answer
            failure = f"WeCom {path}: unexpected answer"
        raise DeliveryError(failure)

    async def _http(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | Upload | None,
        query: Mapping[str, str],
    ) -> object:
        sent: dict[str, Any] = {"json": body}
        if isinstance(body, Upload):  # a fresh form each time: aiohttp sends a form once
            form = aiohttp.FormData()
            form.add_field(
                "media", body.data, filename=body.filename, content_type=body.content_type
            )
            sent = {"data": form}
        async with self._client().request(
            method, self._api_url + path, params=query, **sent
        ) as response:
            answer: object = await response.json(content_type=None)
        return answer

    def _describe(self, path: str, error: BaseException) -> str:
        text = scrub(f"{type(error).__name__}: {error}", (self._secret, self._token))
        return f"WeCom {path} failed ({text})"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._options.request_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        """Finish the callbacks in hand (never cancelled), then close the HTTP client."""
        await self.settle()
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _errcode(answer: Mapping[str, Any]) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        return -1
