"""Sending through the customer-service API, and a template message outside its window.

The customer-service API works only within 48 hours of the person's last message;
after that a template message is the one way left. Without a template the message goes
to another of the person's linked channels (Telegram, WeCom) if they have one, and
otherwise becomes a visible dead letter.
"""

from __future__ import annotations

from c2cbot.channels._tencent.api import ApiError, TencentApi
from c2cbot.channels.base import DeliveryError, split_bytes
from c2cbot.channels.partial import PartsSent, fingerprint
from c2cbot.channels.wechat_oa.replies import MAX_BYTES, SEPARATOR
from c2cbot.flows.messages import Outbound

TEMPLATE_FIELD = "content"  # the template's body must be {{content.DATA}}
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid, malformed or expired access token
WINDOW_ERRORS = frozenset({45015, 45047})  # outside the 48-hour window; too many unanswered
UNREACHABLE_ERRORS = frozenset({40003, 43004})  # unknown openid; the person unfollowed
# Quota and "system busy" codes → seconds to wait before trying again.
RETRY_AFTER = {-1: 5.0, 45009: 3600.0, 45011: 60.0, 45033: 60.0}


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


def token_refused(errcode: int, errmsg: str) -> DeliveryError:
    return DeliveryError(f"WeChat refused an access token (errcode {errcode}: {errmsg})")


class CustomerService:
    """Texts of ≤2,048 bytes in order; parts sent before a failure are not sent again."""

    def __init__(self, api: TencentApi, template_id: str | None) -> None:
        self._api, self._template_id = api, template_id
        self._parts_sent = PartsSent()

    async def send(self, chat_id: str, message: Outbound, text: str) -> str | None:
        """``text`` is ``message`` as the person reads it (options as numbered lines)."""
        parts = split_bytes(text, MAX_BYTES)
        key = fingerprint(chat_id, message)
        sent = self._parts_sent.resume(key)
        try:
            for part in parts[len(sent) :]:
                await self._send_text(chat_id, part)
                sent.append("")
        except ApiError as error:
            if error.errcode in WINDOW_ERRORS:
                return await self._send_template(chat_id, SEPARATOR.join(parts[len(sent) :]), error)
            self._parts_sent.remember(key, sent)
            raise delivery_error(error, chat_id) from None
        except DeliveryError:
            self._parts_sent.remember(key, sent)
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
                elsewhere=True,
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
