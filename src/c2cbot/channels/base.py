"""The small protocol every channel implements, and how choices fall back to text.

A channel declares what it can show; the shared layer adapts messages to it, so the
engine never asks which channel it is talking to.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from c2cbot.domain.text import N_
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.texts import Texts


@dataclass(frozen=True)
class Capabilities:
    """What a channel shows; ``images``: an outbox message's ``extra["image"]`` as a picture.

    Digests read these too: ``markup`` says whether a digest goes as HTML (Telegram's
    subset), markdown (WeCom's) or plain text, cut at ``max_length`` counted in
    ``length_unit`` ("utf16" code units or UTF-8 "bytes"). ``group_side``: which city of
    a partnership a group chat on this channel belongs to ("eu" or "cn"), for its default
    digest time zone. ``files``: an outbox message's ``extra["file"]`` as a document;
    ``links``: its ``extra["link"]`` (``{path, label, download}``, a path on the bot's own
    site: /mydata's download, /web's sign-in) as a link.
    """

    buttons: bool
    max_length: int
    markup: str  # "html", "markdown" or "plain"
    images: bool = False
    length_unit: str = "utf16"
    group_side: str = "eu"
    files: bool = False
    links: bool = False


#: The largest picture a message may carry: WeCom's media/upload takes images up to 2 MB
#: (Telegram's sendPhoto 10 MB); a weekly digest's KPI chart is tens of kilobytes.
MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: The largest file a message may carry: bots send documents up to 50 MB on Telegram.
MAX_FILE_BYTES = 50 * 1024 * 1024


def file_of(message: Outbound) -> tuple[str, bytes] | None:
    """The file (name, UTF-8 content) an outbox message carries in ``extra["file"]``.

    Like an image, a file that cannot be sent as it is never will be: a permanent failure.
    """
    document = message.extra.get("file")
    if document is None:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("text"), str):
        raise DeliveryError("the message's file has no text", permanent=True)
    content = document["text"].encode()
    if not content or len(content) > MAX_FILE_BYTES:
        raise DeliveryError(f"the message's file has {len(content)} bytes", permanent=True)
    return str(document.get("name") or "file.json")[:64], content


def image_of(message: Outbound) -> bytes | None:
    """The PNG an outbox message carries as base64 in ``extra["image"]``, if it has one.

    A payload that is not base64, is empty or is larger than any channel takes can never
    be sent: a permanent failure, so the dispatcher dead-letters it instead of retrying.
    """
    encoded = message.extra.get("image")
    if encoded is None:
        return None
    try:
        image = base64.b64decode(str(encoded), validate=True)
    except binascii.Error:
        raise DeliveryError("the message's image is not base64", permanent=True) from None
    if not image or len(image) > MAX_IMAGE_BYTES:
        raise DeliveryError(f"the message's image has {len(image)} bytes", permanent=True)
    return image


class DeliveryError(Exception):
    """Sending failed; ``permanent`` failures are not retried, ``retry_after`` is honoured.

    ``unreachable``: this chat will never take a message again (blocked, unfollowed).
    ``elsewhere``: this channel cannot reach the person now (that, or WeChat's 48-hour
    window closed), so the message goes to another of their linked channels if they have
    one (``store/rerouting.py``).
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
        elsewhere: bool = False,
    ) -> None:
        super().__init__(reason)
        self.permanent = permanent or unreachable or elsewhere
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.elsewhere = elsewhere or unreachable


class Channel(Protocol):
    name: str
    capabilities: Capabilities

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Deliver one message; the channel's id for it, if it has one."""


NUMBER_HINT = N_("Reply with the number of your answer.")
NUMBERS_HINT = N_("Reply with the numbers of all that apply, for example 1 3 4.")


def as_numbered_text(message: Outbound, texts: Texts) -> str:
    """Options as numbered lines, for channels without buttons; answers by number or text.

    A "Skip" button has no line: the question's own hint already says "/skip" (said
    here as well, it came twice), and the channel has nothing to tap.
    """
    options = message.options
    if not options:
        return message.text
    hint = texts.gettext(message.language, NUMBERS_HINT if message.multi else NUMBER_HINT)
    lines = [f"{n}. {c.label}" for n, c in enumerate(options, 1)]
    return "\n\n".join([message.text, "\n".join(lines), hint])


def split_bytes(text: str, limit: int = 2048) -> list[str]:
    """``split_text`` for a limit in UTF-8 bytes (WeChat's and WeCom's 2,048 for text).

    Each part is the first part ``split_text`` makes of the characters that fit, so
    paragraphs, lines and words stay whole where they can; Chinese takes three bytes.
    """
    parts: list[str] = []
    while len(text.encode()) > limit:
        head = split_text(text, _chars_within(text, limit))[0]
        parts.append(head)
        text = text[len(head) :].lstrip()
    return [part for part in (*parts, text) if part.strip()]


def _chars_within(text: str, limit: int) -> int:
    """How many characters from the start of ``text`` fit in ``limit`` bytes (at least one)."""
    return max(1, len(text.encode()[:limit].decode(errors="ignore")))


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then character boundaries so each part fits ``limit``."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, 0, limit + 1)
        if cut > 0:
            return [text[:cut].rstrip(), *split_text(text[cut + len(separator) :].lstrip(), limit)]
    return [text[:limit], *split_text(text[limit:], limit)]


TokenFetch = Callable[[], Awaitable[tuple[str, int]]]


class TokenVault(Protocol):
    """Shared API access tokens (``store.tokens.SqlTokenVault``)."""

    async def current(self, key: str) -> str | None: ...

    async def refresh(self, key: str, stale: str | None, fetch: TokenFetch) -> str:
        """A fresh token; ``fetch`` returns (token, seconds valid) and runs only if needed."""


class ReplayGuard(Protocol):
    """Signed callbacks seen lately, shared by every instance (``store.guards.SqlReplays``)."""

    async def first_use(self, channel: str, timestamp: str, nonce: str, body: bytes) -> bool:
        """``False`` when (timestamp, nonce) came before with another body: a replay."""


class InboundJournal(Protocol):
    """Where a channel keeps what it confirms before the engine has it (``flows.journal``)."""

    async def keep(self, inbound: Inbound) -> None: ...

    def forget(self, inbound: Inbound) -> None: ...
