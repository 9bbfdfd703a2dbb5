"""WeChat Official Account (公众号): the /wechat callback in, the customer-service API out.

WeChat waits five seconds for a callback's answer and then sends the same message
again, up to three times. So the callback gives the engine about four seconds, holding
its chat meanwhile; once the engine has committed, the callback takes the replies that
fit one answer from the outbox (``delivery.in_place``) and returns them as the passive
reply (the only way to answer that needs no API permission and no access token). If
the engine is not done in time, the callback answers "success" and the dispatcher
sends everything through the customer-service API (``sending``). A callback waits at
all only if its engine run is expected to end well within the deadline, given the runs
ahead of it and how fast the engine has been finishing runs (``_tencent.admission``);
otherwise it journals the message and answers "success" at once, so an overload the
engine cannot answer in place still gets its answers within WeChat's five seconds.
The engine's transaction is never cancelled: it runs on in its own task
(``_tencent.callbacks``), and WeChat's retries meanwhile get "success" without running
it again.

wechatpy is used for signing, AES and rendering replies, never for parsing: every XML
body, outer or decrypted, goes through ``_tencent.xml.read_message``. The app secret and
access tokens go into URLs; no message logged or raised here contains them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from c2cbot.channels._tencent.admission import ExpectedWait
from c2cbot.channels._tencent.api import Account, TencentApi, Timing
from c2cbot.channels._tencent.callbacks import (
    CALLBACK_PATIENCE,
    CallbackRunner,
    Refused,
    read_body,
    read_xml,
    timestamp_seconds,
)
from c2cbot.channels._tencent.crypto import Envelope, same, signature
from c2cbot.channels._tencent.links import defuse_links
from c2cbot.channels.base import InboundJournal, ReplayGuard, TokenVault, as_numbered_text
from c2cbot.channels.ratelimit import SYSTEM_CLOCK
from c2cbot.channels.wechat_oa.reading import read_inbound
from c2cbot.channels.wechat_oa.replies import SEPARATOR, fitting, render_reply
from c2cbot.channels.wechat_oa.sending import TOKEN_ERRORS, CustomerService, token_refused
from c2cbot.channels.wechat_oa.spec import CALLBACK_PATH, CAPABILITIES, NAME
from c2cbot.clock import Clock, system_clock
from c2cbot.delivery.in_place import InPlaceReplies
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

MAX_SKEW = 300.0  # seconds a callback's timestamp may differ from our clock
SUCCESS = "success"  # tells WeChat "received, no passive reply"
REQUEST_TIMEOUT = 10.0

InboundHandler = Callable[[Inbound], Awaitable[object]]


class EngineFailed(Exception):
    """The engine raised while the callback waited; already logged, WeChat should retry."""


@dataclass(frozen=True)
class Callback:
    """The authenticated query of one callback request."""

    timestamp: str
    nonce: str
    encrypted: bool
    msg_signature: str


# ----- the channel


class WeChatOfficialAccount:
    """The Official Account channel: signed callbacks in, passive or API replies out."""

    name = NAME
    capabilities = CAPABILITIES

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
        in_place: InPlaceReplies,
        vault: TokenVault,
        template_id: str | None = None,
        journal: InboundJournal | None = None,
        reply_deadline: float = 4.0,
        clock: Clock = system_clock,
        replays: ReplayGuard | None = None,
        expected_wait: ExpectedWait | None = None,
    ) -> None:
        self._token, self._texts, self._in_place = token, texts, in_place
        self._replays = replays
        self._deadline, self._clock = reply_deadline, clock
        self._sealer = Envelope(token, aes_key, app_id, "WeChat") if aes_key else None
        account = _account(api_url, app_id, app_secret)
        timing = Timing(REQUEST_TIMEOUT)
        self._api = TencentApi(account, vault, token_refused, SYSTEM_CLOCK.now, timing)
        self._sending = CustomerService(self._api, template_id)
        self._runner = CallbackRunner("WeChat", on_inbound, journal, expected_wait)

    @property
    def engines_running(self) -> int:
        """Engine runs of callbacks not finished yet."""
        return self._runner.in_flight

    def routes(self) -> list[web.RouteDef]:
        """GET /wechat answers WeChat's URL check; POST /wechat receives messages."""
        return [web.get(CALLBACK_PATH, self._verify), web.post(CALLBACK_PATH, self._receive)]

    async def idle(self) -> None:
        """Wait for engine runs that outlived their callback, and for answers to be recorded."""
        await self._runner.settle()
        await self._in_place.idle()

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
        # WeChat's five seconds run from here, the replay check included.
        patience = asyncio.get_running_loop().time() + CALLBACK_PATIENCE
        try:
            callback = self._authenticate(request.query)
            if self._sealer is not None and not callback.encrypted:
                raise Refused(403, "a plaintext callback, but safe mode (an EncodingAESKey) is set")
            body = await read_body(request)
            message = self._open(body, callback)
            await self._first_time(callback, body)
            inbound = read_inbound(message)
        except Refused as refused:
            return _refusal(refused)
        try:
            reply = await self._answer(inbound, patience) if inbound is not None else None
        except EngineFailed:  # logged where it failed; WeChat retries, the dedupe makes it safe
            return web.Response(status=500)
        except Exception:
            log.exception("answering a WeChat callback failed")
            return web.Response(status=500)
        return self._respond(message, callback, reply)

    def _authenticate(self, query: Mapping[str, str]) -> Callback:
        """Signed with our token, recent (replays are refused), and sealed if it says so."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not same(signature(self._token, timestamp, nonce), query.get("signature", "")):
            raise Refused(403, "wrong or missing signature")
        if not self._recent(timestamp):
            raise Refused(403, "timestamp too far from now (replayed?)")
        encrypted = query.get("encrypt_type", "raw") == "aes"
        msg_signature = query.get("msg_signature", "")
        if encrypted and not msg_signature:
            raise Refused(403, "encrypted callback without msg_signature")
        return Callback(timestamp, nonce, encrypted, msg_signature)

    async def _first_time(self, callback: Callback, body: bytes) -> None:
        """A signed callback's (timestamp, nonce) again with another body is a replay.

        In plaintext mode the signature covers only the token, timestamp and nonce, so
        whoever saw one callback URL could post any message with it while the timestamp
        is fresh; every instance shares the pairs it has seen (``ReplayGuard``).
        """
        replays = self._replays
        if replays is not None and not await replays.first_use(
            NAME, callback.timestamp, callback.nonce, body
        ):
            raise Refused(403, "a replayed timestamp and nonce")

    def _recent(self, timestamp: str) -> bool:
        seconds = timestamp_seconds(timestamp)
        return seconds is not None and abs(seconds - self._clock().timestamp()) <= MAX_SKEW

    def _open(self, body: bytes, callback: Callback) -> dict[str, str]:
        """The message as a dict, decrypted and checked against msg_signature when sealed."""
        message = read_xml(body)
        if not callback.encrypted:
            return message
        if self._sealer is None:
            raise Refused(403, "an encrypted callback, but no EncodingAESKey is configured")
        encrypted = message.get("Encrypt", "")
        if not encrypted:
            raise Refused(400, "an encrypted callback without <Encrypt>")
        expected = signature(self._token, callback.timestamp, callback.nonce, encrypted)
        if not same(expected, callback.msg_signature):
            raise Refused(403, "wrong msg_signature")
        return read_xml(self._sealer.open(encrypted).encode())

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

    async def _answer(self, inbound: Inbound, patience: float) -> str | None:
        """The passive reply's text, if the engine committed it within the deadline.

        When the engine is not expected to finish this run well within the deadline,
        waiting would only hold WeChat's request until then: answer at once instead.
        """
        if self._runner.running(inbound):
            return None  # WeChat's retry while the first delivery is still being handled
        wait = self._runner.worth_waiting(self._deadline)
        if not wait:
            await self._keep(inbound, self._runner.start(inbound), patience)
            return None  # the dispatcher sends the replies when the engine is done
        return await self._answer_in_place(inbound, patience, wait)

    async def _answer_in_place(self, inbound: Inbound, patience: float, wait: float) -> str | None:
        """Run the engine holding the chat; answer with its first replies if it commits in time."""
        with self._in_place.holding(NAME, inbound.chat_id) as hold:
            task = self._runner.start(inbound)
            await asyncio.wait({task}, timeout=wait)
            if task.done():  # else past the deadline, or the server is stopping
                if task.cancelled() or task.exception() is not None:
                    raise EngineFailed(inbound.in_logs)
                taken = await self._in_place.take(hold, self._fitting)
        if not task.done():
            await self._keep(inbound, task, patience)
            return None  # the dispatcher sends the replies when the engine is done
        if taken is None:
            return None
        return SEPARATOR.join(self._text(message) for message in taken.messages)

    def _fitting(self, messages: list[Outbound]) -> int:
        return fitting([self._text(message) for message in messages])

    async def _keep(self, inbound: Inbound, task: asyncio.Task[object], patience: float) -> None:
        """Journal the message before confirming it early, if WeChat's patience allows."""
        await self._runner.keep(inbound, task, patience - asyncio.get_running_loop().time())

    def _text(self, message: Outbound) -> str:
        return defuse_links(as_numbered_text(message, self._texts).strip())

    # ----- sending

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Customer-service texts of ≤2,048 bytes in order; a template outside the window."""
        return await self._sending.send(chat_id, message, self._text(message))


def _account(api_url: str, app_id: str, app_secret: str) -> Account:
    query = {"grant_type": "client_credential", "appid": app_id, "secret": app_secret}
    return Account(
        "WeChat", api_url, f"wechat_oa:{app_id}", "token", query, app_secret, TOKEN_ERRORS
    )


def _refusal(refused: Refused) -> web.Response:
    log.info("refused a WeChat callback (%s): %s", refused.status, refused.reason)
    return web.Response(status=refused.status)
