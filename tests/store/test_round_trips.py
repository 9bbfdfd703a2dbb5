"""Round trips to PostgreSQL per inbound message: counted, so that a regression shows.

On PostgreSQL every statement, BEGIN, COMMIT, savepoint, ping and prepare is a round
trip to the server, and those were most of an inbound message's time there. These tests
count them (never time them) on a real database: no ping at a busy checkout, no prepare
again after a big batch's savepoints, no savepoint in a batch where nothing fails, and
commits that do not wait for the disk unless asked to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from c2cbot.config import Settings
from c2cbot.flows.commits import GroupCommit
from c2cbot.flows.messages import Inbound
from c2cbot.flows.ports import Ledger
from c2cbot.runtime import Bot
from c2cbot.store import database as database_module
from c2cbot.store import per_message
from c2cbot.store.database import Database
from c2cbot.store.ledger import SqlStore
from tests.driver import Driver
from tests.flows.walker import load_conversations, onboard


def postgres_only(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("round trips to a server: PostgreSQL only")


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL of every statement the engine sends while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


@contextmanager
def prepares(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every statement asyncpg prepares (a round trip each) while the block runs."""
    seen: list[str] = []
    original = asyncpg.Connection.prepare

    async def counted(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return await original(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(asyncpg.Connection, "prepare", counted)
        yield seen


@contextmanager
def pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    seen: list[int] = []
    dialect = database.engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        seen.append(1)
        return original(dbapi_connection)

    with monkeypatch.context() as patch:
        patch.setattr(dialect, "do_ping", counted)
        yield seen


async def test_an_answer_costs_a_handful_of_statements_and_no_savepoint(
    bot: Bot, person: Driver, invite: str
) -> None:
    """One typed answer in a step: the claim, who it is, the state, the last offer, the
    answer, the new state and the reply; nothing else. On PostgreSQL the claim, who it is
    and their state are one statement, the answer, the new state and the reply another
    (``store/held_writes.py``), and the batch it is in first takes its senders' locks
    (``in_turn``: one statement for the whole batch)."""
    await onboard(person, load_conversations(bot.settings.conversations_dir), "en", invite)
    await person.click("Aim")
    with statements(bot.database) as sent:
        replies = await person.send("A green and fair city for everyone who lives in it.")
    assert replies  # the next question
    savepoints = [s for s in sent if "SAVEPOINT" in s]
    locks = sender_locks(sent)
    assert len(locks) == (0 if bot.database.is_sqlite else 1)
    assert len(sent) - len(savepoints) - len(locks) <= (7 if bot.database.is_sqlite else 3), sent
    writes = [s for s in sent if s.startswith(("INSERT", "UPDATE", "WITH w"))]
    closing = ["INSERT INTO answers", "UPDATE conversation_states", "INSERT INTO outbox"]
    if not bot.database.is_sqlite:  # the closing writes in one statement
        assert [all(part in s for part in closing) for s in writes] == [True], writes
    state_reads = [statement for statement in sent if "FROM conversation_states" in statement]
    assert bot.database.is_sqlite or all("known" in statement for statement in state_reads)
    assert savepoints == [] or bot.database.is_sqlite  # SQLite: a function call each


async def test_a_profile_answer_writes_the_person_without_reading_them_first(
    bot: Bot, person: Driver, invite: str
) -> None:
    """Onboarding's answers set the person's name, city and role: one UPDATE each, as the
    SQL of the whole turn shows, not the ORM's read of the whole person and a write."""
    onboarding = load_conversations(bot.settings.conversations_dir)["onboarding"]
    await person.send(f"/start {invite}")
    await person.click("English")
    await person.click("Yes")
    assert onboarding.questions[3].id == "name"
    with statements(bot.database) as sent:
        await person.send("Anna Lindqvist")
    people = [s for s in sent if s.startswith("UPDATE stakeholders") or "FROM stakeholders" in s]
    assert [s.partition("=")[0] for s in people] == ["UPDATE stakeholders SET name"], sent


async def test_a_number_typed_under_the_menu_reads_the_menu_with_the_claim(
    bot: Bot, invite: str
) -> None:
    """A short typed text may pick from the chat's last message (a numbered menu on
    WeChat): on PostgreSQL that message is read with the inbound claim, not by a
    statement of its own."""
    conversations = load_conversations(bot.settings.conversations_dir)
    follower = Driver(bot, "o_follower", channel="wechat")
    await onboard(follower, conversations, "en", invite)
    await follower.send("/steps")
    with statements(bot.database) as sent:
        await follower.send("2")
    assert bot.texts.gettext("en", conversations["commit"].title) in follower.text
    alone = [s for s in sent if s.startswith("SELECT outbox.payload")]
    assert len(alone) == (1 if bot.database.is_sqlite else 0), sent


async def test_a_busy_pool_pings_no_connection(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(database)
    with pings(database, monkeypatch) as pinged:
        for _ in range(5):
            async with database.transaction() as session:
                await session.execute(text("SELECT 1"))
    assert pinged == []


async def test_a_connection_idle_for_a_while_is_pinged_before_use(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(database)
    async with database.transaction() as session:
        await session.execute(text("SELECT 1"))
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE", 0.0)
    with pings(database, monkeypatch) as pinged:
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    assert pinged == [1]


async def test_a_big_batchs_savepoints_do_not_push_out_the_prepared_statements(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that fell back to savepoints names a hundred of them; the per-message
    statements prepared before stay prepared on that connection."""
    postgres_only(database)
    claim = per_message.CLAIM["postgresql"]
    now = database.clock()
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.execute(claim, {"channel": "test", "dedupe_key": "k0", "now": now})
        for _ in range(150):
            async with connection.begin_nested():
                await connection.execute(text("SELECT 1"))
        with prepares(monkeypatch) as prepared:
            await connection.execute(claim, {"channel": "test", "dedupe_key": "k1", "now": now})
    assert prepared == []


def sender_locks(sent: list[str]) -> list[str]:
    return [statement for statement in sent if "pg_advisory_xact_lock" in statement]


def inbound(key: str) -> Inbound:
    return Inbound(channel="test", external_id=key, chat_id=key, dedupe_key=key, text="hi")


async def claim_all(database: Database, keys: list[str], broken: set[str]) -> list[Any]:
    store = SqlStore(database)

    async def work(ledger: Ledger, message: Inbound) -> int | None:
        claim = await ledger.inbox.claim(message.channel, message.dedupe_key)
        if message.dedupe_key in broken:
            raise RuntimeError(f"{message.dedupe_key} is broken")
        return claim

    commits = GroupCommit(store, work, parallel=1)
    return await asyncio.gather(
        *(commits.submit(inbound(key)) for key in keys), return_exceptions=True
    )


async def test_a_batch_where_nothing_fails_takes_no_savepoint_on_postgresql(
    database: Database,
) -> None:
    keys = [f"m{n:02}" for n in range(20)]
    with statements(database) as sent:
        results = await claim_all(database, keys, broken=set())
    assert all(isinstance(result, int) for result in results)
    savepoints = [s for s in sent if s.startswith("SAVEPOINT")]
    if database.is_sqlite:  # a function call there: one per message, as always
        assert len(savepoints) == len(keys)
    else:
        assert savepoints == []
        locks = sender_locks(sent)  # one statement for each batch's senders
        assert 1 <= len(locks) < len(keys)
        assert len(sent) == len(keys) + len(locks)  # one claim each, nothing more


async def test_a_batch_where_one_fails_is_written_again_with_savepoints(
    database: Database,
) -> None:
    postgres_only(database)
    keys = [f"m{n:02}" for n in range(20)]
    with statements(database) as sent:
        results = await claim_all(database, keys, broken={"m07"})
    failed = [key for key, result in zip(keys, results, strict=True) if not isinstance(result, int)]
    assert failed == ["m07"]
    assert len([s for s in sent if s.startswith("SAVEPOINT")]) >= len(keys)


async def test_commits_wait_for_the_disk_only_when_asked(
    settings: Settings, database: Database
) -> None:
    postgres_only(database)
    asked = Database(settings.database_url, synchronous_commit=True)
    try:
        for each, expected in ((database, "off"), (asked, "on")):
            async with each.engine.connect() as connection:
                shown = (await connection.execute(text("SHOW synchronous_commit"))).scalar_one()
            assert shown == expected
    finally:
        await asked.close()


async def test_the_setting_reaches_the_bots_database(
    settings: Settings, database: Database
) -> None:
    postgres_only(database)
    bot = Bot(settings.model_copy(update={"database_synchronous_commit": True}))
    try:
        async with bot.database.engine.connect() as connection:
            shown = (await connection.execute(text("SHOW synchronous_commit"))).scalar_one()
        assert shown == "on"
    finally:
        await bot.stop()


async def test_a_duplicate_is_told_apart_with_the_sender_looked_up_at_once(
    database: Database,
) -> None:
    """The claim that looks the sender up too (PostgreSQL) answers a duplicate as the plain
    claim does; a new sender is remembered as unknown, so ``person`` creates them."""
    store = SqlStore(database)
    async with store.transaction() as ledger:
        first = await ledger.inbox.claim("test", "k1", sender="nobody-yet")
        again = await ledger.inbox.claim("test", "k1", sender="nobody-yet")
        person = await ledger.people.person("test", "nobody-yet", "nobody-yet", "en", None)
    assert isinstance(first, int) and again is None
    assert person.is_new
