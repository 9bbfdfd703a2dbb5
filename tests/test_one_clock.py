"""One source of time: the bot's clock, never the wall clock of the machine it runs on.

Three checks, each failing on a different way of getting it wrong:
- no module but ``c2cbot/clock.py`` reads the wall clock (a ``datetime.now()`` in store
  code that stamps a due time, say);
- no time column of the store has a default (a forgotten stamp would take the wall clock);
- a bot living years away from today stamps every time it writes from its own clock and
  delivers its replies (an outbox row stamped by the wall clock is due in the bot's
  future and never sent, as happened on 1 December 2026).
"""

from __future__ import annotations

import ast
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Table, select

from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.flows.messages import Inbound
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.invites import create_invite
from c2cbot.store.journal import SqlJournal
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import Base, OutboxMessage
from c2cbot.store.partnership_lookup import find_partnership
from c2cbot.store.seeding import seed_reference
from tests.driver import Driver
from tests.flows.walker import load_conversations, onboard, start_step, walk_conversation
from tests.support.outbox import outbox_report
from tests.support.waiting import eventually

SRC = Path(__file__).resolve().parents[1] / "src" / "c2cbot"
CLOCK_MODULE = SRC / "clock.py"
# Calls that read the wall clock as a date (durations use time.monotonic, which is no date).
WALL_CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
# A Monday far from any day this suite will run on, in either direction.
CAPSULE = datetime(2019, 3, 4, 8, 0, tzinfo=UTC)
# Invites and access tokens are stamped with their expiry, a few weeks ahead at most.
AHEAD = timedelta(days=60)


def _wall_clock_reads(path: Path, root: Path = SRC.parent) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if (name, node.func.attr) in WALL_CLOCK_READS:
            yield f"{path.relative_to(root)}:{node.lineno}: {name}.{node.func.attr}()"


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    reads = [
        read
        for path in sorted(SRC.rglob("*.py"))
        if path != CLOCK_MODULE
        for read in _wall_clock_reads(path)
    ]
    assert reads == [], "take the time from the bot's clock instead:\n" + "\n".join(reads)


def test_the_architecture_check_finds_a_wall_clock_read(tmp_path: Path) -> None:
    planted = tmp_path / "outbox.py"
    planted.write_text(
        "import datetime as dt, time\n"
        "from datetime import UTC, datetime\n"
        "DUE = datetime.now(UTC)\n"
        "TODAY = dt.date.today()\n"
        "T = time.time()\n"
        "PACE = time.monotonic()\n",
        encoding="utf-8",
    )
    assert list(_wall_clock_reads(planted, tmp_path)) == [
        "outbox.py:3: datetime.now()",
        "outbox.py:4: date.today()",
        "outbox.py:5: time.time()",
    ]


def _time_columns() -> Iterator[tuple[Table, str]]:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, DateTime) or isinstance(
                getattr(column.type, "impl", None), DateTime
            ):
                yield table, column.name


def test_no_time_column_has_a_default() -> None:
    defaulted = [
        f"{table.name}.{name}"
        for table, name in _time_columns()
        if table.c[name].default is not None or table.c[name].server_default is not None
    ]
    assert defaulted == [], f"stamp these from the bot's clock where rows are written: {defaulted}"


def capsule_clock() -> Callable[[], datetime]:
    """A clock that starts at CAPSULE and runs at the wall clock's pace."""
    started = time.monotonic()
    return lambda: CAPSULE + timedelta(seconds=time.monotonic() - started)


@pytest.fixture
async def capsule_bot(settings: Settings) -> AsyncIterator[Bot]:
    bot = Bot(settings, clock=capsule_clock())
    await upgrade(bot.database)
    async with bot.database.transaction() as session:
        await seed_reference(session, load_reference(), bot.clock())
    yield bot
    await bot.stop()


async def _stamps(bot: Bot) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    async with bot.database.sessions() as session:
        for table, name in _time_columns():
            values = (await session.execute(select(table.c[name]))).scalars()
            found[f"{table.name}.{name}"] = [v for v in values if v is not None]
    return found


async def _unsent(bot: Bot) -> int:
    query = select(OutboxMessage.id).where(OutboxMessage.status != "sent")
    async with bot.database.sessions() as session:
        return len((await session.execute(query)).all())


async def test_a_bot_years_away_from_today_keeps_its_own_time(capsule_bot: Bot) -> None:
    bot = capsule_bot
    async with bot.database.transaction() as session:
        partnership = await find_partnership(session, "Gothenburg–Shanghai")
        invite = await create_invite(
            session, partnership, role="coordinator", uses=1, now=bot.clock()
        )
    conversations = load_conversations(bot.settings.conversations_dir)
    anna = Driver(bot, "anna")
    await onboard(anna, conversations, "en", invite.code)
    await start_step(anna, "aim")
    await walk_conversation(anna, conversations["aim"], "en")
    await jobs.plan_rounds(bot.database, bot.texts, bot.clock())
    await SqlJournal(bot.database).write([Inbound("web", "li", "li", "k1", text="你好")], [])
    journalled = (await _stamps(bot))["inbound_journal.received_at"]  # replayed at start

    async def token() -> tuple[str, int]:
        return "a-token", 7200

    await bot.vault.refresh("wecom:corp", None, token)
    await bot.start("127.0.0.1", 0)

    async def delivered() -> bool:
        return await _unsent(bot) == 0

    await eventually(
        delivered,
        what="the bot to deliver its replies",
        explain=lambda: outbox_report(bot.database),
    )

    stamps = await _stamps(bot)
    stamps["inbound_journal.received_at"] += journalled
    assert journalled and stamps["access_tokens.updated_at"] and stamps["memberships.joined_at"]
    assert stamps["outbox.next_attempt_at"] and stamps["answers.answered_at"]
    window = (CAPSULE, bot.clock() + AHEAD)
    outside = {
        column: [f"{v:%Y-%m-%d %H:%M}" for v in values if not window[0] <= v <= window[1]]
        for column, values in stamps.items()
    }
    assert {c: v for c, v in outside.items() if v} == {}, f"stamped outside {window}"
