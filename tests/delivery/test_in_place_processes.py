"""A callback's replies are not taken by another process's dispatcher meanwhile.

A WeChat callback waits to answer with its replies (``delivery.in_place``); its own
process's dispatcher leaves the chat alone, but on PostgreSQL other processes send from
the same outbox. So a held chat's replies are written due a little later: the callback
takes them, and what it leaves (or what is written after it stopped waiting) is made due
at once for any process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from c2cbot.flows.messages import Outbound
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.outbox import SqlOutbox
from tests.support.waiting import eventually

CHAT = ("wechat_oa", "o-held-chat")


@pytest.fixture
async def other_process(bot: Bot, database: Database) -> AsyncIterator[SqlOutbox]:
    if database.is_sqlite:
        pytest.skip("SQLite: this process alone sends")
    outbox = SqlOutbox(database)
    yield outbox
    await outbox.close()


async def claimed_texts(outbox: SqlOutbox, database: Database) -> list[str]:
    return [due.payload["text"] for due in await outbox.claim_due(database.clock())]


async def test_the_callback_takes_its_replies_and_leaves_the_rest_to_any_process(
    bot: Bot, database: Database, other_process: SqlOutbox
) -> None:
    with bot.in_place.holding(*CHAT) as hold:
        async with bot.store.transaction() as ledger:
            await ledger.outbox.enqueue_all(*CHAT, None, [Outbound("one"), Outbound("two")])
        assert await claimed_texts(other_process, database) == []  # left to the callback
        taken = await bot.in_place.take(hold, lambda _messages: 1)  # one fits the answer
    assert taken is not None and [m.text for m in taken.messages] == ["one"]
    claimed: list[str] = []

    async def second_claimed() -> bool:
        claimed.extend(await claimed_texts(other_process, database))
        return claimed == ["two"]

    await eventually(second_claimed, within=5, what="the reply not taken, claimed at once")


async def test_replies_written_after_the_callback_stopped_waiting_go_at_once(
    bot: Bot, database: Database, other_process: SqlOutbox
) -> None:
    async with AsyncExitStack() as transaction:
        ledger = await transaction.enter_async_context(bot.store.transaction())
        with bot.in_place.holding(*CHAT):
            await ledger.outbox.enqueue_all(*CHAT, None, [Outbound("late")])
        # the callback gave up before the engine committed
    claimed: list[str] = []

    async def late_claimed() -> bool:
        claimed.extend(await claimed_texts(other_process, database))
        return claimed == ["late"]

    await eventually(late_claimed, within=5, what="the late reply, claimed at once")
