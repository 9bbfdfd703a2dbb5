"""The small protocol every channel implements, and how choices fall back to text.

A channel declares what it can show; the shared layer adapts messages to it, so the
engine never asks which channel it is talking to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from c2cbot.flows.messages import Outbound


@dataclass(frozen=True)
class Capabilities:
    buttons: bool
    max_length: int
    markup: str  # "html", "markdown" or "plain"
    images: bool = False


class DeliveryError(Exception):
    """Sending failed; ``permanent`` failures are not retried, ``retry_after`` is honoured."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.permanent = permanent or unreachable
        self.retry_after = retry_after
        self.unreachable = unreachable


class Channel(Protocol):
    name: str
    capabilities: Capabilities

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Deliver one message; the channel's id for it, if it has one."""


def as_numbered_text(message: Outbound) -> str:
    """Choices written as numbered lines for channels without buttons."""
    if not message.choices:
        return message.text
    lines = [
        f"{n}. {'☑ ' if c.selected else ''}{c.label}" for n, c in enumerate(message.choices, 1)
    ]
    return message.text + "\n\n" + "\n".join(lines)


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


class ClaimedMessage(Protocol):
    id: int
    payload: dict[str, Any]


class ChatOutbox(Protocol):
    """What a channel that can answer a callback directly (WeChat) needs of the outbox."""

    async def claim_chat(
        self, channel: str, chat_id: str, now: datetime
    ) -> Sequence[ClaimedMessage]: ...

    async def release(self, message_ids: list[int]) -> None: ...

    async def sent(self, message_id: int, external_id: str | None, now: datetime) -> None: ...
