"""Weekly digests for 1,000 partnerships: gathering the facts and rendering them, timed.

Not a test: it measures. For each backend it migrates and seeds a fresh database and adds
``--partnerships`` partnerships (Bonn–Chengdu's two cities each), every one with six
people (three per city, one of each city coordinating) and a year of life, written with
bulk inserts by ``partnership_year.py`` (the workspace benchmark reads the same data):

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
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from partnership_year import DIGEST, WEEK_END, create_postgres, drop_postgres, generate

from c2cbot.config import DEFAULT_HOME
from c2cbot.digests import Markup, render_weekly
from c2cbot.domain.reference import load_reference
from c2cbot.i18n import Catalogues
from c2cbot.store.database import Database
from c2cbot.store.digest_facts import weekly_facts
from c2cbot.store.migrate import upgrade
from c2cbot.store.seeding import seed_reference

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


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
            url = await create_postgres(args.postgres, name)
        database = Database(url)
        try:
            await upgrade(database)
            async with database.transaction() as session:
                await seed_reference(session, load_reference(), database.clock())
            started = time.perf_counter()
            shape = replace(DIGEST, answers_per_week=args.answers_per_week)
            ids = (await generate(database, args.partnerships, shape)).partnerships
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
                await drop_postgres(args.postgres, name)
    return {
        "backend": backend,
        **timed,
        "answers": args.partnerships * 52 * args.answers_per_week,
        "generate_seconds": round(generated, 1),
        "heap_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


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
