"""WeChat Official Account (公众号): the /wechat callback in, the customer-service API out.

WeChat waits five seconds for a callback's answer and then sends the same message
again, up to three times. So the callback gives the engine about four seconds: the
engine hands it the replies that fit one answer (``InPlaceReply``), writing them to the
outbox as being sent in the same transaction, and the callback returns them as the
passive reply (the only way to answer that needs no API permission and no access
token). Answers are recorded as sent a few at a time, afterwards. If the engine is not
done in time, the callback answers "success", the held replies go back to the
dispatcher, and it sends everything through the customer-service API. The engine's
transaction is never cancelled: it runs on in its own task, and WeChat's retries
meanwhile get "success" without running it again. The customer-service API works only
within 48 hours of the person's last message; after that a template message is the one
way left, and without a template the message becomes a visible dead letter.

wechatpy is used for signing, AES and rendering replies, never for parsing: every XML
body, outer or decrypted, goes through ``wechat_xml.read_message``. Its HTTP client is
synchronous, so the API is called with one aiohttp session here instead. The app
secret and access tokens go into URLs; no message logged or raised here contains them.
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
import struct
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import WeChatException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from c2cbot.channels.base import (
    CALLBACK_PATIENCE,
    Capabilities,
    ChatOutbox,
    DeliveryError,
    InboundJournal,
    TokenVault,
    as_numbered_text,
    keep_until_handled,
    split_bytes,
)
from c2cbot.channels.wechat_xml import MAX_BODY, UnsafeXml, read_message
from c2cbot.clock import Clock, system_clock
from c2cbot.flows.commands import typed_commands
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

NAME = "wechat"
CALLBACK_PATH = "/wechat"
MAX_BYTES = 2048  # a customer-service text, and what we put in one passive reply
MAX_SKEW = 300.0  # seconds a callback's timestamp may differ from our clock
MAX_OPENID = 128
SUCCESS = "success"  # tells WeChat "received, no passive reply"
LANGUAGE_HINT = "zh_Hans"  # Official Account followers are Chinese-first
SEPARATOR = "\n\n"
REDACTED = "<redacted>"
MAX_PARTIAL = 1000
REQUEST_TIMEOUT = 10.0
# Engine runs in flight at which a new callback no longer waits for its own (the engine is
# behind: the wait would be long); it answers "success" and the dispatcher sends by API.
MAX_WAITING = 10
MARK_EVERY = 0.02  # seconds between writes that record answers in place as sent
MARK_RETRY_LONGEST = 5.0  # seconds, at most, between tries while the database fails
TEMPLATE_FIELD = "content"  # the template's body must be {{content.DATA}}

COMMANDS = typed_commands()  # menu button keys that mean a command (``steps`` → /steps)
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid, malformed or expired access token
WINDOW_ERRORS = frozenset({45015, 45047})  # outside the 48-hour window; too many unanswered
UNREACHABLE_ERRORS = frozenset({40003, 43004})  # unknown openid; the person unfollowed
# Quota and "system busy" codes → seconds to wait before trying again.
RETRY_AFTER = {-1: 5.0, 45009: 3600.0, 45011: 60.0, 45033: 60.0}
_NOT_XML_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

InboundHandler = Callable[[Inbound], Awaitable[object]]


class EngineFailed(Exception):
    """The engine raised while the callback waited; already logged, WeChat should retry."""


class Refused(Exception):
    """A callback we do not accept; ``status`` is the HTTP answer, ``reason`` is for the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


# ----- signatures and encryption


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def same(expected: str, given: str) -> bool:
    """Constant-time comparison (wechatpy's ``check_signature`` uses ``!=``)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    """The 32-byte key behind the 43-character EncodingAESKey; ValueError if it is not one."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("the WeChat EncodingAESKey is not valid base64") from None
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise ValueError("the WeChat EncodingAESKey must be 43 characters (32 bytes)")
    return key


class Sealer:
    """Safe mode (安全模式): AES-CBC envelopes with the AppId inside, as WeChat makes them.

    wechatpy's ``WeChatCrypto.decrypt_message`` would parse the attacker's outer XML with
    xmltodict, so only its ``PrpCrypto`` is used to open; sealing parses nothing.
    """

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self._key, self._app_id = aes_key_bytes(encoding_aes_key), app_id
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id)

    def open(self, encrypted: str) -> bytes:
        """The plaintext XML; ``Refused(403)`` when it was not sealed with our key and AppId."""
        try:
            plain = PrpCrypto(self._key).decrypt(encrypted, self._app_id)
        except (ValueError, IndexError, TypeError, struct.error, WeChatException):
            raise Refused(403, "the message does not decrypt with our key and AppId") from None
        return str(plain).encode()

    def seal(self, xml: str, nonce: str, timestamp: str) -> str:
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))


@dataclass(frozen=True)
class Callback:
    """The authenticated query of one callback request."""

    timestamp: str
    nonce: str
    encrypted: bool
    msg_signature: str


# ----- reading messages


def read_inbound(message: Mapping[str, str]) -> Inbound | None:
    """The engine's ``Inbound`` for a WeChat message; ``None`` for what needs no answer."""
    openid, created = message.get("FromUserName", ""), message.get("CreateTime", "")
    if not (0 < len(openid) <= MAX_OPENID and openid.isprintable()) or not created.isdigit():
        raise Refused(400, "FromUserName or CreateTime missing or malformed")
    kind = message.get("MsgType", "")
    if kind == "event":
        return _event(message, openid, created)
    if kind == "text":
        return _inbound(openid, _message_key(message), text=message.get("Content", ""))
    return _inbound(openid, _message_key(message), event="unsupported")


def _message_key(message: Mapping[str, str]) -> str:
    """WeChat's retries repeat MsgId; with sender and time it is unique even across accounts."""
    msg_id = message.get("MsgId") or message.get("MsgType", "")
    return f"{message['FromUserName']}:{message['CreateTime']}:{msg_id}"


def _event(message: Mapping[str, str], openid: str, created: str) -> Inbound | None:
    event, key = message.get("Event", ""), message.get("EventKey", "").strip()
    dedupe_key = f"{openid}:{created}:{event}" + (f":{key}" if key else "")
    text = event_text(event.lower(), key)
    if event.lower() == "unsubscribe":
        return _inbound(openid, dedupe_key, event="unreachable")
    return _inbound(openid, dedupe_key, text=text) if text is not None else None


def event_text(event: str, key: str) -> str | None:
    """What a follow, a QR scan or a menu click means as typed text; ``None``: ignore it."""
    if event == "subscribe":
        return _start(key.removeprefix("qrscene_")) if key.startswith("qrscene_") else "/start"
    if event == "scan":
        return _start(key)
    if event == "click":
        return menu_command(key)
    return None  # VIEW, LOCATION, TEMPLATESENDJOBFINISH …


def _start(code: str) -> str:
    return f"/start {code}" if code else "/start"


def menu_command(key: str) -> str | None:
    """A menu button's EventKey: "steps" → "/steps", "/help" as is, anything else ignored."""
    if key.startswith("/"):
        return key
    return f"/{key.lower()}" if key.lower() in COMMANDS else None


def _inbound(
    openid: str, dedupe_key: str, *, text: str | None = None, event: str | None = None
) -> Inbound:
    return Inbound(
        channel=NAME,
        external_id=openid,
        chat_id=openid,
        dedupe_key=dedupe_key,
        text=text,
        language_hint=LANGUAGE_HINT,
        event=event,
    )


# ----- writing messages


def utf8_length(text: str) -> int:
    return len(text.encode())


def fitting(texts: Sequence[str], limit: int = MAX_BYTES) -> int:
    """How many of ``texts``, from the first, fit into one reply of ``limit`` bytes."""
    size = -utf8_length(SEPARATOR)
    for count, text in enumerate(texts):
        size += utf8_length(SEPARATOR) + utf8_length(text)
        if size > limit:
            return count
    return len(texts)


def xml_text(text: str) -> str:
    """Text safe inside wechatpy's CDATA: no "]]>" to end it early, no XML-illegal characters."""
    return _NOT_XML_TEXT.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def render_reply(message: Mapping[str, str], text: str, now: datetime) -> str:
    """The passive reply: from the account the message was sent to, back to its sender."""
    reply = TextReply(
        source=message.get("ToUserName", ""),
        target=message["FromUserName"],
        content=xml_text(text),
        time=int(now.timestamp()),
    )
    return str(reply.render())


def _fingerprint(chat_id: str, text: str) -> str:
    return hashlib.sha256(f"{chat_id}\n{text}".encode()).hexdigest()


# ----- the API


class ApiError(Exception):
    """WeChat answered with a non-zero ``errcode``."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class OfficialAccountApi:
    """A thin aiohttp client: access tokens from the shared vault, one retry after refresh."""

    def __init__(self, *, api_url: str, app_id: str, app_secret: str, vault: TokenVault) -> None:
        self._base = api_url if api_url.endswith("/") else api_url + "/"
        self._app_id, self._secret, self._vault = app_id, app_secret, vault
        self._key = f"wechat_oa:{app_id}"
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def call(self, method: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``payload``; ``ApiError`` for WeChat's errors, ``DeliveryError`` for the rest."""
        token = await self._vault.current(self._key) or await self._refresh(None)
        answer = await self._post(method, token, payload)
        if _errcode(answer) in TOKEN_ERRORS:
            log.info("WeChat rejected the access token (errcode %s); refreshing", _errcode(answer))
            answer = await self._post(method, await self._refresh(token), payload)
        if _errcode(answer):
            raise ApiError(_errcode(answer), self.scrub(str(answer.get("errmsg", ""))))
        return answer

    async def _refresh(self, stale: str | None) -> str:
        return await self._vault.refresh(self._key, stale, self._fetch_token)

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret}
        answer = await self._request("GET", "token", params)
        token = answer.get("access_token")
        if _errcode(answer) or not isinstance(token, str) or not token:
            reason = self.scrub(f"errcode {_errcode(answer)}: {answer.get('errmsg', '')}")
            raise DeliveryError(f"WeChat refused an access token ({reason})")
        return token, int(answer.get("expires_in") or 7200)

    async def _post(self, method: str, token: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """JSON with Chinese as UTF-8: WeChat shows \\uXXXX escapes literally."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        return await self._request("POST", method, {"access_token": token}, body)

    async def _request(
        self, verb: str, method: str, params: Mapping[str, str], body: bytes | None = None
    ) -> dict[str, Any]:
        try:
            async with self._client().request(
                verb,
                self._base + method,
                params=params,
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"} if body else None,
            ) as response:
                return await self._json(method, response)
        except TimeoutError:
            raise DeliveryError(f"WeChat did not answer {method} in time") from None
        except aiohttp.ClientError as error:
            reason = self.scrub(f"{type(error).__name__}: {error}", params.get("access_token"))
            raise DeliveryError(f"calling WeChat {method} failed: {reason}") from None

    async def _json(self, method: str, response: aiohttp.ClientResponse) -> dict[str, Any]:
        if response.status != 200:
            raise DeliveryError(f"WeChat answered {method} with HTTP {response.status}")
        try:
            answer = json.loads(await response.read())
        except ValueError:
            raise DeliveryError(f"WeChat answered {method} with something not JSON") from None
        if not isinstance(answer, dict):
            raise DeliveryError(f"WeChat answered {method} with something not an object")
        return answer

    def _client(self) -> aiohttp.ClientSession:
        """One session, made on first use: aiohttp wants it made inside the running loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def scrub(self, text: str, token: str | None = None) -> str:
        """``text`` without the app secret or the access token, which travel in URLs."""
        for secret in (self._secret, token):
            text = text.replace(secret, REDACTED) if secret else text
        return text

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _errcode(answer: Mapping[str, Any]) -> int:
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


def delivery_error(error: ApiError, chat_id: str) -> DeliveryError:
    """WeChat's error as the dispatcher understands it: wait, retry, or give up."""
    reason = f"WeChat {error}"
    if error.errcode in RETRY_AFTER:
        return DeliveryError(reason, retry_after=RETRY_AFTER[error.errcode])
    if error.errcode in TOKEN_ERRORS:
        return DeliveryError(f"{reason} (even after refreshing the access token)")
    if error.errcode in UNREACHABLE_ERRORS:
        return DeliveryError(f"{chat_id} cannot be reached: {reason}", unreachable=True)
    return DeliveryError(reason, permanent=True)


# ----- answering in place


class InPlaceReply:
    """The replies one callback answers with: ``ReplyInPlace`` for the engine.

    The engine calls ``take`` and ``held`` inside its transaction, which may be retried;
    each call starts afresh. Once the callback stops waiting it takes nothing more.
    """

    def __init__(
        self, text: Callable[[Outbound], str], answered: Callable[[], Collection[int]]
    ) -> None:
        self._text, self._answered = text, answered
        self.texts: list[str] = []
        self.ids: list[int] = []
        self.waiting = True
        self.more = False  # replies that did not fit wait behind the answer

    @property
    def answered(self) -> Collection[int]:
        return self._answered()

    def take(self, replies: Sequence[Outbound]) -> int:
        texts = [self._text(reply) for reply in replies] if self.waiting else []
        self.texts, self.ids = texts[: fitting(texts)], []
        self.more = len(self.texts) < len(replies)
        return len(self.texts)

    def held(self, message_ids: Sequence[int]) -> None:
        self.ids = list(message_ids)

    @property
    def answer(self) -> str | None:
        return SEPARATOR.join(self.texts) if self.ids else None


# ----- the channel


class WeChatOfficialAccount:
    """The Official Account channel: signed callbacks in, passive or API replies out."""

    name = NAME
    capabilities = Capabilities(buttons=False, max_length=MAX_BYTES, markup="plain")

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        token: str,
        aes_key: str | None,
        api_url: str,
        texts: Texts,
        on_inbound: InboundHandler,
        outbox: ChatOutbox,
        vault: TokenVault,
        template_id: str | None = None,
        journal: InboundJournal | None = None,
        reply_deadline: float = 4.0,
        max_waiting: int = MAX_WAITING,
        clock: Clock = system_clock,
    ) -> None:
        self._token, self._texts, self._on_inbound = token, texts, on_inbound
        self._outbox, self._template_id, self._journal = outbox, template_id, journal
        self._deadline, self._max_waiting, self._clock = reply_deadline, max_waiting, clock
        self._sealer = Sealer(token, aes_key, app_id) if aes_key else None
        self._api = OfficialAccountApi(
            api_url=api_url, app_id=app_id, app_secret=app_secret, vault=vault
        )
        self._running: dict[str, asyncio.Task[object]] = {}
        self._late: set[asyncio.Task[None]] = set()
        # Held replies sent in answers, per chat, until recorded as sent (MARK_EVERY).
        self._answered: dict[str, list[int]] = {}
        self._more_waiting = False  # a recorded answer lets the dispatcher send what follows
        self._marker: asyncio.Task[None] | None = None  # the task recording answers
        self._partial: dict[str, int] = {}

    def routes(self) -> list[web.RouteDef]:
        """GET /wechat answers WeChat's URL check; POST /wechat receives messages."""
        return [web.get(CALLBACK_PATH, self._verify), web.post(CALLBACK_PATH, self._receive)]

    async def idle(self) -> None:
        """Wait for engine tasks that outlived their callback, and for the outbox's marks."""
        while self._running or self._late or self._answered:
            self._mark_answered()
            await asyncio.gather(*self._running.values(), *self._late, return_exceptions=True)

    async def close(self) -> None:
        """Let running engine tasks finish (never cancel a transaction), then close HTTP."""
        await self.idle()
        await self._api.close()

    # ----- the callback

    async def _verify(self, request: web.Request) -> web.Response:
        try:
            self._authenticate(request.query)
        except Refused as refused:
            return _refusal(refused)
        return web.Response(text=request.query.get("echostr", ""))

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            callback = self._authenticate(request.query)
            message = self._open(await _body(request), callback)
            inbound = read_inbound(message)
        except Refused as refused:
            return _refusal(refused)
        try:
            reply = await self._answer(inbound) if inbound is not None else None
        except EngineFailed:  # logged where it failed; WeChat retries, the dedupe makes it safe
            return web.Response(status=500)
        except Exception:
            log.exception("answering a WeChat callback failed")
            return web.Response(status=500)
        return self._respond(message, callback, reply)

    def _authenticate(self, query: Mapping[str, str]) -> Callback:
        """Signed with our token, recent (replays are refused), and sealed if it says so."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not same(sign(self._token, timestamp, nonce), query.get("signature", "")):
            raise Refused(403, "wrong or missing signature")
        if not self._recent(timestamp):
            raise Refused(403, "timestamp too far from now (replayed?)")
        encrypted = query.get("encrypt_type", "raw") == "aes"
        msg_signature = query.get("msg_signature", "")
        if encrypted and not msg_signature:
            raise Refused(403, "encrypted callback without msg_signature")
        return Callback(timestamp, nonce, encrypted, msg_signature)

    def _recent(self, timestamp: str) -> bool:
        now = self._clock().timestamp()
        return timestamp.isdigit() and abs(int(timestamp) - now) <= MAX_SKEW

    def _open(self, body: bytes, callback: Callback) -> dict[str, str]:
        """The message as a dict, decrypted and checked against msg_signature when sealed."""
        message = _read(body)
        if not callback.encrypted:
            return message
        if self._sealer is None:
            raise Refused(403, "an encrypted callback, but no EncodingAESKey is configured")
        encrypted = message.get("Encrypt", "")
        if not encrypted:
            raise Refused(400, "an encrypted callback without <Encrypt>")
        expected = sign(self._token, callback.timestamp, callback.nonce, encrypted)
        if not same(expected, callback.msg_signature):
            raise Refused(403, "wrong msg_signature")
        return _read(self._sealer.open(encrypted))

    def _respond(
        self, message: Mapping[str, str], callback: Callback, reply: str | None
    ) -> web.Response:
        if reply is None:
            return web.Response(text=SUCCESS)
        now = self._clock()
        xml = render_reply(message, reply, now)
        if callback.encrypted and self._sealer is not None:
            xml = self._sealer.seal(xml, callback.nonce, str(int(now.timestamp())))
        return web.Response(text=xml, content_type="application/xml")

    # ----- the five-second rule

    async def _answer(self, inbound: Inbound) -> str | None:
        """The passive reply's text, if the engine committed it within the deadline.

        When the engine is behind (``max_waiting`` runs in flight), waiting would only
        hold WeChat's request until the deadline: answer at once instead.
        """
        if inbound.dedupe_key in self._running:
            return None  # WeChat's retry while the first delivery is still being handled
        patience = asyncio.get_running_loop().time() + CALLBACK_PATIENCE
        if len(self._running) >= self._max_waiting:
            await self._keep(inbound, self._start(inbound), patience)
            return None  # the dispatcher sends the replies when the engine is done
        return await self._answer_in_place(inbound, patience)

    async def _answer_in_place(self, inbound: Inbound, patience: float) -> str | None:
        """Run the engine with a place for its replies, waiting for them up to the deadline."""
        reply = InPlaceReply(self._text, lambda: self._answered.get(inbound.chat_id, ()))
        task = self._start(replace(inbound, in_place=reply))
        try:
            await asyncio.wait({task}, timeout=self._deadline)
        finally:  # past the deadline, or the server is stopping: answer without them
            if not task.done():
                reply.waiting = False
                task.add_done_callback(lambda _task: self._give_back(reply, _task))
        if not task.done():
            await self._keep(inbound, task, patience)
            return None  # the dispatcher sends the replies when the engine is done
        if task.cancelled() or task.exception() is not None:
            raise EngineFailed(inbound.dedupe_key)
        self._answered_with(inbound.chat_id, reply)
        return reply.answer

    def _answered_with(self, chat_id: str, reply: InPlaceReply) -> None:
        if reply.ids:
            self._answered.setdefault(chat_id, []).extend(reply.ids)
            self._more_waiting |= reply.more
            self._mark_answered()

    async def _keep(self, inbound: Inbound, task: asyncio.Task[object], patience: float) -> None:
        """Journal the message before confirming it early, if WeChat's patience allows."""
        left = patience - asyncio.get_running_loop().time()
        await keep_until_handled(self._journal, inbound, task, left)

    def _start(self, inbound: Inbound) -> asyncio.Task[object]:
        """The engine in a task of its own that outlives the callback's deadline."""
        task = asyncio.create_task(self._run(inbound), name=f"wechat {inbound.dedupe_key}")
        self._running[inbound.dedupe_key] = task
        task.add_done_callback(lambda done: self._finished(inbound.dedupe_key, done))
        return task

    async def _run(self, inbound: Inbound) -> object:
        return await self._on_inbound(inbound)

    def _finished(self, key: str, task: asyncio.Task[object]) -> None:
        self._running.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("handling WeChat message %s failed", key, exc_info=task.exception())

    def _give_back(self, reply: InPlaceReply, task: asyncio.Task[object]) -> None:
        """Replies held for an answer that went without them go to the dispatcher.

        Only after a commit: a failed run's ids were rolled back and may be reused.
        """
        if reply.ids and not task.cancelled() and task.exception() is None:
            self._in_background(self._outbox.release(reply.ids))

    def _mark_answered(self) -> None:
        """Record the held replies sent in answers, many in one transaction."""
        if self._answered and (self._marker is None or self._marker.done()):
            self._marker = self._in_background(self._marking())

    async def _marking(self) -> None:
        pause = MARK_EVERY
        while self._answered:
            await asyncio.sleep(pause)
            answered = {chat_id: list(ids) for chat_id, ids in self._answered.items()}
            ids = [message_id for chat in answered.values() for message_id in chat]
            more, self._more_waiting = self._more_waiting, False
            try:
                await self._outbox.answered_in_place(ids, self._clock(), more_waiting=more)
            except Exception:
                log.exception("could not record %d WeChat answers; trying again", len(ids))
                self._more_waiting |= more
                pause = min(MARK_RETRY_LONGEST, pause * 2)
                continue
            pause = MARK_EVERY
            for chat_id, recorded in answered.items():  # more may have come meanwhile
                left = self._answered[chat_id][len(recorded) :]
                self._answered[chat_id] = left
                if not left:
                    del self._answered[chat_id]

    def _in_background(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._late.add(task)
        task.add_done_callback(self._late.discard)
        return task

    def _text(self, message: Outbound) -> str:
        return as_numbered_text(message, self._texts).strip()

    # ----- sending

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Customer-service texts of ≤2,048 bytes in order; a template outside the window."""
        text = self._text(message)
        parts = split_bytes(text, MAX_BYTES)
        key = _fingerprint(chat_id, text)
        done = self._partial.pop(key, 0)
        try:
            for part in parts[done:]:
                await self._send_text(chat_id, part)
                done += 1
        except ApiError as error:
            if error.errcode in WINDOW_ERRORS:
                return await self._send_template(chat_id, SEPARATOR.join(parts[done:]), error)
            self._remember(key, done)
            raise delivery_error(error, chat_id) from None
        except DeliveryError:
            self._remember(key, done)
            raise
        return None

    async def _send_text(self, chat_id: str, text: str) -> None:
        payload = {"touser": chat_id, "msgtype": "text", "text": {"content": text}}
        await self._api.call("message/custom/send", payload)

    async def _send_template(self, chat_id: str, text: str, cause: ApiError) -> str | None:
        """Outside the 48-hour window only a template message reaches the person."""
        if not self._template_id:
            raise DeliveryError(
                f"{chat_id} is unreachable outside WeChat's 48-hour customer-service window "
                f"({cause}) and no template is configured (C2C_WECHAT_TEMPLATE_ID)",
                permanent=True,
            )
        payload = {
            "touser": chat_id,
            "template_id": self._template_id,
            "data": {TEMPLATE_FIELD: {"value": text}},
        }
        try:
            answer = await self._api.call("message/template/send", payload)
        except ApiError as error:
            raise delivery_error(error, chat_id) from None
        msg_id = answer.get("msgid")
        return str(msg_id) if msg_id is not None else None

    def _remember(self, key: str, done: int) -> None:
        """Parts already sent are skipped when the dispatcher retries the message."""
        if not done:
            return
        if len(self._partial) >= MAX_PARTIAL:
            del self._partial[next(iter(self._partial))]
        self._partial[key] = done


# ----- small helpers for the callback


async def _body(request: web.Request) -> bytes:
    """The body, refused with 413 above 1 MiB whatever the app's client_max_size."""
    if (request.content_length or 0) > MAX_BODY:
        raise Refused(413, "body over 1 MiB")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, "body over 1 MiB") from None
    if len(body) > MAX_BODY:
        raise Refused(413, "body over 1 MiB")
    return body


def _read(body: bytes) -> dict[str, str]:
    try:
        return read_message(body)
    except UnsafeXml as problem:
        raise Refused(400, str(problem)) from None


def _refusal(refused: Refused) -> web.Response:
    log.info("refused a WeChat callback (%s): %s", refused.status, refused.reason)
    return web.Response(status=refused.status)
