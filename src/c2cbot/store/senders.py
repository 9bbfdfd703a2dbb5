"""This process among the processes that send from one outbox on PostgreSQL.

Each holds a claimant lock while it lives (``store/claimants.py``). The live ones, in the
order of their keys, split the chats among themselves (``Part``), so a chat's messages
go through one process's per-chat limits and each keeps to its part of the app's
overall send rate; and they signal each other through their lock connections: replies
written for another's chats (``WAKE``), a browser chat's reply sent (``DELIVERED``).
On SQLite one process sends: it has every chat and signals nobody.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from c2cbot.store.claimants import DELIVERED, WAKE, Claimant, hold_claimant, live
from c2cbot.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    """This process's part of the chats: those whose hash modulo ``senders`` is ``place``.

    ``place`` is the rank of this process's claimant key among the live ones; alone (or
    on SQLite) a process has every chat.
    """

    place: int = 0
    senders: int = 1

    @classmethod
    def among(cls, keys: Sequence[int], mine: int) -> Part:
        ranked = sorted(set(keys) | {mine})
        return cls(ranked.index(mine), len(ranked))

    def owns(self, channel: str, chat_id: str) -> bool:
        return self.senders == 1 or chat_hash(channel, chat_id) % self.senders == self.place


def chat_hash(channel: str, chat_id: str) -> int:
    """The chat's hash as the claim query computes it (``_CHAT_HASH``)."""
    digest = hashlib.md5(f"{channel}:{chat_id}".encode(), usedforsecurity=False)
    return int(digest.hexdigest()[:8], 16)


class Senders:
    """This process as one of an outbox's senders: its claimant key, its part, its signals."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._claimant: Claimant | None = None
        self._claiming = asyncio.Lock()
        self.part = Part()
        self._listeners: dict[str, Callable[[str], None]] = {}
        self._signals: dict[tuple[str, str], None] = {}  # to give, in order, each once
        self._signalling: asyncio.Task[None] | None = None

    async def claimant(self) -> int | None:
        """This process's claimant key on PostgreSQL (taken at first use); None on SQLite,
        where this process alone sends."""
        if self.database.is_sqlite:
            return None
        async with self._claiming:
            if self._claimant is None:
                claimant = await hold_claimant(self.database.url)
                for signal, heard in self._listeners.items():
                    await claimant.listen(signal, heard)
                self._claimant = claimant
        return self._claimant.key

    async def listen_for_replies(self, heard: Callable[[], None]) -> None:
        """PostgreSQL: call ``heard`` when another process wrote replies for chats of this
        one's part (``wake_others``), so they go at once, not at the next idle look."""
        await self._listen(WAKE, lambda _payload: heard())

    async def listen_for_deliveries(self, heard: Callable[[str], None]) -> None:
        """PostgreSQL: call ``heard`` with each browser chat another process sent a reply to
        (``delivered_elsewhere``), for the long polls this process holds."""
        await self._listen(DELIVERED, heard)

    async def _listen(self, signal: str, heard: Callable[[str], None]) -> None:
        if self.database.is_sqlite:
            return
        self._listeners[signal] = heard
        async with self._claiming:
            existing = self._claimant
        if existing is None:
            await self.claimant()  # listens to every signal as it is taken
        else:
            await existing.listen(signal, heard)

    def wake_others(self, chats: Collection[tuple[str, str]]) -> None:
        """After a commit that wrote rows for ``chats``: if some are another process's,
        tell every process to look."""
        if not all(self.part.owns(*chat) for chat in chats):
            self._signal(WAKE, "")

    def delivered_elsewhere(self, chat_id: str) -> None:
        """A browser chat's reply was sent: its long poll may be another process's."""
        if self.part.senders > 1:
            self._signal(DELIVERED, chat_id)

    def _signal(self, signal: str, payload: str) -> None:
        """One notification at a time, the next carrying all asked for meanwhile."""
        self._signals[(signal, payload)] = None
        if self._signalling is None or self._signalling.done():
            self._signalling = asyncio.create_task(self._give_signals(), name="outbox-signals")

    async def _give_signals(self) -> None:
        while self._signals and self._claimant is not None:
            signals, self._signals = list(self._signals), {}
            try:
                await self._claimant.signal(signals)
            except Exception:  # the others look by themselves, every second or so
                log.warning("could not signal the other processes", exc_info=True)
                return

    async def share_chats(self) -> int:
        """Take this process's part of the chats among the live senders; how many there are.

        Run every few seconds: a process that starts or dies changes everyone's part
        within that time. Should this process's own lock be gone (its connection broke
        in a database restart), it takes a new key: the others have meanwhile put back
        what it was sending.
        """
        if self.database.is_sqlite:
            return 1
        mine = await self.claimant()
        keys = await self._live()
        if mine is not None and mine not in keys:
            log.warning("this process's outbox claimant lock was lost; taking a new one")
            await self.close()
            mine, keys = await self.claimant(), await self._live()
        if mine is not None:
            self.part = Part.among(keys, mine)
        return self.part.senders

    async def _live(self) -> list[int]:
        async with self.database.sessions() as session:
            return await live(await session.connection())

    async def close(self) -> None:
        """Give up the claimant lock: what this process still has "sending" may go again."""
        claimant, self._claimant = self._claimant, None
        if self._signalling is not None:
            self._signalling.cancel()
            await asyncio.gather(self._signalling, return_exceptions=True)
        if claimant is not None:
            await claimant.release()
