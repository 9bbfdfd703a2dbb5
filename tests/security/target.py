"""Hostile requests made to measure for the wired bot: with the chat's cookie and Origin,
the Telegram webhook's secret, and WeChat and WeCom signatures and AES envelopes made
here (independently of the bot's code), so the hostile part reaches the parser it is
aimed at instead of being refused at the door."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.fakes import wechat_api, wecom_api
from tests.security.raw import Raw
from tests.security.wired import WEBHOOK_SECRET, Wired

HeaderValue = str | bytes
Headers = tuple[tuple[HeaderValue, HeaderValue], ...]
COOKIE = "c2c_chat"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
JSON = "application/json"
XML = "text/xml"
DEFAULT: Any = object()  # "what a well-behaved sender would put here"


def sha1_signature(*parts: str) -> str:
    """WeChat's and WeCom's signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def seal(plain: bytes, receiver: str, encoding_aes_key: str) -> str:
    """Tencent's AES envelope around any bytes: 16 random bytes, the length, the message,
    the receiver's id, PKCS#7 padding to 32 bytes, AES-256-CBC with the key's first 16
    bytes as IV, in base64."""
    key = base64.b64decode(encoding_aes_key + "=")
    data = os.urandom(16) + struct.pack(">I", len(plain)) + plain + receiver.encode()
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def envelope(encrypted: str, to: str = "gh_c2cbot_test") -> bytes:
    """The outer XML of a sealed callback."""
    outer = f"<ToUserName><![CDATA[{to}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
    return f"<xml>{outer}</xml>".encode()


def fresh_timestamp() -> str:
    return str(int(time.time()))


def fresh_nonce() -> str:
    return str(secrets.randbelow(10**9))


def query_string(params: dict[str, str | None]) -> str:
    """``?a=b…`` of the given parameters, leaving out those set to ``None``."""
    given = {name: value for name, value in params.items() if value is not None}
    return "?" + urlencode(given) if given else ""


@dataclass
class Target:
    """The wired bot seen from outside, with what a legitimate sender of each kind holds."""

    wired: Wired
    cookie: str  # the browser chat's identity, given by GET /chat

    @property
    def origin(self) -> str:
        return self.wired.url

    # ----- the browser chat

    def chat_send(
        self,
        body: bytes | dict[str, Any],
        *,
        content_type: HeaderValue = JSON,
        cookie: HeaderValue = DEFAULT,
        headers: Headers = (),
        **raw: Any,
    ) -> Raw:
        """POST /chat/api/send from the chat page of this site, as its script does."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent: Headers = (
            ("Cookie", f"{COOKIE}={self.cookie}" if cookie is DEFAULT else cookie),
            ("Origin", self.origin),
            ("Content-Type", content_type),
            *headers,
        )
        return Raw("POST", "/chat/api/send", sent, data, **raw)

    def chat_messages(self, query: str = "", *, cookie: HeaderValue = DEFAULT) -> Raw:
        value = f"{COOKIE}={self.cookie}" if cookie is DEFAULT else cookie
        return Raw("GET", "/chat/api/messages" + query, (("Cookie", value),))

    # ----- Telegram

    def telegram(
        self,
        body: bytes | dict[str, Any],
        *,
        secret: HeaderValue = WEBHOOK_SECRET,
        content_type: HeaderValue = JSON,
        **raw: Any,
    ) -> Raw:
        """POST /telegram carrying the webhook's secret, as Telegram does."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent: Headers = (("Content-Type", content_type), (SECRET_HEADER, secret))
        return Raw("POST", "/telegram", sent, data, **raw)

    # ----- WeChat Official Account (safe mode)

    def wechat(self, inner: bytes, **query: str | None) -> Raw:
        """``inner`` sealed for the account and signed, as WeChat posts a message."""
        encrypted = seal(inner, wechat_api.APP_ID, wechat_api.AES_KEY)
        return self.wechat_outer(envelope(encrypted), encrypted, **query)

    def wechat_outer(self, body: bytes, encrypted: str = "", **query: str | None) -> Raw:
        """``body`` as the outer XML, signed (msg_signature over ``encrypted``)."""
        target = "/wechat" + self.wechat_query(encrypted, **query)
        return Raw("POST", target, (("Content-Type", XML),), body)

    def wechat_query(self, encrypted: str = "", **given: str | None) -> str:
        timestamp = given.pop("timestamp", DEFAULT)
        nonce = given.pop("nonce", DEFAULT)
        timestamp = fresh_timestamp() if timestamp is DEFAULT else timestamp
        nonce = fresh_nonce() if nonce is DEFAULT else nonce
        token = wechat_api.CALLBACK_TOKEN
        params: dict[str, str | None] = {
            "signature": sha1_signature(token, timestamp or "", nonce or ""),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": "o_hostile",
            "encrypt_type": "aes",
            "msg_signature": sha1_signature(token, timestamp or "", nonce or "", encrypted),
        }
        return query_string({**params, **given})

    def wechat_verify(self, echostr: str | None = "echo-4711", **given: str | None) -> Raw:
        """GET /wechat as WeChat checks the URL: signed, echoing ``echostr``."""
        timestamp = given.pop("timestamp", DEFAULT)
        nonce = given.pop("nonce", DEFAULT)
        timestamp = fresh_timestamp() if timestamp is DEFAULT else timestamp
        nonce = fresh_nonce() if nonce is DEFAULT else nonce
        signature = sha1_signature(wechat_api.CALLBACK_TOKEN, timestamp or "", nonce or "")
        params = {"signature": signature, "timestamp": timestamp, "nonce": nonce}
        return Raw("GET", "/wechat" + query_string({**params, "echostr": echostr, **given}))

    # ----- WeCom

    def wecom(self, inner: bytes, **query: str | None) -> Raw:
        """``inner`` sealed for the corp and signed, as WeCom posts a callback."""
        encrypted = seal(inner, wecom_api.CORP_ID, wecom_api.AES_KEY)
        body = (
            f"<xml><ToUserName><![CDATA[{wecom_api.CORP_ID}]]></ToUserName>"
            f"<AgentID><![CDATA[{wecom_api.AGENT_ID}]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        ).encode()
        return self.wecom_outer(body, encrypted, **query)

    def wecom_outer(self, body: bytes, encrypted: str = "", **query: str | None) -> Raw:
        target = "/wecom" + self.wecom_query(encrypted, **query)
        return Raw("POST", target, (("Content-Type", XML),), body)

    def wecom_query(self, encrypted: str, **given: str | None) -> str:
        timestamp = given.pop("timestamp", DEFAULT)
        nonce = given.pop("nonce", DEFAULT)
        timestamp = fresh_timestamp() if timestamp is DEFAULT else timestamp
        nonce = fresh_nonce() if nonce is DEFAULT else nonce
        signature = sha1_signature(
            wecom_api.CALLBACK_TOKEN, timestamp or "", nonce or "", encrypted
        )
        params = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}
        return query_string({**params, **given})

    def wecom_verify(self, echostr: str | None = DEFAULT, **given: str | None) -> Raw:
        """GET /wecom as WeCom checks the URL: ``echostr`` (by default one sealed for the
        corp) and a signature over it."""
        if echostr is DEFAULT:
            echostr = seal(b"echo-4711", wecom_api.CORP_ID, wecom_api.AES_KEY)
        query = self.wecom_query(echostr or "", echostr=echostr, **given)
        return Raw("GET", "/wecom" + query)
