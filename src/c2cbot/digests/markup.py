"""Channel markup for digests: how text is escaped, emphasised and measured on each platform.

A digest mixes our own wording (trusted) with text people typed (never trusted): every
value reaches the output through :func:`escape` unless it is already :class:`Safe`, i.e.
produced here from escaped parts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum


class Markup(StrEnum):
    TELEGRAM_HTML = "telegram_html"
    WECOM_MARKDOWN = "wecom_markdown"
    PLAIN = "plain"


class Safe(str):
    """Text already escaped for its markup: written out as it is."""

    __slots__ = ()


@dataclass(frozen=True)
class Limit:
    """How long one message may be: ``size`` in UTF-16 code units, or in UTF-8 bytes."""

    size: int
    unit: str  # "utf16" or "bytes"

    def measure(self, text: str) -> int:
        if self.unit == "utf16":
            return len(text.encode("utf-16-le")) // 2
        return len(text.encode())


#: Telegram counts UTF-16 code units; WeCom counts UTF-8 bytes: an app's markdown and
#: text messages both take at most 2,048 (developer.work.weixin.qq.com/document/path/90236,
#: "markdown内容，最长不超过2048个字节"; 4,096 is the group robot's, not an app's).
LIMITS: dict[Markup, Limit] = {
    Markup.TELEGRAM_HTML: Limit(4096, "utf16"),
    Markup.WECOM_MARKDOWN: Limit(2048, "bytes"),
    Markup.PLAIN: Limit(2048, "bytes"),
}

# Separators the renderer uses; people's text never carries them through.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069]")
# An @mention: Telegram links (and notifies) @name; a word joiner keeps it plain text.
_MENTION = re.compile(r"@(?=\w)")
_WORD_JOINER = "\u2060"
# WeCom's markdown is a small subset (headings, **bold**, [links](url), `code`, > quotes,
# <font color>) and documents no backslash escapes, so a backslash would show. Instead a
# word joiner (invisible, and not whitespace) keeps a typed character from forming markup:
# around * _ ~ no delimiter run pairs with another or with ours; after [ ] < no link,
# tag or <@mention> can form; before a line's first character no heading, quote or list.
_MARKDOWN_RUNS = re.compile(r"([*_~])")
_MARKDOWN_OPENERS = re.compile(r"([\[\]<])")
_MARKDOWN_LINE_START = re.compile(
    r"^([ \t]*)(?=>|\||(?:[#+\-]|\d+[.)])(?:[ \t]|$)|[=\-]+[ \t]*$)", re.MULTILINE
)
# A code span cannot be broken invisibly: a typed backtick becomes the look-alike ˋ.
_BACKTICK, _BACKTICK_LOOKALIKE = "`", "\u02cb"


def escape(text: str, markup: Markup) -> Safe:
    """People's text made inert for ``markup``: shown as typed, never read as markup."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\t", " "))
    if markup is Markup.TELEGRAM_HTML:
        return Safe(_MENTION.sub("@" + _WORD_JOINER, html.escape(text, quote=False)))
    if markup is Markup.WECOM_MARKDOWN:
        return Safe(_wecom_inert(text))
    return Safe(text)


def _wecom_inert(text: str) -> str:
    joiner = _WORD_JOINER
    text = _MARKDOWN_RUNS.sub(joiner + r"\1" + joiner, text.replace(_BACKTICK, _BACKTICK_LOOKALIKE))
    text = _MARKDOWN_OPENERS.sub(r"\1" + joiner, text)
    text = _MENTION.sub("@" + joiner, text)
    return _MARKDOWN_LINE_START.sub(r"\1" + joiner, text)


def bold(text: str, markup: Markup) -> Safe:
    """Emphasis for headings and labels; ``text`` is escaped unless already safe."""
    safe = text if isinstance(text, Safe) else escape(text, markup)
    if markup is Markup.TELEGRAM_HTML:
        return Safe(f"<b>{safe}</b>")
    if markup is Markup.WECOM_MARKDOWN:
        return Safe(f"**{safe}**")
    return safe


def italic(text: str, markup: Markup) -> Safe:
    """Quiet text: machine translations and hints (plain text has no italics)."""
    safe = text if isinstance(text, Safe) else escape(text, markup)
    if markup is Markup.TELEGRAM_HTML:
        return Safe(f"<i>{safe}</i>")
    if markup is Markup.WECOM_MARKDOWN:
        return Safe(f'<font color="comment">{safe}</font>')
    return safe


def safe_join(parts: list[str], separator: str, markup: Markup) -> Safe:
    """Join parts, escaping those that are not safe yet (the separator is ours)."""
    return Safe(
        escape(separator, markup).join(
            p if isinstance(p, Safe) else escape(p, markup) for p in parts
        )
    )
