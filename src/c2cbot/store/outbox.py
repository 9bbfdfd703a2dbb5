"""The outbox queue in SQL: what is due, in order per chat, claimed so nothing goes twice.

On PostgreSQL rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several instances
can share the work, each claimed row naming its claimant (``store/claimants.py``); a row
stuck in "sending" goes back to the queue as soon as its claimant is seen to be gone, or
after a lease. The live claimants split the chats among themselves (``senders.Part``): a chat's
messages all go through one process, so its per-chat rate limits hold whichever process
wrote them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, func, select, tuple_, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.ext.asyncio import AsyncConnection

from c2cbot.store.claimants import gone
from c2cbot.store.database import Database
from c2cbot.store.models import ChannelIdentity, GroupChat, OutboxMessage
from c2cbot.store.senders import Senders

log = logging.getLogger(__name__)

_outbox = cast(Table, OutboxMessage.__table__)
_EXPIRED = (
    update(_outbox)
    .where(_outbox.c.status == "sending", _outbox.c.next_attempt_at < bindparam("expired"))
    .values(status="pending")
)
_HEADS = (
    select(func.min(_outbox.c.id))
    .where(_outbox.c.status.in_(("pending", "sending")))
    .group_by(_outbox.c.channel, _outbox.c.chat_id)
)
_DUE = (
    select(
        _outbox.c.id, _outbox.c.channel, _outbox.c.chat_id, _outbox.c.payload, _outbox.c.attempts
    )
    .where(
        _outbox.c.id.in_(_HEADS),
        _outbox.c.status == "pending",
        _outbox.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(_outbox.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
# A chat's place among the senders: the first 32 bits of the MD5 of "channel:chat",
# modulo how many there are; the same on every process and machine, and in Python
# (``senders.chat_hash``), so a process knows which chats are another's.
_CHAT_HASH = sql_cast(
    sql_cast(
        func.concat("x", func.substr(func.md5(_outbox.c.channel + ":" + _outbox.c.chat_id), 1, 8)),
        BIT(32),
    ),
    BigInteger,
)
_DUE_IN_PART = _DUE.where(_CHAT_HASH % bindparam("senders") == bindparam("place"))
_SENDING = (
    update(_outbox)
    .where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="sending", next_attempt_at=bindparam("now"), claimed_by=bindparam("claimant"))
)
_CLAIMANTS = (
    select(_outbox.c.claimed_by)
    .where(_outbox.c.status == "sending", _outbox.c.claimed_by.is_not(None))
    .distinct()
)
_GONE = (
    update(_outbox)
    .where(
        _outbox.c.status == "sending",
        _outbox.c.claimed_by.in_(bindparam("gone", expanding=True)),
    )
    .values(status="pending", claimed_by=None)
)
_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("message_id"))
    .values(
        status="sent",
        sent_at=bindparam("now"),
        external_message_id=bindparam("external_id"),
        error=None,
    )
)

# A chat's first unsent messages, for a callback that answers with them (WeChat's passive
# reply); locked on PostgreSQL, so no dispatcher of another instance claims them meanwhile.
_FIRST_UNSENT = (
    select(_outbox.c.id, _outbox.c.status, _outbox.c.payload)
    .where(
        _outbox.c.channel == bindparam("channel"),
        _outbox.c.chat_id == bindparam("chat_id"),
        _outbox.c.status.in_(("pending", "sending")),
    )
    .order_by(_outbox.c.id)
    .limit(bindparam("limit"))
    .with_for_update()
)

#: How much later than written a reply is due while its chat's callback waits to answer
#: with it (PostgreSQL): no other process's dispatcher claims it meanwhile. The callback
#: takes it, or makes it due at once when it stops waiting (``due_now``); this delay
#: only matters if that process dies first.
HELD_FOR = timedelta(seconds=10)

# A message left "sending" by a crashed instance goes back to the queue after this long.
# Long, because a live instance may hold a message this long in a channel's rate limiter;
# this process's own abandoned messages are recovered at start (recover_abandoned).
LEASE = timedelta(minutes=10)
# How often a claim also looks for expired leases: a round trip saved on nearly every
# claim, at the cost of an expired message waiting this much longer than its lease.
SWEEP_EVERY = timedelta(seconds=30)


def outbox_row(
    channel: str,
    chat_id: str,
    stakeholder_id: int | None,
    payload: dict[str, Any],
    now: datetime,
    status: str = "pending",
    due: datetime | None = None,
) -> dict[str, Any]:
    """A row for the outbox, due at ``now`` by the bot's clock (or ``due``, later).

    Every writer of the outbox builds its rows here: a row stamped by another clock
    would be due in the bot's past or future, sent early or never.
    """
    return {
        "channel": channel,
        "chat_id": chat_id,
        "stakeholder_id": stakeholder_id,
        "payload": payload,
        "status": status,
        "attempts": 0,
        "next_attempt_at": due or now,
        "created_at": now,
    }


@dataclass(frozen=True)
class Unsent:
    """A message not yet sent: "pending", or "sending" (claimed or taken)."""

    id: int
    status: str
    payload: dict[str, Any]


HeldBack = Callable[[str, str], bool]  # (channel, chat_id) → leave the chat's messages alone
Choose = Callable[[int, Sequence[Unsent]], list[int]]


@dataclass(frozen=True)
class Due:
    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int


class SqlOutbox:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.senders = Senders(database)
        self._swept_at: datetime | None = None

    async def close(self) -> None:
        """Give up the claimant lock: what this process still has "sending" may go again."""
        await self.senders.close()

    async def claim_due(
        self, now: datetime, limit: int = 200, held_back: HeldBack | None = None
    ) -> list[Due]:
        """The oldest unsent message of each chat whose turn has come, marked as sending;
        none of a chat ``held_back`` names (a callback waits to answer with them)."""
        claimant = await self.senders.claimant()
        async with self.database.transaction() as session:
            connection = await session.connection()
            await self._sweep_expired(connection, now)
            rows = (await connection.execute(*self._due_query(now, limit))).all()
            if held_back is not None:
                rows = [row for row in rows if not held_back(row.channel, row.chat_id)]
            if rows:
                marking = {"ids": [row.id for row in rows], "now": now, "claimant": claimant}
                await connection.execute(_SENDING, marking)
            return [await self._due(connection, row) for row in rows]

    async def _sweep_expired(self, connection: AsyncConnection, now: datetime) -> None:
        """Expired leases back to the queue, at most every ``SWEEP_EVERY`` of the bot's clock
        (a clock moved back sweeps at once)."""
        if self._swept_at is not None and self._swept_at <= now < self._swept_at + SWEEP_EVERY:
            return
        await connection.execute(_EXPIRED, {"expired": now - LEASE})
        self._swept_at = now

    def _due_query(self, now: datetime, limit: int) -> tuple[Any, dict[str, Any]]:
        """The due heads of this process's chats (every chat's, alone)."""
        parameters: dict[str, Any] = {"now": now, "limit": limit}
        part = self.senders.part
        if part.senders == 1:
            return _DUE, parameters
        return _DUE_IN_PART, {**parameters, "senders": part.senders, "place": part.place}

    async def _due(self, connection: AsyncConnection, row: Any) -> Due:
        """A claimed message; an update of the last question learns which message to edit."""
        payload = dict(row.payload)
        extra = dict(payload.get("extra") or {})
        if extra.pop("update", False):
            previous = await self._last_sent(connection, row)
            extra.update({"edit": previous} if previous else {})
            payload["extra"] = extra
        return Due(row.id, row.channel, row.chat_id, payload, row.attempts)

    async def _last_sent(self, connection: AsyncConnection, row: Any) -> str | None:
        query = (
            select(OutboxMessage.external_message_id)
            .where(
                OutboxMessage.channel == row.channel,
                OutboxMessage.chat_id == row.chat_id,
                OutboxMessage.status == "sent",
                OutboxMessage.external_message_id.is_not(None),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        return (await connection.execute(query)).scalar_one_or_none()

    async def unreachable(self, channel: str, chat_id: str) -> None:
        """The channel says this chat cannot be reached (blocked, kicked): stop trying it."""
        async with self.database.transaction() as session:
            await session.execute(
                update(ChannelIdentity)
                .where(ChannelIdentity.channel == channel, ChannelIdentity.chat_id == chat_id)
                .values(active=False)
            )
            await session.execute(
                update(GroupChat)
                .where(GroupChat.channel == channel, GroupChat.chat_id == chat_id)
                .values(active=False)
            )

    async def reroute(self, message_id: int, reason: str, now: datetime) -> bool:
        """Queue the message once on its person's next channel (``store/rerouting.py``)."""
        from c2cbot.store.rerouting import reroute  # it builds its row with outbox_row

        async with self.database.transaction() as session:
            return await reroute(session, message_id, reason, now)

    async def recover_abandoned(self, now: datetime) -> None:
        """At start: messages a killed process was sending go back to the queue.

        With SQLite only this process sends, so everything "sending" is abandoned; with
        PostgreSQL other instances may be mid-send, so only rows past the lease are.
        """
        cutoff = now if self.database.is_sqlite else now - LEASE
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= cutoff)
                .values(status="pending")
            )
        await self.recover_from_gone()

    async def recover_from_gone(self) -> int:
        """PostgreSQL: messages whose claimant is gone (killed, its connection broken) go
        back to the queue now; how many. Cheap enough to run every few seconds."""
        if self.database.is_sqlite:
            return 0
        mine = await self.senders.claimant()
        async with self.database.transaction() as session:
            connection = await session.connection()
            keys = [k for k in (await connection.execute(_CLAIMANTS)).scalars() if k != mine]
            dead = await gone(connection, keys) if keys else []
            if not dead:
                return 0
            result = await connection.execute(_GONE, {"gone": dead})
        return int(result.rowcount)

    async def take(
        self, wanted: Sequence[tuple[tuple[str, str], int]], choose: Choose, now: datetime
    ) -> None:
        """For the n-th (channel, chat) its first ``limit`` unsent messages; those whose ids
        ``choose(n, rows)`` returns are taken for a callback's answer.

        On PostgreSQL they are marked as being sent, in one transaction for all, so no
        instance claims them. With SQLite this process alone sends: reading is enough, the
        caller keeps its dispatcher off them until they are recorded as sent, and after a
        crash they are still unsent, so they go again through the API.
        """
        if self.database.is_sqlite:
            async with self.database.sessions() as session:
                await self._choose(await session.connection(), wanted, choose)
            return
        claimant = await self.senders.claimant()
        async with self.database.transaction(urgent=True) as session:
            connection = await session.connection()
            taken = await self._choose(connection, wanted, choose)
            if taken:
                marking = {"ids": taken, "now": now, "claimant": claimant}
                await connection.execute(_SENDING, marking)

    async def _choose(
        self,
        connection: AsyncConnection,
        wanted: Sequence[tuple[tuple[str, str], int]],
        choose: Choose,
    ) -> list[int]:
        taken: list[int] = []
        for n, ((channel, chat_id), limit) in enumerate(wanted):
            parameters = {"channel": channel, "chat_id": chat_id, "limit": limit}
            rows = (await connection.execute(_FIRST_UNSENT, parameters)).all()
            taken += choose(n, [Unsent(r.id, r.status, dict(r.payload)) for r in rows])
        return taken

    async def due_now(self, chats: Sequence[tuple[str, str]], now: datetime) -> None:
        """Replies written for callbacks that stopped waiting go now, by any dispatcher
        (first attempts only: a retry keeps its backoff)."""
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    tuple_(OutboxMessage.channel, OutboxMessage.chat_id).in_(chats),
                    OutboxMessage.status == "pending",
                    OutboxMessage.attempts == 0,
                    OutboxMessage.next_attempt_at > now,
                )
                .values(next_attempt_at=now)
            )
        self.senders.wake_others(chats)

    async def answered_in_place(
        self, message_ids: list[int], now: datetime, *, more_waiting: bool
    ) -> None:
        """Messages a callback took and answered with are sent; the chats' next ones may go.

        Waking the dispatcher costs a claim; without ``more_waiting`` it is left to the
        next commit that enqueues, or to its idle poll.
        """
        await self.sent_many([(message_id, None) for message_id in message_ids], now)
        if more_waiting:
            self.database.notify_committed()

    async def sent_many(self, marks: list[tuple[int, str | None]], now: datetime) -> None:
        """Mark many messages sent in one transaction (the dispatcher batches its marks)."""
        rows = [{"message_id": i, "now": now, "external_id": e} for i, e in marks]
        async with self.database.transaction() as session:
            await (await session.connection()).execute(_SENT, rows)

    async def retry(self, message_id: int, attempts: int, at: datetime, error: str) -> None:
        await self._set(
            message_id, status="pending", attempts=attempts, next_attempt_at=at, error=error[:500]
        )

    async def dead(self, message_id: int, attempts: int, error: str) -> None:
        await self._set(message_id, status="dead", attempts=attempts, error=error[:500])

    async def _set(self, message_id: int, **values: Any) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
            )

    async def delivered(
        self, channel: str, chat_id: str, after: int, limit: int = 100
    ) -> list[tuple[int, dict[str, Any]]]:
        """Messages already sent to a chat after ``after``, oldest first (browser chat reads)."""
        query = (
            select(OutboxMessage.id, OutboxMessage.payload)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == "sent",
                OutboxMessage.id > after,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        async with self.database.sessions() as session:
            return [(i, dict(p)) for i, p in await session.execute(query)]

    async def dead_letters(self) -> list[OutboxMessage]:
        async with self.database.sessions() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == "dead")
                .order_by(OutboxMessage.id)
            )
            return list((await session.execute(query)).scalars())

    async def revive(self, message_ids: list[int] | None, now: datetime) -> int:
        """Put dead letters back in the queue (all of them when no ids are given)."""
        statement = update(OutboxMessage).where(OutboxMessage.status == "dead")
        if message_ids:
            statement = statement.where(OutboxMessage.id.in_(message_ids))
        async with self.database.transaction() as session:
            result = await session.execute(
                statement.values(status="pending", attempts=0, next_attempt_at=now)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
