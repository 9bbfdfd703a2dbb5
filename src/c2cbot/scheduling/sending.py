"""Sending due prompts: every message is written to the outbox in the transaction that
marks its prompt sent, so a crash in the middle of a fan-out loses none and doubles none.

Prompts are claimed in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). The outbox
dispatcher and each channel's rate limits pace the actual sending; this only decides,
for each prompt, whether it goes out now, waits for a better moment, or cannot go.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from c2cbot.flows.texts import Texts
from c2cbot.scheduling.calendars import Calendars
from c2cbot.scheduling.prompt_texts import compose
from c2cbot.store import prompt_reads, prompts
from c2cbot.store.database import Database
from c2cbot.store.planning_snapshot import Person
from c2cbot.store.prompt_reads import Lookup
from c2cbot.store.prompts import ANSWERABLE, Letter, PromptRow

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one batch does: letters to post and the prompts' new statuses."""

    letters: list[Letter] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    later: dict[int, datetime] = field(default_factory=dict)


async def send_due(
    database: Database,
    texts: Texts,
    now: datetime,
    *,
    limit: int | None = None,
    batch: int = prompts.BATCH,
) -> int:
    """Send every prompt due by ``now`` (at most ``limit``); how many messages were posted."""
    calendars, handled, posted = Calendars(), 0, 0
    while limit is None or handled < limit:
        size = batch if limit is None else min(batch, limit - handled)
        claimed, letters = await _send_batch(database, texts, now, calendars, size)
        handled, posted = handled + claimed, posted + letters
        if claimed < size:
            break
    return posted


async def _send_batch(
    database: Database, texts: Texts, now: datetime, calendars: Calendars, size: int
) -> tuple[int, int]:
    """One transaction: claim, render, post, mark. Returns (claimed, posted)."""
    async with database.transaction() as session:
        rows = await prompts.claim_due(session, now, size)
        if not rows:
            return 0, 0
        lookup = await prompt_reads.look_up(session, rows)
        outcome = sort_out(rows, lookup, calendars, texts, now)
        await prompts.post(session, outcome.letters, now)
        await prompts.settle(
            session,
            now,
            sent=outcome.sent,
            notified=outcome.notified,
            unreachable=outcome.unreachable,
            closed=outcome.closed,
            failed=outcome.failed,
            later=outcome.later,
        )
    if outcome.letters:
        database.notify_committed()
    return len(rows), len(outcome.letters)


def sort_out(
    rows: Sequence[PromptRow], lookup: Lookup, calendars: Calendars, texts: Texts, now: datetime
) -> Outcome:
    """Decide each prompt of a batch; pure, so a fan-out's rules are tested without a clock."""
    outcome = Outcome()
    for row in rows:
        _sort_one(row, lookup, calendars, texts, now, outcome)
    return outcome


def _sort_one(
    row: PromptRow,
    lookup: Lookup,
    calendars: Calendars,
    texts: Texts,
    now: datetime,
    outcome: Outcome,
) -> None:
    person = lookup.people.get(row.stakeholder_id)
    if person is None:  # deleted meanwhile; the cascade removes the prompt too
        outcome.closed.append(row.id)
        return
    calendar = calendars.personal(person, lookup.teams.get(row.partnership_id))
    if calendar is not None and not calendars.deliverable(calendar, now):
        outcome.later[row.id] = calendar.next_slot(now)  # quiet hours, weekend, leave
        return
    _write(row, person, lookup, texts, outcome)


def _write(row: PromptRow, person: Person, lookup: Lookup, texts: Texts, outcome: Outcome) -> None:
    """The prompt's message to the person's channel, or why there is none."""
    try:
        message = compose(row, lookup, person.language, texts)
    except Exception:  # one broken prompt must not hold up the round (or retry forever)
        log.exception("prompt %s cannot be rendered; it is marked failed", row.id)
        outcome.failed.append(row.id)
        return
    identity = lookup.identities.get(person.id)
    if message is None:
        outcome.closed.append(row.id)
    elif identity is None:
        outcome.unreachable.append(row.id)
    else:
        outcome.letters.append(Letter(identity, person.id, message.to_json()))
        (outcome.sent if row.kind in ANSWERABLE else outcome.notified).append(row.id)
