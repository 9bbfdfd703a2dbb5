"""The shared record of signed callbacks: a burst is recorded in a few statements, and
each pair still gets its own verdict (new, the platform's retry, or a replay)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from c2cbot.store.database import Database
from c2cbot.store.guards import SqlReplays
from tests.store.test_round_trips import statements

WINDOW = timedelta(minutes=5)


async def test_a_burst_is_recorded_together_and_every_pair_judged_on_its_own(
    database: Database,
) -> None:
    first = SqlReplays(database, WINDOW)
    for n in range(10):  # seen by another process: half again with the same body
        assert await first.first_use("wechat", "1700000000", f"n{n}", f"body {n}".encode())
    other = SqlReplays(database, WINDOW)  # a second process: its own memory is empty
    bodies = [f"body {n}" if n < 5 or n >= 10 else f"forged {n}" for n in range(60)]

    with statements(database) as seen:
        verdicts = await asyncio.gather(
            *(
                other.first_use("wechat", "1700000000", f"n{n}", body.encode())
                for n, body in enumerate(bodies)
            )
        )
        await other.idle()

    assert verdicts == [n < 5 or n >= 10 for n in range(60)]
    inserts = [s for s in seen if s.startswith("INSERT INTO callback_nonces")]
    assert 1 <= len(inserts) <= 2, inserts  # the first pair's, then all that came meanwhile
    again = await asyncio.gather(
        *(first.first_use("wechat", "1700000000", f"n{n}", b"late") for n in range(10, 60))
    )
    assert not any(again)  # recorded for every process: another body is a replay


async def test_a_database_that_fails_leaves_the_decision_to_memory(tmp_path: Path) -> None:
    down = Database(f"sqlite+aiosqlite:///{tmp_path / 'no such folder' / 'c2cbot.sqlite3'}")
    replays = SqlReplays(down, WINDOW)

    assert await replays.first_use("wecom", "1700000000", "n", b"one")
    assert not await replays.first_use("wecom", "1700000000", "n", b"two")  # memory decides
    assert await replays.first_use("wecom", "1700000000", "m", b"one")
    await replays.idle()
    await down.close()
