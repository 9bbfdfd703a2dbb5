"""Parts of a long message already sent, so the dispatcher's retry sends only the rest.

A message split into parts can fail half-way; the dispatcher then sends the whole
message again. Each channel remembers, per chat and message, the parts that went out
(their ids, or "" where the platform gives none), for a bounded number of messages.
"""

from __future__ import annotations

import hashlib
import json

from c2cbot.flows.messages import Outbound

MAX_PARTIAL = 1000  # messages remembered at most; the oldest is forgotten first


def fingerprint(chat_id: str, message: Outbound) -> str:
    """The same message to the same chat, whichever outbox row carries it."""
    body = json.dumps(message.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{chat_id}\n{body}".encode()).hexdigest()


class PartsSent:
    """The parts sent of messages whose sending failed part-way."""

    def __init__(self, limit: int = MAX_PARTIAL) -> None:
        self._limit = limit
        self._sent: dict[str, list[str]] = {}

    def resume(self, key: str) -> list[str]:
        """The parts of this message sent before (forgotten now: ``remember`` again)."""
        return self._sent.pop(key, [])

    def remember(self, key: str, sent: list[str]) -> None:
        if not sent:
            return
        if len(self._sent) >= self._limit:
            del self._sent[next(iter(self._sent))]
        self._sent[key] = sent
