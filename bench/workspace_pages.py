"""The workspace's pages for a partnership with a year of data: latency and SQL per page.

Not a test: it measures (issue 16). Twice, each time on a fresh database (SQLite in a
temporary directory or, with ``--database-url``, a database of its own that the script
creates on that PostgreSQL server and drops afterwards):

* **small**: one partnership with two people (one coordinator per city), a few
  answers, one KPI with one value, two action items, and each step's questions answered
  once;
* **year**: the digest benchmark's data set (``partnership_year.py``: ``--partnerships``
  partnerships with six people and a year of answers, KPI values, action items and
  prompts each), plus, for the partnership read, every step's questions answered twelve
  times over the year (the newest answer shown, eleven in its history), and the reader
  coordinating ``--memberships`` partnerships in all.

A bot built as ``c2cbot run`` builds it (``Bot(Settings(…))``, its real aiohttp app on
loopback HTTP, its outbox dispatcher) serves one browser. Its clock stands still on the
Monday after the data's last week, so a session is never refreshed halfway through. The
browser signs a coordinator in as a person does: a one-time link as /web offers it
(written through the store), its page, then the button's POST with this site's Origin.
Then each page of ``PAGES`` is requested ``--warm-up`` times untimed and ``--requests``
times timed (``--small-requests`` for the small data set), one at a time. Latency is
measured in the browser (the whole response read). SQL statements are counted per
request at the bot's engine (SQLAlchemy's ``before_cursor_execute``), leaving out the
bot's background tasks (the outbox dispatcher).

A page must cost the same number of statements for both sizes: the script exits with
status 1 if one does not (or if a page answers anything but 200). A path that answers
404 while no route of the app matches it is a page not built yet: it is skipped with a
note.

Run from the repository root::

    .venv/bin/python bench/workspace_pages.py                    # SQLite
    .venv/bin/python bench/workspace_pages.py --json             # JSON instead of the table
    .venv/bin/python bench/workspace_pages.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_throughput import (
    code_version,
    log,
    machine,
    percentile,
    scratch_sqlite_url,
)
from partnership_year import (
    DIGEST,
    WEEK_END,
    Generated,
    Shape,
    create_postgres,
    drop_postgres,
    generate,
    step_answers,
)

from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.runtime import Bot
from c2cbot.store import web_sessions
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import Membership
from c2cbot.store.seeding import seed_reference

#: Every page of the workspace, ``{p}`` the partnership read. A new page is one line here.
PAGES = (
    "/p/",
    "/p/{p}/",
    "/p/{p}/steps/aim",
    "/p/{p}/steps/commit",
    "/p/{p}/steps/partner",
    "/p/{p}/steps/plan",
    "/p/{p}/steps/do",
    "/p/{p}/steps/measure",
    "/p/{p}/steps/act",
    "/p/{p}/steps/replicate",
    "/p/{p}/steps/aim/completion",
    "/p/{p}/kpis",
    "/p/{p}/activities",
    "/p/{p}/meetings",
    "/p/{p}/people",
    "/p/{p}/downloads",
    "/p/{p}/answers.xlsx",
    "/p/{p}/report",
)

RESULTS = Path(__file__).resolve().parent / "results"
NOW = datetime.combine(WEEK_END + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=9)
SMALL = Shape(people=2, weeks=2, answers_per_week=1, kpis=1, months=1, activities=2)


@dataclass(frozen=True)
class Size:
    """One data set: how many partnerships of which shape, how often each step's
    questions were answered, and how many partnerships the reader coordinates."""

    name: str
    partnerships: int
    shape: Shape
    revisions: int
    memberships: int
    requests: int  # timed requests per page


@dataclass
class Measured:
    """One page at one size: statements per request, and the timed requests' seconds."""

    statements: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def queries(self) -> str:
        """The statements per request: one number, or "low–high" when they varied."""
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}–{high}"

    def spread(self) -> dict[str, float]:
        ordered = sorted(self.seconds)
        return {
            "p50_ms": round(percentile(ordered, 0.5) * 1000, 1),
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }


@dataclass
class Outcome:
    """One size's run: what each page measured, the pages not built yet, and problems."""

    size: Size
    pages: dict[str, Measured] = field(default_factory=dict)
    not_built: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


# ----- the data


async def fill(bot: Bot, size: Size) -> tuple[int, int]:
    """Migrate, seed and write ``size``'s data; returns (partnership read, its reader)."""
    database = bot.database
    await upgrade(database)
    async with database.transaction() as session:
        await seed_reference(session, load_reference(), database.clock())
    generated = await generate(database, size.partnerships, size.shape)
    read = generated.partnerships[0]
    await step_answers(database, generated, [read], bot.conversations, size.revisions)
    reader = generated.coordinators[read][0]
    await _also_coordinates(bot, generated, reader, size.memberships)
    return read, reader


async def _also_coordinates(bot: Bot, generated: Generated, reader: int, memberships: int) -> None:
    """The reader coordinates ``memberships`` partnerships in all: /p/ lists them."""
    others = generated.partnerships[1:memberships]
    if not others:
        return
    rows = [
        {"partnership_id": p, "stakeholder_id": reader, "role": "coordinator", "joined_at": NOW}
        for p in others
    ]
    async with bot.database.transaction() as session:
        await session.execute(insert(Membership), rows)


# ----- the browser


async def sign_in(bot: Bot, browser: aiohttp.ClientSession, base: str, reader: int) -> None:
    """As a person does: /web's one-time link, its page, then the button (a POST with
    this site's Origin), which sets the session cookie and sends the browser to /p/."""
    async with bot.database.transaction() as session:
        secret = await web_sessions.offer_link(session, reader, bot.clock())
    link = f"/p/sign-in/{secret}"
    async with browser.get(link) as page:
        page.raise_for_status()
        await page.read()
    async with browser.post(link, headers={"Origin": base}) as signed:
        signed.raise_for_status()
        await signed.read()
        if not str(signed.url).endswith("/p/"):
            raise RuntimeError(f"signing in ended at {signed.url}, not /p/")


@contextmanager
def counting(bot: Bot) -> Iterator[list[int]]:
    """Statements the bot's engine runs, but not those of its background tasks (the
    outbox dispatcher wakes after every commit and claims what is due; on PostgreSQL its
    "outbox-…" helpers look every few seconds for a dead process's messages)."""
    seen = [0]
    background = set(bot._tasks)

    def statement(*_args: Any) -> None:
        task = asyncio.current_task()
        if task not in background and not (task and task.get_name().startswith("outbox")):
            seen[0] += 1

    engine = bot.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def routed(bot: Bot, path: str) -> bool:
    """Whether a route of the bot's app takes ``path`` (a 404 without one: not built)."""
    for resource in bot.app.router.resources():
        info = resource.get_info()
        if info.get("path") == path:
            return True
        pattern = info.get("pattern")
        if pattern is not None and pattern.fullmatch(path):
            return True
    return False


async def measure_page(
    bot: Bot, browser: aiohttp.ClientSession, path: str, warm_up: int, requests: int
) -> Measured | int:
    """The page's statements and seconds per request; its status if it is not a 200."""
    measured = Measured()
    for number in range(warm_up + requests):
        with counting(bot) as seen:
            began = time.perf_counter()
            async with browser.get(path) as response:
                await response.read()
                status = response.status
            took = time.perf_counter() - began
        if status != 200:
            return status
        measured.statements.append(seen[0])
        if number >= warm_up:
            measured.seconds.append(took)
    return measured


async def run_size(url: str, size: Size, args: argparse.Namespace) -> Outcome:
    bot = Bot(Settings(database_url=url, _env_file=None), clock=lambda: NOW)
    outcome = Outcome(size)
    began = time.perf_counter()
    read, reader = await fill(bot, size)
    log(f"[{size.name}] data written in {time.perf_counter() - began:.1f} s")
    base = await bot.start("127.0.0.1", 0)
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie, for 127.0.0.1
    headers = {"Accept-Language": args.language}
    try:
        async with aiohttp.ClientSession(base, cookie_jar=jar, headers=headers) as browser:
            await sign_in(bot, browser, base, reader)
            for pattern in PAGES:
                path = pattern.format(p=read)
                got = await measure_page(bot, browser, path, args.warm_up, size.requests)
                if isinstance(got, Measured):
                    outcome.pages[pattern] = got
                elif got == 404 and not routed(bot, path):
                    outcome.not_built.append(pattern)
                else:
                    outcome.problems.append(f"{pattern} answered {got}")
    finally:
        await bot.stop()
    return outcome


# ----- the report


def differing(small: Outcome, year: Outcome) -> list[str]:
    """Pages whose statements per request are not the same for both sizes."""
    return [
        pattern
        for pattern in PAGES
        if (pattern in small.pages or pattern in year.pages)
        and (
            pattern not in small.pages
            or pattern not in year.pages
            or set(small.pages[pattern].statements) != set(year.pages[pattern].statements)
        )
    ]


def table(small: Outcome, year: Outcome) -> str:
    heading = ("page", "queries small", "queries year", "p50 ms", "p95 ms", "max ms")
    lines = [heading]
    for pattern in PAGES:
        if pattern not in year.pages:
            continue
        spread = year.pages[pattern].spread()
        lines.append(
            (
                pattern,
                small.pages[pattern].queries() if pattern in small.pages else "-",
                year.pages[pattern].queries(),
                f"{spread['p50_ms']:.1f}",
                f"{spread['p95_ms']:.1f}",
                f"{spread['max_ms']:.1f}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(heading))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def report(small: Outcome, year: Outcome, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "backend": "postgresql" if args.database_url else "sqlite",
        "requests": {"small": small.size.requests, "year": year.size.requests},
        "warm_up": args.warm_up,
        "language": args.language,
        "sizes": {
            outcome.size.name: {
                "partnerships": outcome.size.partnerships,
                "shape": vars(outcome.size.shape),
                "step_answer_revisions": outcome.size.revisions,
                "reader_memberships": max(1, outcome.size.memberships),
            }
            for outcome in (small, year)
        },
        "listed": list(PAGES),
        "pages": {
            pattern: {
                "queries_small": sorted(set(small.pages[pattern].statements)),
                "queries_year": sorted(set(year.pages[pattern].statements)),
                "small": small.pages[pattern].spread(),
                "year": year.pages[pattern].spread(),
            }
            for pattern in PAGES
            if pattern in small.pages and pattern in year.pages
        },
        "not_built": [p for p in PAGES if p in small.not_built or p in year.not_built],
        "queries_differ": differing(small, year),
        "problems": small.problems + year.problems,
        "code": code_version(),
        "machine": machine("postgresql" if args.database_url else "sqlite", ""),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg": os.getloadavg(),
    }


async def main(args: argparse.Namespace) -> tuple[Outcome, Outcome]:
    sizes = (
        Size("small", 1, SMALL, revisions=1, memberships=1, requests=args.small_requests),
        Size(
            "year",
            args.partnerships,
            DIGEST,
            revisions=args.revisions,
            memberships=min(args.memberships, args.partnerships),
            requests=args.requests,
        ),
    )
    outcomes = []
    for size in sizes:
        if args.database_url:
            name = f"c2cbot_workspace_{os.getpid()}_{size.name}"
            url = await create_postgres(args.database_url, name)
            try:
                outcomes.append(await run_size(url, size, args))
            finally:
                await drop_postgres(args.database_url, name)
        else:
            with scratch_sqlite_url() as url:
                outcomes.append(await run_size(url, size, args))
    return outcomes[0], outcomes[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partnerships", type=int, default=1000, help="year: partnerships (1000)")
    parser.add_argument(
        "--revisions", type=int, default=12, help="year: answers to each step question (12)"
    )
    parser.add_argument(
        "--memberships", type=int, default=5, help="year: partnerships the reader coordinates (5)"
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (50)")
    parser.add_argument(
        "--small-requests", type=int, default=10, help="timed requests per page, small (10)"
    )
    parser.add_argument("--warm-up", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument("--language", default="en", help="the browser's Accept-Language (en)")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL instead of SQLite: a server; the script creates (and drops) a "
        "database of its own there, c2cbot_workspace_<pid>_<size>",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--no-file", action="store_true", help="write no file to bench/results")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> tuple[dict[str, Any], int]:
    """Measure, print, write the results file; returns the report and the exit status."""
    args = parse_args(argv)
    small, year = asyncio.run(main(args))
    outcome = report(small, year, args)
    for pattern in outcome["not_built"]:
        log(f"note: {pattern} is not built yet (404, no route): skipped")
    print(json.dumps(outcome, indent=2) if args.json else table(small, year), flush=True)
    if not args.no_file:
        RESULTS.mkdir(exist_ok=True)
        day = datetime.now(UTC).date().isoformat()
        target = RESULTS / f"workspace-pages-{outcome['backend']}-{day}.json"
        target.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
        log(f"written to {target}")
    failed = bool(outcome["queries_differ"] or outcome["problems"])
    for pattern in outcome["queries_differ"]:
        log(f"FAILED: {pattern} costs other statements for the small and the year data set")
    for problem in outcome["problems"]:
        log(f"FAILED: {problem}")
    return outcome, 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run()[1])
