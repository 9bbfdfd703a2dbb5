"""What a WeChat follower sent, as the engine's ``Inbound``."""

from __future__ import annotations

from collections.abc import Mapping

from c2cbot.channels._tencent.callbacks import Refused
from c2cbot.channels.wechat_oa.spec import NAME
from c2cbot.flows.commands import typed_commands
from c2cbot.flows.messages import Inbound

MAX_OPENID = 128
LANGUAGE_HINT = "zh_Hans"  # Official Account followers are Chinese-first
COMMANDS = typed_commands()  # menu button keys that mean a command (``steps`` → /steps)


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
