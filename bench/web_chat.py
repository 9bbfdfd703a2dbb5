"""The browser chat over loopback HTTP: sends and replies per second, and their latency.

Not a test: it measures. A bot built as ``c2cbot run`` builds it (``Bot(Settings(…))``,
its web server and outbox dispatcher) on a fresh SQLite file (or a scratch PostgreSQL
database) serves ``--people`` browsers at once, each with a cookie of its own. Each
browser talks like a newcomer: "hello", then it presses the first button of the bot's
last message when there is one, types the invite code when asked for it, and types a
short answer otherwise; after every message it long-polls ``/chat/api/messages`` until
the bot's replies to it have arrived, as the page does.

What is timed: ``send`` is the ``POST /chat/api/send`` round trip (the engine's whole
turn happens inside it), ``reply`` runs from the start of that POST until the long poll
has returned the first reply. The browser chat's limits are on (they are always on);
they are set so that nothing is refused (``--people`` new identities from one address,
a burst of ``--messages``), so what is measured is what checking them costs.

Run from the repository root::

    .venv/bin/python bench/web_chat.py                  # 200 browsers, 10 messages each
    .venv/bin/python bench/web_chat.py --people 50 --messages 20
    .venv/bin/python bench/web_chat.py --backend postgresql

To compare with other code, run this script with that code's ``src`` first on the path
(``PYTHONPATH=/path/to/other/src``); settings the other code does not know are ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_throughput import (
    code_version,
    log,
    machine,
    percentile,
    prepare_database,
    reset_postgres,
    scratch_sqlite_url,
)

import c2cbot
from c2cbot.config import Settings
from c2cbot.runtime import Bot

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class Browser:
    """One browser: its cookie, the last message id it has seen, the last reply."""

    def __init__(self, url: str, number: int, invite: str) -> None:
        cookie = f"c2c_chat={secrets.token_urlsafe(32)}"
        headers = {"Origin": url, "Cookie": cookie, "Accept-Language": "en-GB"}
        self.session = aiohttp.ClientSession(base_url=url, headers=headers)
        self.number, self.invite = number, invite
        self.seen = 0
        self.last: dict[str, Any] | None = None
        self.sends: list[float] = []
        self.replies: list[float] = []
        self.refused = 0

    def next_message(self, index: int) -> dict[str, str]:
        key = f"{self.number}-{index}"
        if self.last is None:
            return {"id": key, "text": "hello"}
        if self.last.get("choices"):
            return {"id": key, "action": self.last["choices"][0][0]}
        if "invite code" in str(self.last.get("text", "")):
            return {"id": key, "text": self.invite}
        return {"id": key, "text": f"Answer {index} of browser {self.number}"}

    async def talk(self, index: int) -> None:
        began = time.perf_counter()
        async with self.session.post("/chat/api/send", json=self.next_message(index)) as sent:
            await sent.read()
            if sent.status == 429:
                self.refused += 1
                return
            sent.raise_for_status()
        self.sends.append(time.perf_counter() - began)
        while True:
            params = {"after": str(self.seen), "wait": "20"}
            async with self.session.get("/chat/api/messages", params=params) as polled:
                messages = (await polled.json())["messages"]
            if messages:
                break
        self.replies.append(time.perf_counter() - began)
        self.seen, self.last = messages[-1]["id"], messages[-1]
        await self._settle()

    async def _settle(self) -> None:
        """Read what else the reply brought (a question after a note) without waiting."""
        params = {"after": str(self.seen), "wait": "0"}
        async with self.session.get("/chat/api/messages", params=params) as polled:
            messages = (await polled.json())["messages"]
        if messages:
            self.seen, self.last = messages[-1]["id"], messages[-1]


async def converse(browser: Browser, messages: int, gate: asyncio.Semaphore) -> None:
    for index in range(messages):
        async with gate:
            await browser.talk(index)


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(percentile(ordered, 0.5) * 1000, 2),
        "p90_ms": round(percentile(ordered, 0.9) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(
        database_url=url,
        web_new_identities_per_hour=args.people * 2,
        web_message_burst=args.messages + 10,
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = Bot(settings)
    invite = await prepare_database(bot.database, args.people + 10)
    base = await bot.start("127.0.0.1", 0)
    browsers = [Browser(base, n, invite) for n in range(args.people)]
    gate = asyncio.Semaphore(args.concurrency)
    try:
        began = time.perf_counter()
        await asyncio.gather(*(converse(b, args.messages, gate) for b in browsers))
        seconds = time.perf_counter() - began
    finally:
        for browser in browsers:
            await browser.session.close()
        await bot.stop()
    sends = [s for b in browsers for s in b.sends]
    replies = [r for b in browsers for r in b.replies]
    return {
        "people": args.people,
        "messages_each": args.messages,
        "concurrency": args.concurrency,
        "seconds": round(seconds, 3),
        "messages": len(sends),
        "refused": sum(b.refused for b in browsers),
        "messages_per_s": round(len(sends) / seconds, 1),
        "send": spread(sends),
        "reply": spread(replies),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    log(f"c2cbot from {Path(c2cbot.__file__).parent}")
    if args.backend == "postgresql":
        await reset_postgres(args.postgres)
        result = await run(args.postgres, args)
    else:
        with scratch_sqlite_url() as url:
            result = await run(url, args)
    result |= {
        "backend": args.backend,
        "code": code_version(),
        "c2cbot_from": str(Path(c2cbot.__file__).parent),
        "machine": machine(args.backend, ""),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg": os.getloadavg(),
    }
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200, help="browsers at once (200)")
    parser.add_argument("--messages", type=int, default=10, help="messages each (10)")
    parser.add_argument("--concurrency", type=int, default=100, help="messages in flight (100)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres",
        default=POSTGRES,
        help=f"scratch PostgreSQL database: its public schema is DROPPED ({POSTGRES})",
    )
    parser.add_argument("--tag", default="", help="added to the results file's name")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    outcome = asyncio.run(main(arguments))
    RESULTS.mkdir(exist_ok=True)
    day = datetime.now(UTC).date().isoformat()
    target = RESULTS / f"web-chat-{arguments.backend}-{day}{arguments.tag}.json"
    target.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
    summary = {k: outcome[k] for k in ("messages", "refused", "messages_per_s", "send", "reply")}
    print(json.dumps(summary, indent=2))
    log(f"written to {target}")
