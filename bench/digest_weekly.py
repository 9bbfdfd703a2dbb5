"""Weekly digests for 1,000 partnerships: gathering the facts and rendering them, timed.

Not a test: it measures. For each backend it migrates and seeds a fresh database and adds
``--partnerships`` partnerships (Bonn–Chengdu's two cities each), every one with six
people (three per city) and a year of life, written with bulk inserts:

* ``--answers-per-week`` answers a week for 52 weeks (a fifth of them progress updates,
  some saying "done"), spread over the six people;
* four monthly KPI plans with a value for each of the last twelve months;
* 24 action items due across the year (a quarter done), and six prompts, two of them
  sent and still unanswered.

Then, timed: ``store.digest_facts.weekly_facts`` for all partnerships in one call, and
``digests.render_weekly`` for each of them in both languages of the group (English and
Chinese) and in each ``--markup``. The script reports the wall time of each phase, the
queries the gathering sent (counted at the driver: SQLAlchemy's ``before_cursor_execute``),
queries per digest, and peak memory: the Python heap's peak over a second, identical
run under ``tracemalloc`` (it slows that run, so it is not the timed one) and the
process's peak RSS (which includes generating the data).

Run from the repository root::

    .venv/bin/python bench/digest_weekly.py                       # SQLite
    .venv/bin/python bench/digest_weekly.py --backend both        # and PostgreSQL
    .venv/bin/python bench/digest_weekly.py --partnerships 200 --markup plain

PostgreSQL: ``--postgres`` names a server (default the test server); the script creates
a database of its own there (``c2cbot_digest_<pid>``) and drops it afterwards. SQLite
uses a new file in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from c2cbot.config import DEFAULT_HOME
from c2cbot.digests import Markup, render_weekly
from c2cbot.domain.reference import load_reference
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.digest_facts import weekly_facts
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import (
    Activity,
    Answer,
    City,
    KpiPlan,
    KpiValue,
    Partnership,
    PartnershipCity,
    Prompt,
    Stakeholder,
)
from c2cbot.store.seeding import seed_reference

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
WEEK_END = date(2026, 11, 29)  # a Sunday: the digest's week ends here
FIRST_ID = 100_000  # ids of the generated rows start here, clear of the reference data
CHUNK = 5_000
PEOPLE = 6
KPIS = (
    ("joint_projects", "Joint projects", "count", "projects", None),
    ("trade_volume", "Trade volume with the partner", "money", None, "EUR"),
    ("partnership_quality", "Quality of the partnership", "rating", None, None),
    ("visitors", "Foreign visitors and tourists", "count", "visitors", None),
)
CONVERSATIONS = ("plan", "do", "measure", "progress", "kpi_count")


def _chunks(
    rows: Sequence[dict[str, Any]], size: int = CHUNK
) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _bulk(database: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    async with database.transaction() as session:
        for chunk in _chunks(rows):
            await session.execute(insert(table), list(chunk))


async def generate(database: Database, count: int, answers_per_week: int) -> list[int]:
    """``count`` partnerships with a year of answers, KPI values, action items and prompts."""
    async with database.transaction() as session:
        bonn = await session.scalar(select(City.id).where(City.key == "bonn"))
        chengdu = await session.scalar(select(City.id).where(City.key == "chengdu"))
    ids = list(range(FIRST_ID, FIRST_ID + count))
    await _bulk(
        database,
        Partnership,
        [
            {
                "id": p,
                "name": f"Bench {p}",
                "loop": "new_partnership",
                "step": "do",
                "follow_up_days": 14,
                "created_at": datetime(2025, 11, 1, tzinfo=UTC),
            }
            for p in ids
        ],
    )
    await _bulk(
        database,
        PartnershipCity,
        [{"partnership_id": p, "city_id": city} for p in ids for city in (bonn, chengdu)],
    )
    people = {p: [FIRST_ID * 10 + (p - FIRST_ID) * PEOPLE + n for n in range(PEOPLE)] for p in ids}
    await _bulk(
        database,
        Stakeholder,
        [
            {
                "id": s,
                "name": f"Person {s}",
                "language": "en" if n < 3 else "zh_Hans",
                "city_id": bonn if n < 3 else chengdu,
                "created_at": datetime(2025, 11, 1, tzinfo=UTC),
            }
            for p in ids
            for n, s in enumerate(people[p])
        ],
    )
    await _bulk(database, Answer, list(_answers(ids, people, answers_per_week)))
    plans = [
        {
            "id": FIRST_ID * 10 + (p - FIRST_ID) * len(KPIS) + n,
            "partnership_id": p,
            "kpi_key": key,
            "name": name,
            "kind": kind,
            "unit": unit,
            "currency": currency,
            "frequency": "monthly",
            "target": 1000 * (n + 1) if kind != "rating" else 5,
            "active": True,
            "created_at": datetime(2025, 11, 1, tzinfo=UTC),
        }
        for p in ids
        for n, (key, name, kind, unit, currency) in enumerate(KPIS)
    ]
    await _bulk(database, KpiPlan, plans)
    await _bulk(database, KpiValue, list(_kpi_values(plans, people)))
    await _bulk(database, Activity, list(_activities(ids, people)))
    await _bulk(database, Prompt, list(_prompts(ids, people, plans)))
    return ids


def _answers(
    ids: list[int], people: dict[int, list[int]], per_week: int
) -> Iterator[dict[str, Any]]:
    start = datetime.combine(WEEK_END - timedelta(days=364), datetime.min.time(), UTC)
    for p in ids:
        for week in range(52):
            for n in range(per_week):
                conversation = CONVERSATIONS[(week + n) % len(CONVERSATIONS)]
                progress = conversation == "progress"
                yield {
                    "stakeholder_id": people[p][(week + n) % PEOPLE],
                    "partnership_id": p,
                    "conversation": conversation,
                    "step": None,
                    "question": "status" if progress else "q",
                    "item": None,
                    "value": {"type": "choice", "value": "done" if week % 4 == 0 else "on_track"}
                    if progress
                    else {"type": "text", "value": "An answer"},
                    "display": "x",
                    "language": "en",
                    "channel": "web",
                    "answered_at": start + timedelta(days=7 * week + n % 7, hours=9 + n),
                }


def _kpi_values(
    plans: list[dict[str, Any]], people: dict[int, list[int]]
) -> Iterator[dict[str, Any]]:
    for plan in plans:
        for month in range(12):
            day = WEEK_END.replace(day=1) - timedelta(days=30 * (11 - month))
            value = (
                min(5, 1 + month // 3) if plan["kind"] == "rating" else 50 * month + plan["id"] % 7
            )
            stored: Any = (
                {"amount": str(value * 1000), "currency": "EUR"}
                if plan["kind"] == "money"
                else str(value)
            )
            yield {
                "kpi_plan_id": plan["id"],
                "period_key": f"{day.year}-{day.month:02d}",
                "value": {"status": "value", "value": stored},
                "reported_by": people[plan["partnership_id"]][month % PEOPLE],
                "late": False,
                "reported_at": datetime.combine(day + timedelta(days=2), datetime.min.time(), UTC),
            }


def _activities(ids: list[int], people: dict[int, list[int]]) -> Iterator[dict[str, Any]]:
    for p in ids:
        for n in range(24):
            due = WEEK_END - timedelta(days=330) + timedelta(days=15 * n)
            yield {
                "partnership_id": p,
                "title": f"Action item {n}" if n % 2 else f"行动项 {n}",
                "owner_id": people[p][n % PEOPLE],
                "owner_name": None,
                "starts_on": None,
                "due_on": due,
                "status": "done" if n % 4 == 0 else "on_track",
                "percent_done": None,
                "source": "plan",
                "created_at": datetime(2025, 11, 1, tzinfo=UTC),
            }


def _prompts(
    ids: list[int], people: dict[int, list[int]], plans: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    first_plan = {plan["partnership_id"]: plan["id"] for plan in reversed(plans)}
    sent = datetime.combine(WEEK_END - timedelta(days=5), datetime.min.time(), UTC)
    for p in ids:
        for n, person in enumerate(people[p]):
            yield {
                "kind": "kpi",
                "stakeholder_id": person,
                "partnership_id": p,
                "subject_id": first_plan[p],
                "period_key": "2026-10",
                "due_at": sent,
                "status": "sent" if n in (1, 4) else "answered",
                "sent_at": sent,
                "answered_at": None if n in (1, 4) else sent + timedelta(hours=3),
                "reminders": 0,
                "created_at": sent,
            }


async def digests(
    database: Database, ids: list[int], texts: Catalogues, markups: list[Markup]
) -> dict[str, Any]:
    """The timed work: facts for every partnership, then each digest rendered."""
    queries = 0

    def count(*_args: Any) -> None:
        nonlocal queries
        queries += 1

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    async with database.sessions() as session:
        facts = await weekly_facts(session, ids, WEEK_END)
    gathered = time.perf_counter()
    event.remove(engine, "before_cursor_execute", count)
    messages = 0
    for one in facts.values():
        for markup in markups:
            messages += len(render_weekly(one, ("en", "zh_Hans"), markup, texts))
    rendered = time.perf_counter()
    assert len(facts) == len(ids), "some partnership got no facts"
    return {
        "partnerships": len(facts),
        "digests": len(facts) * len(markups),
        "messages": messages,
        "facts_seconds": round(gathered - started, 3),
        "render_seconds": round(rendered - gathered, 3),
        "total_seconds": round(rendered - started, 3),
        "queries": queries,
        "queries_per_digest": round(queries / len(facts), 4),
        "quiet_weeks": sum(one.quiet for one in facts.values()),
        "kpis_per_digest": sum(len(one.kpis) for one in facts.values()) / len(facts),
        "open_items": sum(len(one.upcoming) + len(one.overdue) for one in facts.values()),
    }


async def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    name = f"c2cbot_digest_{os.getpid()}"
    with tempfile.TemporaryDirectory() as directory:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
        else:
            url = await _create_postgres(args.postgres, name)
        database = Database(url)
        try:
            await upgrade(database)
            async with database.transaction() as session:
                await seed_reference(session, load_reference(), database.clock())
            started = time.perf_counter()
            ids = await generate(database, args.partnerships, args.answers_per_week)
            generated = time.perf_counter() - started
            if backend == "postgresql":
                async with database.engine.connect() as connection:
                    await connection.execute(text("ANALYZE"))
            texts = Catalogues(DEFAULT_HOME / "locale")
            markups = [Markup(m) for m in args.markup]
            timed = await digests(database, ids, texts, markups)
            tracemalloc.start()
            await digests(database, ids, texts, markups)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            await database.close()
            if backend == "postgresql":
                await _drop_postgres(args.postgres, name)
    return {
        "backend": backend,
        **timed,
        "answers": args.partnerships * 52 * args.answers_per_week,
        "generate_seconds": round(generated, 1),
        "heap_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def _create_postgres(server: str, name: str) -> str:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres(server: str, name: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--partnerships", type=int, default=1000)
    parser.add_argument("--answers-per-week", type=int, default=5)
    parser.add_argument(
        "--markup", nargs="+", default=["telegram_html"], choices=[m.value for m in Markup]
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        result = asyncio.run(run_backend(backend, args))
        results.append(result)
        print(json.dumps(result), flush=True)
    machine = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "digest_weekly.json").write_text(
        json.dumps({"machine": machine, "runs": results}, indent=1)
    )


if __name__ == "__main__":
    main()
