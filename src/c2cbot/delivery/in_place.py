"""Replies inside a callback's answer (WeChat's passive reply), taken from the outbox.

The engine only writes outbox rows. A callback that waits for the engine holds its
chat (``holding``): meanwhile the dispatcher leaves the chat's rows alone, and the
store reports how many rows each commit wrote for it (``enqueued``). Once the engine
has committed, the callback takes the first of them that fit its answer (``take``):
they are marked as being sent in one small transaction shared by the callbacks taking
at that moment (with SQLite, where this process alone sends, they are only kept from
the dispatcher), and recorded as sent a few at a time afterwards.

Order per chat: rows are taken only when every unsent row of the chat is one the
engine wrote while the chat was held, so an answer never overtakes an earlier queued
message; such a chat's replies go by the dispatcher, after it. Crashes: a taken row is
"sending" until it is recorded as sent, so after a crash between the answer and the
record it goes again through the API, as every abandoned send does (with SQLite it
is still unsent); at least once, never lost. Rows not taken, or written after the
callback stopped waiting, are the dispatcher's: releasing a hold wakes it.

Other processes (PostgreSQL): their dispatchers know nothing of this process's holds, so
the store writes a held chat's rows due a little later (``store.outbox.HELD_FOR``); rows
the callback does not take are made due at once when it stops waiting (``due_now``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from c2cbot.clock import Clock, system_clock
from c2cbot.flows.messages import Outbound

log = logging.getLogger(__name__)

MARK_EVERY = 0.02  # seconds between writes that record answers in place as sent
MARK_RETRY_LONGEST = 5.0  # seconds, at most, between tries while the database fails

Chat = tuple[str, str]  # (channel, chat_id)
Fits = Callable[[list[Outbound]], int]  # how many of the messages, from the first, fit


class Unsent(Protocol):
    """An outbox row not yet sent: "pending", or "sending" (claimed or taken)."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...


Choose = Callable[[int, Sequence[Unsent]], list[int]]


class HeldOutbox(Protocol):
    """What taking and answering need of the outbox (``store.outbox.SqlOutbox``)."""

    async def take(self, wanted: Sequence[tuple[Chat, int]], choose: Choose, now: datetime) -> None:
        """For each wanted chat its first unsent rows (at most the number given); the ids
        ``choose`` returns for the n-th are marked as being sent, all in one transaction."""

    async def answered_in_place(
        self, message_ids: list[int], now: datetime, *, more_waiting: bool
    ) -> None:
        """Taken messages went out in answers; ``more_waiting``: others wait behind them."""

    async def due_now(self, chats: Sequence[Chat], now: datetime) -> None:
        """Rows written for these chats' callbacks, not taken, go now."""


@dataclass
class Hold:
    """A chat whose callback waits to answer; ``ours``: rows the engine wrote meanwhile."""

    chat: Chat
    ours: int = 0
    taken: int = 0
    skipped: bool = False  # the dispatcher left rows of the chat for the callback
    shared: bool = False  # two callbacks of one chat wait: whose rows are whose is unknown
    delayed: bool = False  # its rows were written due later (other processes send too)


@dataclass(frozen=True)
class Taken:
    """The rows a callback answers with, in order; ``more``: others of its wait behind."""

    ids: list[int]
    messages: list[Outbound]
    more: bool


@dataclass
class _Wanted:
    hold: Hold
    fits: Fits
    outcome: asyncio.Future[Taken | None]
    taken: Taken | None = None


@dataclass
class _Answers:
    """Taken rows answered but not yet recorded as sent, per chat."""

    ids: dict[Chat, list[int]] = field(default_factory=dict)
    more_waiting: bool = False


class InPlaceReplies:
    """Lets waiting callbacks answer with the first rows of their chat, in order."""

    def __init__(
        self, outbox: HeldOutbox, wake: Callable[[], None], clock: Clock = system_clock
    ) -> None:
        self._outbox, self._wake, self._clock = outbox, wake, clock
        self._holds: dict[Chat, list[Hold]] = {}
        self._wanted: list[_Wanted] = []
        self._answers = _Answers()
        self._tasks: set[asyncio.Task[None]] = set()
        self._taker: asyncio.Task[None] | None = None
        self._marker: asyncio.Task[None] | None = None

    @contextmanager
    def holding(self, channel: str, chat_id: str) -> Iterator[Hold]:
        """Hold the chat while its callback waits; on leaving, what was not taken is the
        dispatcher's again."""
        hold = Hold((channel, chat_id))
        holds = self._holds.setdefault(hold.chat, [])
        holds.append(hold)
        if len(holds) > 1:  # rare: the person wrote again before the first was answered
            for each in holds:
                each.shared = True
        try:
            yield hold
        finally:
            holds = self._holds[hold.chat]
            holds.remove(hold)
            if not holds:
                del self._holds[hold.chat]
            if hold.delayed and hold.taken < hold.ours:
                self._due_now([hold.chat])
            elif hold.skipped or hold.taken < hold.ours:
                self._wake()

    def is_held(self, channel: str, chat_id: str) -> bool:
        """For the store: a callback waits to answer with this chat's rows."""
        return (channel, chat_id) in self._holds

    def held_back(self, channel: str, chat_id: str) -> bool:
        """For the dispatcher: leave this chat's rows to the callback that waits for them,
        and, until they are recorded as sent, to the answer that took them."""
        chat = (channel, chat_id)
        holds = self._holds.get(chat)
        if holds:
            holds[-1].skipped = True
        if chat in self._answers.ids:
            self._answers.more_waiting = True  # the dispatcher comes back once recorded
            return True
        return bool(holds)

    def enqueued(self, counts: Mapping[Chat, int], delayed: Collection[Chat] = ()) -> None:
        """After a commit: rows written per chat, and the chats whose rows were written due
        later. Rows of held chats wait for their callback; any other row wakes the
        dispatcher, and is made due now if its callback stopped waiting meanwhile."""
        others, late = False, []
        for chat, count in counts.items():
            holds = self._holds.get(chat)
            if holds:
                holds[-1].ours += count
                holds[-1].delayed |= chat in delayed
            elif chat in delayed:
                late.append(chat)
            else:
                others = True
        if late:
            self._due_now(late)
        elif others:
            self._wake()

    def _due_now(self, chats: list[Chat]) -> None:
        self._in_background(self._make_due(chats))

    async def _make_due(self, chats: list[Chat]) -> None:
        try:
            await self._outbox.due_now(chats, self._clock())
        except Exception:  # they go when their delay ends
            log.exception("could not make %d chats' replies due now", len(chats))
        self._wake()

    async def take(self, hold: Hold, fits: Fits) -> Taken | None:
        """The first rows of the held chat that fit one answer, marked as being sent;
        ``None`` if there are none to take (nothing written, or an earlier row waits)."""
        if hold.ours == 0 or hold.shared:
            return None
        wanted = _Wanted(hold, fits, asyncio.get_running_loop().create_future())
        self._wanted.append(wanted)
        if self._taker is None or self._taker.done():
            self._taker = self._in_background(self._take_waiting())
        return await wanted.outcome

    async def _take_waiting(self) -> None:
        """Everything callbacks want at this moment, in one transaction."""
        while self._wanted:
            batch, self._wanted = self._wanted, []
            try:
                await self._take(batch)
            except Exception as error:  # nothing was taken: the dispatcher sends them
                log.exception("could not take %d replies for answers in place", len(batch))
                for wanted in batch:
                    if not wanted.outcome.done():
                        wanted.outcome.set_exception(error)
                continue
            for wanted in batch:
                self._taken(wanted)

    async def _take(self, batch: list[_Wanted]) -> None:
        def choose(n: int, rows: Sequence[Unsent]) -> list[int]:
            taken = batch[n].taken = self._chosen(batch[n], rows)
            return taken.ids if taken else []

        limits = [(w.hold.chat, self._unmarked(w.hold.chat) + w.hold.ours + 1) for w in batch]
        await self._outbox.take(limits, choose, self._clock())

    def _chosen(self, wanted: _Wanted, rows: Sequence[Unsent]) -> Taken | None:
        """Only when every unsent row of the chat is the engine's reply to this callback."""
        answered = set(self._answers.ids.get(wanted.hold.chat, ()))
        ours = [row for row in rows if row.id not in answered]
        if len(ours) != wanted.hold.ours or any(row.status != "pending" for row in ours):
            return None
        messages = [Outbound.from_json(row.payload) for row in ours]
        fitting = wanted.fits(messages)
        if not fitting:
            return None
        ids = [row.id for row in ours[:fitting]]
        return Taken(ids, messages[:fitting], more=fitting < len(ours))

    def _unmarked(self, chat: Chat) -> int:
        return len(self._answers.ids.get(chat, ()))

    def _taken(self, wanted: _Wanted) -> None:
        """The callback answers with what it took: recorded as sent, with others, shortly."""
        taken, chat = wanted.taken, wanted.hold.chat
        wanted.hold.taken = len(taken.ids) if taken else 0
        if not wanted.outcome.done():
            wanted.outcome.set_result(taken)
        if taken is None:
            return
        self._answers.ids.setdefault(chat, []).extend(taken.ids)
        self._answers.more_waiting |= taken.more
        if self._marker is None or self._marker.done():
            self._marker = self._in_background(self._marking())

    async def _marking(self) -> None:
        pause = MARK_EVERY
        answers = self._answers
        while answers.ids:
            await asyncio.sleep(pause)
            marked = {chat: list(ids) for chat, ids in answers.ids.items()}
            ids = [message_id for chat in marked.values() for message_id in chat]
            more, answers.more_waiting = answers.more_waiting, False
            try:
                await self._outbox.answered_in_place(ids, self._clock(), more_waiting=more)
            except Exception:
                log.exception("could not record %d answers in place; trying again", len(ids))
                answers.more_waiting |= more
                pause = min(MARK_RETRY_LONGEST, pause * 2)
                continue
            pause = MARK_EVERY
            for chat, recorded in marked.items():  # more may have come meanwhile
                left = answers.ids[chat][len(recorded) :]
                answers.ids[chat] = left
                if not left:
                    del answers.ids[chat]

    async def idle(self) -> None:
        """Wait until every take is done and every answer is recorded as sent."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
