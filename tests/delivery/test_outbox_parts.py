"""Several processes on one PostgreSQL split the chats and the overall send rates.

Each process that sends holds a claimant lock (``store/claimants.py``); the live ones,
in the order of their keys, each take the chats whose hash falls to them, so a chat's
messages all go through one process's per-chat limits, and each keeps to its part of the
app's overall rate. A process that dies leaves its chats to the others at their next look.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, text

from c2cbot.channels.ratelimit import ChatLimiter, ChatLimits, Rate, SendShare, TokenBucket
from c2cbot.store.database import Database
from c2cbot.store.models import OutboxMessage
from c2cbot.store.outbox import SqlOutbox, outbox_row
from c2cbot.store.senders import Part
from tests.channels.test_telegram import FakeClock

CHATS = [str(1000 + n) for n in range(40)]


def test_a_part_is_the_rank_of_this_process_among_the_live_senders() -> None:
    assert Part.among([], 7) == Part(0, 1)
    assert Part.among([3, 9, 7], 7) == Part(1, 3)
    assert Part.among([9, 3], 7) == Part(1, 3)  # its own lock not seen yet: counted anyway
    assert Part.among([3, 3, 9], 9) == Part(1, 2)


def test_each_sender_keeps_to_its_share_of_the_overall_rates_and_to_whole_chat_limits() -> None:
    whole = ChatLimits().overall
    three = SendShare(3).of(whole)
    assert three.per_second == pytest.approx(whole.per_second / 3)
    assert 1.0 <= three.burst <= whole.burst
    assert SendShare(1).of(whole) == whole
    assert SendShare(0).senders == 1  # nonsense counts as alone
    assert SendShare(100).of(Rate(25.0, 5.0)).burst == 1.0  # always room for one message


async def test_an_overall_bucket_follows_the_number_of_senders_and_a_chat_bucket_does_not() -> None:
    clock = FakeClock()
    share = SendShare(1)
    overall = TokenBucket(Rate(10.0, 1.0), clock, share)
    chat = TokenBucket(Rate(1.0, 1.0), clock)
    for bucket in (overall, chat):
        bucket.take()
    assert overall.wait_time() == pytest.approx(0.1)
    share.senders = 4  # three more processes started sending
    assert overall.wait_time() == pytest.approx(0.4)
    assert chat.wait_time() == pytest.approx(1.0)
    limiter = ChatLimiter(ChatLimits(overall=Rate(30.0, 1.0)), clock, SendShare(3))
    await limiter.wait("42")
    await limiter.wait("43")  # another chat: only the overall tenth of a second
    assert clock.now() == pytest.approx(0.1)


# ----- on PostgreSQL: two outboxes as two processes


@pytest.fixture
async def outboxes(database: Database) -> AsyncIterator[list[SqlOutbox]]:
    if database.is_sqlite:
        pytest.skip("one process sends alone on SQLite")
    two = [SqlOutbox(database), SqlOutbox(database)]
    for outbox in two:
        await outbox.senders.claimant()  # as each process does when it starts sending
    yield two
    for outbox in two:
        await outbox.close()


async def queue_for_each_chat(database: Database, per_chat: int = 2) -> None:
    now = database.clock()
    rows = [
        outbox_row("telegram", chat, None, {"text": f"{chat} #{n}"}, now)
        for n in range(per_chat)
        for chat in CHATS
    ]
    async with database.transaction() as session:
        await session.execute(insert(OutboxMessage), rows)


async def test_two_processes_split_the_chats_between_them(
    database: Database, outboxes: list[SqlOutbox]
) -> None:
    await queue_for_each_chat(database)
    assert [await outbox.senders.share_chats() for outbox in outboxes] == [2, 2]
    assert {outbox.senders.part.place for outbox in outboxes} == {0, 1}
    claimed = [await outbox.claim_due(database.clock()) for outbox in outboxes]
    chats = [{due.chat_id for due in batch} for batch in claimed]
    assert chats[0] and chats[1] and not chats[0] & chats[1]
    assert chats[0] | chats[1] == set(CHATS)  # every chat's first message, once
    for outbox, theirs in zip(outboxes, chats, strict=True):  # Python's hash is the query's
        assert all(outbox.senders.part.owns("telegram", chat) for chat in theirs)
    assert all(due.payload["text"].endswith("#0") for batch in claimed for due in batch)
    again = [await outbox.claim_due(database.clock()) for outbox in outboxes]
    assert again == [[], []]  # each chat's second message waits for its first


async def test_a_process_that_dies_leaves_its_chats_to_the_others(
    database: Database, outboxes: list[SqlOutbox]
) -> None:
    await queue_for_each_chat(database, per_chat=1)
    first, second = outboxes
    assert [await first.senders.share_chats(), await second.senders.share_chats()] == [2, 2]
    await second.close()  # its process is gone: its lock with it
    assert await first.senders.share_chats() == 1
    claimed = await first.claim_due(database.clock())
    assert {due.chat_id for due in claimed} == set(CHATS)


async def test_a_process_whose_lock_was_lost_takes_a_new_one(
    database: Database, outboxes: list[SqlOutbox]
) -> None:
    first, second = outboxes
    lost = await first.senders.claimant()
    async with database.transaction() as session:  # as a database restart would
        await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE 'c2cbot outbox claimant %'"
                " AND datname = current_database()"  # other tests' and benchmarks' stay
            )
        )
    assert await first.senders.share_chats() == 1  # alone for now: the other has not looked yet
    assert await first.senders.claimant() != lost
    assert await second.senders.share_chats() == 2
    assert await first.senders.share_chats() == 2
    assert {first.senders.part.place, second.senders.part.place} == {0, 1}


async def test_replies_for_another_processs_chats_wake_it_at_once(
    database: Database, outboxes: list[SqlOutbox]
) -> None:
    writer, sender = (outbox.senders for outbox in outboxes)
    woken = asyncio.Event()
    await sender.listen_for_replies(woken.set)
    assert [await writer.share_chats(), await sender.share_chats()] == [2, 2]
    own = next(("telegram", chat) for chat in CHATS if writer.part.owns("telegram", chat))
    theirs = next(("telegram", chat) for chat in CHATS if sender.part.owns("telegram", chat))
    writer.wake_others([own])
    await asyncio.sleep(0.3)
    assert not woken.is_set()  # the writer sends its own chats' replies itself
    writer.wake_others([own, theirs])
    await asyncio.wait_for(woken.wait(), 5)


async def test_a_browser_chat_reply_sent_by_one_process_wakes_the_long_polls_of_all(
    database: Database, outboxes: list[SqlOutbox]
) -> None:
    sender, holder = (outbox.senders for outbox in outboxes)
    heard: asyncio.Queue[str] = asyncio.Queue()
    await holder.listen_for_deliveries(heard.put_nowait)
    assert [await sender.share_chats(), await holder.share_chats()] == [2, 2]
    sender.delivered_elsewhere("browser-1")
    sender.delivered_elsewhere("browser-2")
    got = {await asyncio.wait_for(heard.get(), 5), await asyncio.wait_for(heard.get(), 5)}
    assert got == {"browser-1", "browser-2"}
