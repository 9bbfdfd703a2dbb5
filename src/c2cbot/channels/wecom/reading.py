"""WeCom callbacks: checked, opened and read as the engine's ``Inbound``.

Callbacks are always encrypted (msg_signature + AES): the signature is checked first,
the body is decrypted (the CorpId is the receive id) and both layers of XML are read
with ``_tencent.xml.read_message``, never a parser that expands entities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from c2cbot.channels._tencent.callbacks import Refused, timestamp_seconds
from c2cbot.channels._tencent.crypto import Envelope, same, signature
from c2cbot.channels.wecom.spec import NAME
from c2cbot.flows.commands import typed_commands
from c2cbot.flows.messages import Inbound

LANGUAGE = "zh_Hans"
MAX_USERID = 128  # what the bot stores of an id; WeCom's userids have at most 64 bytes
UNSUPPORTED_TYPES = frozenset({"image", "voice", "video", "location", "link", "file"})
START_EVENTS = frozenset({"subscribe", "enter_agent"})
COMMANDS = typed_commands()  # menu button keys that mean a command (``steps`` → /steps)

WallClock = Callable[[], float]


class CallbackCrypto:
    """Checks and opens WeCom's encrypted callbacks; refusals carry their HTTP status."""

    def __init__(
        self, token: str, aes_key: str, corp_id: str, clock: WallClock, max_skew: float
    ) -> None:
        self._token, self._envelope = token, Envelope(token, aes_key, corp_id, "WeCom")
        self._clock, self._max_skew = clock, max_skew

    def open(self, query: Mapping[str, str], encrypted: str) -> str:
        """The plaintext of ``encrypted`` once the query's signature and time check out."""
        self.check_time(query.get("timestamp", ""))
        given = query.get("msg_signature", "")
        expected = signature(self._token, query["timestamp"], query.get("nonce", ""), encrypted)
        if not same(expected, given):
            raise Refused(403, "wrong msg_signature")
        return self._envelope.open(encrypted)

    def check_time(self, timestamp: str) -> None:
        """Refuse replays: WeCom's timestamp must be within a few minutes of ours."""
        seconds = timestamp_seconds(timestamp)
        if seconds is None:
            raise Refused(403, "missing or malformed timestamp")
        if abs(self._clock() - seconds) > self._max_skew:
            raise Refused(403, "timestamp too far from now")


def read_callback(fields: Mapping[str, str], agent_id: int) -> Inbound | None:
    """The ``Inbound`` for a decrypted callback; ``None`` for what needs no answer."""
    sender, kind = fields.get("FromUserName", ""), fields.get("MsgType", "")
    if not sender or not kind:
        raise Refused(400, "FromUserName or MsgType missing")
    if len(sender) > MAX_USERID or not sender.isprintable():
        raise Refused(400, "FromUserName malformed")
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
