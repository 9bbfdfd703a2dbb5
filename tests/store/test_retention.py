"""Old technical records are removed in small batches; what is still needed stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.scheduling.retention import prune_records
from c2cbot.store.database import Database
from c2cbot.store.guard_models import Attempt
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    InboundMessage,
    JournalEntry,
    Membership,
    OutboxMessage,
    Partnership,
    Stakeholder,
)
from c2cbot.store.retention import BATCH, Retention

NOW = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=120)
RECENT = NOW - timedelta(days=2)
MANY = 5 * BATCH + 17  # several batches, the last one short


async def _count(database: Database, model: type) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _outbox(chat: str, status: str, at: datetime) -> dict[str, object]:
    return {
        "channel": "web",
        "chat_id": chat,
        "payload": {"text": "x"},
        "status": status,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


async def test_a_large_table_is_pruned_in_batches_and_recent_rows_stay(
    database: Database,
) -> None:
    async with database.transaction() as session:
        old = [{"channel": "web", "dedupe_key": f"o{n}", "received_at": OLD} for n in range(MANY)]
        new = [{"channel": "web", "dedupe_key": f"n{n}", "received_at": RECENT} for n in range(9)]
        await session.execute(insert(InboundMessage), old + new)
        await session.execute(
            insert(Attempt),
            [{"kind": "invite", "subject": "h", "at": at} for at in (OLD, RECENT)],
        )
        await session.execute(
            insert(JournalEntry),
            [{"channel": "web", "dedupe_key": "j", "inbound": {}, "received_at": OLD}],
        )
        rows = [_outbox("c4", "pending", OLD)]  # unsent, and not its chat's newest row
        rows += [_outbox(f"c{n % 40}", "sent", OLD) for n in range(2 * BATCH)]
        rows += [_outbox("c1", "pending", OLD), _outbox("c2", "dead", OLD)]
        rows += [_outbox("c3", "sent", RECENT)]
        await session.execute(insert(OutboxMessage), rows)

    removed = await prune_records(
        database,
        texts=object(),
        now=NOW,
        retention=Retention(30, 90),  # type: ignore[arg-type]
    )

    assert await _count(database, InboundMessage) == 9
    assert await _count(database, JournalEntry) == 0
    assert await _count(database, Attempt) == 1  # the recent wrong code still counts
    async with database.sessions() as session:
        left = (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.status))).all()
    kept = sorted(left)
    # Unsent rows, recent rows and each chat's newest row stay; the rest goes.
    assert {("c1", "pending"), ("c2", "dead"), ("c3", "sent"), ("c4", "pending")} <= set(kept)
    assert len({chat for chat, _ in kept}) == 40 and len(kept) == 41  # newest per chat, c4
    assert removed == MANY + 1 + 1 + (2 * BATCH + 4 - 41)


async def _person(
    session: AsyncSession, name: str | None, *, seen: datetime | None, created: datetime = OLD
) -> int:
    person = Stakeholder(name=name, language="en", created_at=created)
    session.add(person)
    await session.flush()
    if seen is not None:
        session.add(
            ChannelIdentity(
                channel="web",
                external_id=f"x{person.id}",
                chat_id=f"x{person.id}",
                stakeholder_id=person.id,
                created_at=created,
                last_seen_at=seen,
            )
        )
    return person.id


async def _people(database: Database) -> dict[int, tuple[str | None, int]]:
    """Each person left: their name and how many channels reach them."""
    channels = (
        select(func.count())
        .where(ChannelIdentity.stakeholder_id == Stakeholder.id)
        .scalar_subquery()
    )
    async with database.sessions() as session:
        rows = await session.execute(select(Stakeholder.id, Stakeholder.name, channels))
    return {row[0]: (row[1], row[2]) for row in rows}


async def test_silent_members_are_erased_and_strangers_removed(database: Database) -> None:
    long_ago = NOW - timedelta(days=800)
    async with database.transaction() as session:
        partnership = Partnership(
            name="P", loop="plan", step="aim", created_at=long_ago, key="p-retention"
        )
        session.add(partnership)
        await session.flush()
        silent = await _person(session, "Silent Member", seen=long_ago, created=long_ago)
        active = await _person(session, "Active Member", seen=RECENT, created=long_ago)
        added = await _person(session, "Never Wrote", seen=None, created=long_ago)
        stranger = await _person(session, None, seen=OLD)  # opened the chat, never joined
        newcomer = await _person(session, None, seen=RECENT)  # still onboarding
        for member in (silent, active, added):
            session.add(
                Membership(
                    partnership_id=partnership.id,
                    stakeholder_id=member,
                    role="member",
                    joined_at=long_ago,
                )
            )
        session.add(
            Answer(
                stakeholder_id=silent,
                partnership_id=partnership.id,
                conversation="aim",
                step="aim",
                question="goal",
                value={"text": "cleaner air"},
                display="cleaner air",
                language="en",
                channel="web",
                answered_at=long_ago,
            )
        )

    await prune_records(
        database,
        texts=object(),
        now=NOW,
        retention=Retention(30, 90, 730),  # type: ignore[arg-type]
    )

    people = await _people(database)
    assert stranger not in people and newcomer in people  # strangers go after 30 days
    assert people[active] == ("Active Member", 1)  # heard from two days ago
    assert people[silent] == (None, 0)  # erased; its answer is still there, nameless
    assert added not in people  # never wrote, nothing shared: erased, then nothing left
    async with database.sessions() as session:
        assert await session.scalar(select(Answer.stakeholder_id)) == silent

    # A second run finds nothing more to do: the erased row holds the shared answer.
    await prune_records(
        database,
        texts=object(),
        now=NOW,
        retention=Retention(30, 90, 730),  # type: ignore[arg-type]
    )
    assert await _people(database) == people
