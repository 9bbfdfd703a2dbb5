"""The browser chat: the embedded default channel, served by the bot's own web server.

Sending means marking the outbox row delivered and waking the browser's long poll;
the browser reads its messages back from the outbox, so a reload loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from c2cbot.channels.base import Capabilities
from c2cbot.flows.messages import Outbound

NAME = "web"
CAPABILITIES = Capabilities(buttons=True, max_length=20_000, markup="plain", links=True)


class WebChat:
    name = NAME
    capabilities = CAPABILITIES

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Event]] = {}
        self._closing = False

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Nothing to transmit: the browser reads the outbox once the row is marked sent."""
        return None

    def delivered(self, chat_id: str) -> None:
        """Wake the browser's long polls; called after the outbox row is marked sent."""
        for event in self._listeners.get(chat_id, ()):
            event.set()

    def wake_all(self) -> None:
        """Let every long poll return, so the server can shut down without waiting."""
        self._closing = True
        for events in self._listeners.values():
            for event in events:
                event.set()

    @asynccontextmanager
    async def listening(self, chat_id: str) -> AsyncIterator[asyncio.Event]:
        """An event set when something is sent to ``chat_id``; register before reading."""
        event = asyncio.Event()
        if self._closing:
            event.set()
        self._listeners.setdefault(chat_id, set()).add(event)
        try:
            yield event
        finally:
            listeners = self._listeners[chat_id]
            listeners.discard(event)
            if not listeners:
                del self._listeners[chat_id]
