"""The SQL every inbound message runs, as Core statements built once.

Only the ledger's parts run them (``Tx.core``), and only for rows no ORM object of the
same transaction changes. When to use these instead of the ORM is written in one place:
the ``c2cbot.store`` package docstring (``store/__init__.py``).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, func, select, text, true, update

from c2cbot.store.database import dialect_insert
from c2cbot.store.held_writes import HeldWrite
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    ConversationState,
    InboundMessage,
    Membership,
    OutboxMessage,
    Stakeholder,
)

SEEN_EVERY = timedelta(minutes=10)
#: The first half of every sender's two-part lock key (``IN_TURN``); the second half is
#: the sender's. Apart from the outbox claimants' first half and the scheduler's key.
SENDERS = zlib.crc32(b"c2cbot.inbound.senders") & 0x7FFFFFFF

# PostgreSQL: each sender's transaction lock, taken in the order of ``sender_keys``.
IN_TURN = text(
    "SELECT count(pg_advisory_xact_lock(:people, k)) FROM ("
    "SELECT k FROM unnest(CAST(:senders AS integer[])) WITH ORDINALITY AS s(k, n) ORDER BY n"
    ") AS ordered"
).bindparams(people=SENDERS)


def sender_keys(senders: Sequence[tuple[str, str]]) -> list[int]:
    """The senders' lock keys, each once, in ascending order: two batches that share a
    sender lock them in the same order, so neither holds one the other waits for first.
    Two senders may share a key (a 32-bit hash): then they only wait for each other."""
    return sorted({zlib.crc32(f"{c}:{s}".encode()) - 2**31 for c, s in senders})


_inbound = cast(Table, InboundMessage.__table__)
_identities = cast(Table, ChannelIdentity.__table__)
_states = cast(Table, ConversationState.__table__)


def _claim(dialect: str) -> Executable:
    statement: Executable = (
        dialect_insert(dialect, _inbound)
        .values(
            channel=bindparam("channel"),
            dedupe_key=bindparam("dedupe_key"),
            received_at=bindparam("now"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
        .returning(_inbound.c.id)
    )
    return statement


CLAIM = {dialect: _claim(dialect) for dialect in ("postgresql", "sqlite")}

_latest_membership = (
    select(Membership.id)
    .where(Membership.stakeholder_id == Stakeholder.id)
    .order_by(Membership.joined_at.desc(), Membership.id.desc())
    .limit(1)
    .correlate(Stakeholder)
    .scalar_subquery()
)
_chosen_membership = (
    select(Membership.id)
    .where(
        Membership.stakeholder_id == Stakeholder.id,
        Membership.partnership_id == Stakeholder.active_partnership_id,
    )
    .limit(1)
    .correlate(Stakeholder)
    .scalar_subquery()
)
# The partnership a person chose with /partnership, else the one they joined last. (SQLite
# cannot read the outer row in a subquery's ORDER BY here, hence two lookups.)
_current_membership = func.coalesce(_chosen_membership, _latest_membership)

KNOWN = (
    select(
        ChannelIdentity.id,
        ChannelIdentity.chat_id,
        ChannelIdentity.active,
        ChannelIdentity.last_seen_at,
        Stakeholder.id.label("stakeholder_id"),
        Stakeholder.language,
        Stakeholder.name,
        Membership.partnership_id,
        Membership.role,
    )
    .join(Stakeholder, Stakeholder.id == ChannelIdentity.stakeholder_id)
    .outerjoin(Membership, Membership.id == _current_membership)
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
    )
)

_outbox = cast(Table, OutboxMessage.__table__)
LAST_PAYLOAD = (
    select(_outbox.c.payload)
    .where(_outbox.c.channel == bindparam("channel"), _outbox.c.chat_id == bindparam("chat_id"))
    .order_by(_outbox.c.id.desc())
    .limit(1)
)

# PostgreSQL: the claim, the sender's lookup, their conversation state (locked, as
# LOAD_STATE locks it) and the chat's newest outbox payload (LAST_PAYLOAD) in one round
# trip. No row: a duplicate; else the claim's id, the sender's KNOWN columns (all None
# for someone new), the state's (None for no state) and the payload (None for none).
_claimed = CLAIM["postgresql"].cte("claimed")  # type: ignore[attr-defined]
_known = KNOWN.subquery("known")
_known_state = (
    select(_states.c.data.label("state_data"), _states.c.version.label("state_version"))
    .where(_states.c.stakeholder_id == _known.c.stakeholder_id)
    .with_for_update()
    .lateral("known_state")
)
_last_payload = LAST_PAYLOAD.with_only_columns(_outbox.c.payload.label("last_payload")).lateral(
    "last_payload"
)
CLAIM_AND_KNOWN = select(
    _claimed.c.id.label("inbound_id"), _known, _known_state, _last_payload
).select_from(
    _claimed.outerjoin(_known, true())
    .outerjoin(_known_state, true())
    .outerjoin(_last_payload, true())
)

SEEN = (
    update(_identities)
    .where(_identities.c.id == bindparam("identity_id"))
    .values(last_seen_at=bindparam("now"), chat_id=bindparam("new_chat_id"), active=True)
)

LOAD_STATE = (
    select(_states.c.data, _states.c.version)
    .where(_states.c.stakeholder_id == bindparam("stakeholder_id"))
    .with_for_update()
)

_answers = cast(Table, Answer.__table__)


def answer_write(row: dict[str, Any]) -> HeldWrite:
    """The answer row, for ``Tx.write``."""
    return HeldWrite(_answers, (row,))


def state_write(
    person: int, partnership_id: int | None, data: dict[str, Any], version: int, now: datetime
) -> HeldWrite:
    """A person's conversation state: a new row for version 0, else the row updated."""
    row = {
        "stakeholder_id": person,
        "partnership_id": partnership_id,
        "data": data,
        "version": version,
        "updated_at": now,
    }
    return HeldWrite(_states, (row,), key=None if version == 0 else "stakeholder_id")


def outbox_write(rows: list[dict[str, Any]]) -> HeldWrite:
    """A chat's new outbox rows: one goes with the writes held, several alone."""
    return HeldWrite(_outbox, tuple(rows))


def needs_seen(row: Any, chat_id: str, now: datetime) -> bool:
    """Note that a person wrote at most every few minutes, to spare a write per message."""
    return bool(row.chat_id != chat_id or not row.active or row.last_seen_at < now - SEEN_EVERY)
