"""Passive replies: the texts that fit into one callback answer, as WeChat's reply XML."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from wechatpy.replies import TextReply

MAX_BYTES = 2048  # a customer-service text, and what we put in one passive reply
SEPARATOR = "\n\n"
_NOT_XML_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
