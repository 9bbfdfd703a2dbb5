"""The inbound journal: messages a channel confirms before the engine has stored them.

WeChat and WeCom must be answered within seconds, so when the engine is behind a channel
tells them "received" while the message still waits in memory for its turn. A crash
then would lose it: the platform never sends it again. So before confirming early, the
channel keeps the message here, in the database, and forgets it once the engine has
handled it; at the next start whatever is left is handled first (``Journal.replay``). Writes
are batched: everyone waiting shares one transaction, as in ``GroupCommit``.

The same concept as ``store/journal.py``, one layer up: this module decides, that one
keeps the rows (``SqlJournal``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from c2cbot.flows.messages import Inbound

log = logging.getLogger(__name__)

RETRY = 10.0  # seconds between tries to read the journal while the database is down
#: How often, and for messages kept how long ago, the journal is looked at again: a
#: message confirmed early whose engine run failed (a deadlock), or whose process died,
#: is handled then by whichever process looks, not only at the next start.
LOOK_EVERY = 30.0
LEFT_AFTER = timedelta(seconds=30)

Handle = Callable[[Inbound], Awaitable[object]]


class JournalStore(Protocol):
    async def write(self, keep: list[Inbound], forget: list[Inbound]) -> None:
        """Add ``keep`` (each once, however often it comes) and drop ``forget``, together."""

    async def unhandled(self, before: datetime | None = None) -> list[Inbound]:
        """Kept messages the engine never handled (kept ``before`` then), oldest first."""

    async def forget_handled(self) -> int:
        """Drop what the engine has handled; how many."""


class Journal:
    """Batches keeps and forgets; ``keep`` returns once the message is committed."""

    def __init__(self, store: JournalStore) -> None:
        self._store = store
        self._keeping: list[tuple[Inbound, asyncio.Future[None]]] = []
        self._forgetting: list[Inbound] = []
        self._writer: asyncio.Task[None] | None = None

    async def keep(self, inbound: Inbound) -> None:
        """Return once ``inbound`` is stored; raises if it could not be (do not confirm it)."""
        kept: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._keeping.append((inbound, kept))
        self._write_soon()
        await kept

    def forget(self, inbound: Inbound) -> None:
        """The engine has handled ``inbound``; dropped with the next write."""
        self._forgetting.append(inbound)
        self._write_soon()

    async def replay(self, handle: Handle, before: datetime | None = None) -> int:
        """Handle what a crash left in the journal, oldest first; how many were handled.

        At start everything left is; later (``before``) only what was kept long ago, whose
        engine run failed or whose process died: the dedupe key makes a message handled
        meanwhile by its own process a duplicate. A message that fails again stays for the
        next look, and is logged.
        """
        missed = await self._store.unhandled(before)
        for inbound in missed:
            try:
                await handle(inbound)
            except Exception:
                log.exception("replaying journalled message %s failed", inbound.in_logs)
        if missed:
            log.warning("handled %d messages confirmed before a crash", len(missed))
        await self._store.forget_handled()
        return len(missed)

    async def replayed(self, handle: Handle, before: datetime | None = None) -> bool:
        """``replay``, but a database that cannot be read is logged, not raised."""
        try:
            await self.replay(handle, before)
        except Exception:
            log.exception("could not read the inbound journal; trying again shortly")
            return False
        return True

    async def keep_looking(
        self, handle: Handle, now: Callable[[], datetime], replayed: bool
    ) -> None:
        """Until the start's replay succeeds (the database was down), try it again now and
        then; afterwards, look for messages left in the journal by failed runs or dead
        processes, for as long as the bot runs."""
        while not replayed:
            await asyncio.sleep(RETRY)
            replayed = await self.replayed(handle)
        while True:
            await asyncio.sleep(LOOK_EVERY)
            await self.replayed(handle, before=now() - LEFT_AFTER)

    async def idle(self) -> None:
        """Wait until everything asked for so far is written (shutdown, tests)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _write_soon(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_while_asked(), name="journal")

    async def _write_while_asked(self) -> None:
        while self._keeping or self._forgetting:
            keeping, self._keeping = self._keeping, []
            forgetting, self._forgetting = self._forgetting, []
            try:
                await self._store.write([inbound for inbound, _ in keeping], forgetting)
            except Exception as error:
                log.exception("could not write %d messages to the journal", len(keeping))
                _settle(keeping, error)
                self._forgetting = forgetting + self._forgetting  # dropped next time
                return
            _settle(keeping, None)


def _settle(
    keeping: list[tuple[Inbound, asyncio.Future[None]]], error: BaseException | None
) -> None:
    for _inbound, kept in keeping:
        if kept.done():
            continue
        if error is None:
            kept.set_result(None)
        else:
            kept.set_exception(error)
