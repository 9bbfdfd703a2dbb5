"""Passive replies: the texts that fit into one callback answer, as WeChat's reply XML."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime

from wechatpy.replies import TextReply

from c2cbot.flows.messages import Outbound

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
