"""Messages as WeCom shows them: plain texts with links defused, digests as markdown.

People's own text must never be read as markup: the one tag WeCom's text messages
honour, ``<a href>``, is defused. Digests are the exception: their renderer escaped
people's text for WeCom's markdown and cut it to 2,048 bytes, so a message marked
``extra["markup"] == "wecom_markdown"`` goes as msgtype markdown, unchanged.
"""

from __future__ import annotations

from typing import Any

from c2cbot.channels._tencent.links import defuse_links
from c2cbot.channels.base import as_numbered_text, split_bytes
from c2cbot.channels.wecom.limits import GROUP_PREFIX
from c2cbot.flows.messages import Outbound
from c2cbot.flows.texts import Texts

MARKDOWN_MARKUP = "wecom_markdown"  # ``extra["markup"]`` of text already escaped for WeCom

Content = dict[str, Any]  # a message body without its address: msgtype and its object


def group_chat_id(chatid: str) -> str:
    """The outbox address of a WeCom app chat (what ``GroupChat.chat_id`` should hold)."""
    return chatid if chatid.startswith(GROUP_PREFIX) else GROUP_PREFIX + chatid


def render(message: Outbound, texts: Texts) -> list[str]:
    """The message as WeCom texts: options as numbered lines, split to fit."""
    return split_bytes(defuse_links(as_numbered_text(message, texts)))


def contents(message: Outbound, texts: Texts) -> list[Content]:
    """What ``send`` posts for the message: texts, or markdown as its renderer wrote it."""
    if message.extra.get("markup") == MARKDOWN_MARKUP:
        return [{"msgtype": "markdown", "markdown": {"content": message.text}}]
    return [{"msgtype": "text", "text": {"content": part}} for part in render(message, texts)]
