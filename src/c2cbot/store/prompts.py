"""The prompt lifecycle in SQL: planned idempotently, claimed, handed to the outbox, settled.

``c2cbot.scheduling`` decides who is asked what and when; this module is where those decisions meet
the prompts table (what the jobs read besides is in ``prompt_reads``, the engine's side in
``prompt_answers``). Three rules hold everywhere:

* Planning is idempotent. A prompt is identified by (kind, stakeholder, subject, period)
  and inserted with ``ON CONFLICT DO NOTHING``, so a round planned twice, or a job that
  runs again after a crash, never asks anybody the same thing twice.
* A prompt's message is written to the outbox in the same transaction that marks the
  prompt "sent", so a crash loses no prompt and doubles none.
* Prompts are claimed by writing to them first (``UPDATE … WHERE id IN (SELECT … FOR
  UPDATE SKIP LOCKED) RETURNING …``): instances sharing PostgreSQL claim disjoint rows,
  and on SQLite the write takes the database's write lock before anything is read, so
  even a second process (``c2cbot jobs run``) cannot claim the same prompts.

Statuses: ``planned`` → ``sent`` → ``reminded`` → ``escalated`` while waiting for an
answer; ``answered`` or ``closed`` (the round closed: a later answer is stored as late)
when done; ``unreachable`` when the person has no active channel; ``notified`` for
notices (to coordinators) that expect no answer; ``failed`` when its message could not
be written (a bug or broken data, logged), so it does not block every later round.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Select, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.database import dialect_insert
from c2cbot.store.models import (
    OutboxMessage,
    Prompt,
    Stakeholder,
)
from c2cbot.store.outbox import outbox_row

#: The session the scheduler hands back to these functions; it never issues SQL itself.
Session: TypeAlias = AsyncSession

KPI = "kpi"
#: Prompts about an activity; each opens the progress conversation.
ACTIVITY_KINDS = ("progress", "due_week", "due_day", "overdue")
#: Prompts a person answers through a conversation.
ANSWERABLE = (KPI, *ACTIVITY_KINDS)
#: Messages to coordinators that expect no answer.
NOTICES = ("overdue_note", "escalation", "silent", "mou", "plan_review")

PLANNED, SENDING, SENT = "planned", "sending", "sent"
REMINDED, ESCALATED = "reminded", "escalated"
ANSWERED, CLOSED, NOTIFIED, UNREACHABLE = "answered", "closed", "notified", "unreachable"
FAILED = "failed"
#: Waiting for an answer (``planned`` ones have not been sent yet).
OPEN = (PLANNED, SENT, REMINDED, ESCALATED)
AWAITING = (SENT, REMINDED, ESCALATED)

BATCH = 500
_UNIQUE = ["kind", "stakeholder_id", "subject_id", "period_key"]


@dataclass(frozen=True)
class Planned:
    """A prompt the scheduler wants to exist; its unique key makes planning idempotent."""

    kind: str
    stakeholder_id: int
    partnership_id: int
    subject_id: int
    period_key: str
    due_at: datetime

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.kind, self.stakeholder_id, self.subject_id, self.period_key)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size``: statements stay below the drivers' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return dialect_insert(dialect, table)


async def insert_planned(session: AsyncSession, planned: Sequence[Planned], now: datetime) -> int:
    """Insert the prompts not planned before, in batches; how many were new."""
    unique = list({p.key: p for p in planned}.values())
    inserted = 0
    for chunk in chunks(unique, BATCH):
        statement = (
            _insert(session, Prompt)
            .values([_prompt_row(p, now) for p in chunk])
            .on_conflict_do_nothing(index_elements=_UNIQUE)
            .returning(Prompt.id)
        )
        inserted += len((await session.execute(statement)).all())
    return inserted


def _prompt_row(planned: Planned, now: datetime) -> dict[str, Any]:
    return {
        "kind": planned.kind,
        "stakeholder_id": planned.stakeholder_id,
        "partnership_id": planned.partnership_id,
        "subject_id": planned.subject_id,
        "period_key": planned.period_key,
        "due_at": planned.due_at,
        "status": PLANNED,
        "reminders": 0,
        "created_at": now,
    }


@dataclass(frozen=True)
class PromptRow:
    """A prompt as read for sending, reminding or closing."""

    id: int
    kind: str
    stakeholder_id: int
    partnership_id: int
    subject_id: int
    period_key: str
    due_at: datetime
    status: str
    sent_at: datetime | None
    reminders: int
    escalated_at: datetime | None


ROW_COLUMNS = (
    Prompt.id,
    Prompt.kind,
    Prompt.stakeholder_id,
    Prompt.partnership_id,
    Prompt.subject_id,
    Prompt.period_key,
    Prompt.due_at,
    Prompt.status,
    Prompt.sent_at,
    Prompt.reminders,
    Prompt.escalated_at,
)


async def read_rows(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> list[PromptRow]:
    return [PromptRow(*row) for row in await session.execute(query)]


async def open_answerable(session: AsyncSession) -> list[PromptRow]:
    """Every answerable prompt still open, for closing those a newer one supersedes."""
    query = select(*ROW_COLUMNS).where(Prompt.kind.in_(ANSWERABLE), Prompt.status.in_(OPEN))
    return await read_rows(session, query)


async def set_status(session: AsyncSession, ids: Sequence[int], status: str, **values: Any) -> None:
    for chunk in chunks(sorted(ids), BATCH):
        await session.execute(
            update(Prompt)
            .where(Prompt.id.in_(chunk))
            .values(status=status, **values)
            .execution_options(synchronize_session=False)
        )


async def reschedule(session: AsyncSession, due: dict[int, datetime]) -> None:
    """Move prompts that may not be sent now (quiet hours, a holiday) to a later slot."""
    if not due:
        return
    await session.execute(
        update(Prompt),
        [{"id": prompt_id, "due_at": at, "status": PLANNED} for prompt_id, at in due.items()],
    )


async def settle(
    session: AsyncSession,
    now: datetime,
    *,
    sent: Sequence[int] = (),
    notified: Sequence[int] = (),
    unreachable: Sequence[int] = (),
    closed: Sequence[int] = (),
    failed: Sequence[int] = (),
    later: dict[int, datetime] | None = None,
) -> None:
    """Record what became of a batch of claimed prompts, in the batch's transaction."""
    await set_status(session, sent, SENT, sent_at=now)
    await set_status(session, notified, NOTIFIED, sent_at=now)
    await set_status(session, unreachable, UNREACHABLE)
    await set_status(session, closed, CLOSED)
    await set_status(session, failed, FAILED)
    await reschedule(session, later or {})


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[PromptRow]:
    """Planned prompts whose time has come, oldest first, claimed for this transaction.

    People clearly on leave (``paused_until`` on or after tomorrow in UTC, so in every
    time zone) are left out, so their prompts wait without being rescheduled and go out
    as soon as they resume; leave ending around today is decided by their calendar.
    Claimed prompts are "sending" until ``settle`` gives each its outcome, in the same
    transaction: nobody else ever sees that status.
    """
    due = (
        select(Prompt.id)
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .where(
            Prompt.status == PLANNED,
            Prompt.due_at <= now,
            or_(Stakeholder.paused_until.is_(None), Stakeholder.paused_until <= now.date()),
        )
        .order_by(Prompt.due_at, Prompt.id)
        .limit(limit)
        .with_for_update(of=Prompt, skip_locked=True)
    )
    rows = await _claim(session, due, status=SENDING)
    return sorted(rows, key=lambda row: (row.due_at, row.id))


async def claim_awaiting(session: AsyncSession, after_id: int, limit: int) -> list[PromptRow]:
    """Sent prompts still waiting for an answer, and unreachable ones not yet reported."""
    waiting = (
        select(Prompt.id)
        .where(
            Prompt.id > after_id,
            Prompt.kind.in_(ANSWERABLE),
            or_(
                Prompt.status.in_((SENT, REMINDED)),
                and_(Prompt.status == UNREACHABLE, Prompt.escalated_at.is_(None)),
            ),
        )
        .order_by(Prompt.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await _claim(session, waiting, reminders=Prompt.reminders)  # a touch, to lock them
    return sorted(rows, key=lambda row: row.id)


async def _claim(session: AsyncSession, ids: Select[int], **values: Any) -> list[PromptRow]:
    """Lock the rows ``ids`` selects by writing to them first, and read them back.

    A write first, because SQLite's driver begins a transaction only at the first write:
    rows merely selected could be claimed by another process before this one writes.
    On PostgreSQL the ``SKIP LOCKED`` subquery lets instances claim disjoint rows.
    """
    statement = (
        update(Prompt)
        .where(Prompt.id.in_(ids.scalar_subquery()))
        .values(**values)
        .returning(*ROW_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows: list[Any] = list(await session.execute(statement))
    return [PromptRow(*row) for row in rows]


@dataclass(frozen=True)
class Identity:
    channel: str
    chat_id: str


@dataclass(frozen=True)
class Letter:
    """One outbox message: where it goes, to whom, and the rendered ``Outbound`` JSON."""

    identity: Identity
    stakeholder_id: int
    payload: dict[str, Any]


async def post(session: AsyncSession, letters: Sequence[Letter], now: datetime) -> None:
    """Add messages to the outbox; the caller's transaction decides whether they exist.

    One multi-row INSERT per batch rather than ORM objects: a round's fan-out writes
    thousands of rows (the rules: ``c2cbot.store``'s docstring).
    """
    if not letters:
        return
    await session.execute(
        insert(OutboxMessage),
        [
            outbox_row(
                letter.identity.channel,
                letter.identity.chat_id,
                letter.stakeholder_id,
                letter.payload,
                now,
            )
            for letter in letters
        ],
    )


async def mark_reminded(session: AsyncSession, ids: Sequence[int]) -> None:
    for chunk in chunks(sorted(ids), BATCH):
        await session.execute(
            update(Prompt)
            .where(Prompt.id.in_(chunk))
            .values(status=REMINDED, reminders=Prompt.reminders + 1)
        )
