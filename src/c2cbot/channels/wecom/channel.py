"""WeCom (企业微信) self-built app: encrypted callbacks in, ``message/send`` and app chats out.

Replies never ride on the callback. WeCom retries a callback it has no answer to after
five seconds, so the engine runs in a task of its own that no request can cancel
(``_tencent.callbacks``); the callback waits for it a short while (``answer_within``),
only if the run is expected to end well within that (``_tencent.admission``), and
then answers with an empty 200 in any case. Retries of a callback are harmless
because the engine dedupes on ``FromUserName:CreateTime:MsgId``. Everything the engine
says goes through the outbox and ``send``, as plain text (``writing``), a digest as
markdown, and a message with ``extra["image"]`` (a KPI chart) is uploaded (media/upload)
and sent as msgtype image.

Outbox addresses: a member's chat is their userid; an app group chat is
``group:<chatid>`` (``writing.group_chat_id``). WeCom userids are made of
``0-9 a-z A-Z _ - @ .``, so the prefix can never clash with a userid and the dispatcher
needs no special case.

WeCom drops messages over its limits without telling anyone, so ``send`` waits for
token buckets before each message (``limits.WeComLimits``, with the documented numbers).
Neither the app secret nor an access token is ever logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from c2cbot.channels._tencent.admission import ExpectedWait
from c2cbot.channels._tencent.api import Account, ApiError, Body, TencentApi, Timing, Upload
from c2cbot.channels._tencent.callbacks import (
    CALLBACK_PATIENCE,
    CallbackRunner,
    Refused,
    read_body,
    read_xml,
)
from c2cbot.channels.base import DeliveryError, InboundJournal, ReplayGuard, TokenVault, image_of
from c2cbot.channels.partial import PartsSent, fingerprint
from c2cbot.channels.ratelimit import SYSTEM_CLOCK, Clock, SendShare
from c2cbot.channels.wecom.errors import TOKEN_ERRORS, WeComError, api_error, token_refused
from c2cbot.channels.wecom.limits import GROUP_PREFIX, SendLimiter
from c2cbot.channels.wecom.reading import CallbackCrypto, read_callback
from c2cbot.channels.wecom.spec import CALLBACK_PATH, CAPABILITIES, NAME, WeComOptions
from c2cbot.channels.wecom.writing import Content, contents, group_chat_id
from c2cbot.clock import system_clock, unix_seconds
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

IMAGE_NAME = "chart.png"
MAX_GROUP_NAME = 50
MAX_GROUP_MEMBERS = 500
OPENING = "enter_agent"  # sent each time a member opens the app, not only the first time
MAX_REMEMBERED = 10_000
CHAT_ID = re.compile(r"[0-9A-Za-z]{1,32}")

InboundHandler = Callable[[Inbound], Awaitable[object]]
WallClock = Callable[[], float]
SYSTEM_SECONDS: WallClock = unix_seconds(system_clock)


@dataclass(frozen=True)
class GroupInfo:
    chatid: str
    name: str
    owner: str
    members: tuple[str, ...]


class WeComApp:
    """The WeCom self-built app channel: callbacks in, rate-limited sending out."""

    name = NAME
    capabilities = CAPABILITIES

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
        replays: ReplayGuard | None = None,
        share: SendShare | None = None,
        expected_wait: ExpectedWait | None = None,
    ) -> None:
        self._options = options = options or WeComOptions()
        self._replays = replays
        self._corp_id, self._agent_id, self._texts = corp_id, agent_id, texts
        self._crypto = CallbackCrypto(token, aes_key, corp_id, clock, options.max_skew)
        self._clock = clock
        self._last_heard: dict[str, float] = {}
        self._limiter = SendLimiter(options.limits, rate_clock, share)
        query = {"corpid": corp_id, "corpsecret": secret}
        account = Account("WeCom", api_url, self.vault_key, "gettoken", query, secret, TOKEN_ERRORS)
        timing = Timing(options.request_timeout, options.token_cache_seconds)
        self._api = TencentApi(account, vault, token_refused, rate_clock.now, timing)
        self._runner = CallbackRunner("WeCom", on_inbound, journal, expected_wait)
        self._parts_sent = PartsSent()

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
                raise Refused(400, "echostr missing")
            plain = self._crypto.open(request.query, echo)
        except Refused as refused:
            log.info("refused a WeCom URL verification (%s)", refused)
            return web.Response(status=refused.status)
        return web.Response(text=plain)

    async def _receive(self, request: web.Request) -> web.Response:
        started = asyncio.get_running_loop().time()  # WeCom's five seconds run from here
        try:
            inbound = await self._read(request)
        except Refused as refused:
            log.info("refused a WeCom callback (%s)", refused)
            return web.Response(status=refused.status)
        if inbound is None:
            return web.Response()
        wait = self._runner.worth_waiting(self._options.answer_within)
        return await self._answer(inbound, self._runner.start(inbound), started, wait)

    async def _read(self, request: web.Request) -> Inbound | None:
        """Size, time, outer XML, signature, decryption, inner XML — in that order."""
        body = await read_body(request)
        self._crypto.check_time(request.query.get("timestamp", ""))
        encrypted = read_xml(body).get("Encrypt", "")
        if not encrypted:
            raise Refused(400, "no <Encrypt> element")
        plain = self._crypto.open(request.query, encrypted)
        await self._first_time(request.query, body)
        fields = read_xml(plain.encode())
        inbound = read_callback(fields, self._agent_id)
        if inbound is not None and not self._heard_from(inbound.external_id, fields):
            return None
        return inbound

    async def _first_time(self, query: Mapping[str, str], body: bytes) -> None:
        """A signed (timestamp, nonce) again with another body is a replay: refused by
        every instance (``ReplayGuard``); the same body is WeCom's own retry."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if self._replays is not None and not await self._replays.first_use(
            NAME, timestamp, nonce, body
        ):
            raise Refused(403, "a replayed timestamp and nonce")

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

    async def _answer(
        self, inbound: Inbound, task: asyncio.Task[object], started: float, wait: float
    ) -> web.Response:
        """Wait briefly so a failure can ask WeCom to retry; else confirm with an empty 200.

        Not at all (``wait`` is 0) if the run is not expected to end within
        ``answer_within``: waiting would only bring the answer closer to WeCom's five seconds.
        """
        if wait:
            await asyncio.wait({task}, timeout=wait)
        if task.done() and not task.cancelled() and task.exception() is not None:
            return web.Response(status=500)
        try:
            left = started + CALLBACK_PATIENCE - asyncio.get_running_loop().time()
            await self._runner.keep(inbound, task, left)
        except Exception:
            log.exception("could not keep a WeCom message the engine has not stored yet")
            return web.Response(status=500)  # WeCom retries; the dedupe makes it safe
        return web.Response()

    async def settle(self) -> None:
        """Wait until every callback taken so far has been handled (tests, shutdown)."""
        await self._runner.settle()

    # ----- sending

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Send one message (as several if it is long); the msgid of its last part."""
        image = image_of(message)
        if image is not None:
            return await self._send_image(chat_id, image) or None
        parts = contents(message, self._texts)
        key = fingerprint(chat_id, message)
        sent = self._parts_sent.resume(key)
        try:
            for part in parts[len(sent) :]:
                sent.append(await self._send_part(chat_id, part))
        except DeliveryError:
            self._parts_sent.remember(key, sent)
            raise
        return (sent[-1] or None) if sent else None

    async def post_to_group(self, chat_id: str, message: Outbound) -> None:
        """Post into an app chat (``chatid`` or ``group:<chatid>``), within the limits."""
        await self.send(group_chat_id(chat_id), message)

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
        body: Body,
        *,
        group: bool = False,
        query: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call the API; WeCom's error codes become what the dispatcher understands."""
        try:
            return await self._api.call(path, body, query)
        except ApiError as error:
            failure = api_error(error.errcode, error.errmsg, group=group)
        raise failure

    async def close(self) -> None:
        """Finish the callbacks in hand (never cancelled), then close the HTTP client."""
        await self.settle()
        await self._api.close()
