"""``c2cbot demo`` and ``c2cbot run``: the bot serving its channels until it is stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from c2cbot.cli.common import BadInput, Commands, opened
from c2cbot.cli.database import load_reference
from c2cbot.cli.workers import MAX_WORKERS, metrics_port, orphaned, refusal, supervise
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.runtime import Bot, tune_gc_for_serving
from c2cbot.store.invites import create_invite
from c2cbot.store.migrate import upgrade
from c2cbot.store.partnership_lookup import find_partnership

DEMO_PARTNERSHIP = "Gothenburg–Shanghai"


def register(commands: Commands) -> None:
    demo = commands.add_parser(
        "demo", help="run on SQLite under ./var/ with the browser chat and reference data"
    )
    demo.set_defaults(command=demo_command)
    run = commands.add_parser(
        "run", help="run every configured channel, the outbox and the web server"
    )
    run.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"serving processes on one port (1 to {MAX_WORKERS}; above 1 needs PostgreSQL); "
        "default C2C_WORKERS, else 1",
    )
    # How the supervisor of ``--workers`` starts each worker; not for people.
    run.add_argument("--worker-of", type=int, help=argparse.SUPPRESS)
    run.add_argument("--worker-index", type=int, default=0, help=argparse.SUPPRESS)
    run.set_defaults(command=run_command)


async def demo_command(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with opened(settings) as database:
        await upgrade(database)
        print(f"reference data: {await load_reference(database)}")
        async with database.transaction() as session:
            partnership = await find_partnership(session, DEMO_PARTNERSHIP)
            invite = await create_invite(
                session,
                partnership,
                role="coordinator",
                uses=100,
                now=system_clock(),
                valid_for=timedelta(days=30),
            )
    code = invite.code
    await serve(settings, banner=f"Invite code for {DEMO_PARTNERSHIP} (coordinator): {code}")


async def run_command(settings: Settings, arguments: argparse.Namespace) -> int:
    workers = settings.workers if arguments.workers is None else arguments.workers
    if arguments.worker_of is not None:
        await serve_as_worker(settings, (arguments.worker_index, workers), arguments.worker_of)
        return 0
    problem = refusal(settings, workers)
    if problem is not None:
        raise BadInput(problem)
    async with opened(settings) as database:
        await upgrade(database)  # once, before any worker starts
    if workers > 1:
        return await supervise(settings, workers)
    await serve(settings, banner="")
    return 0


async def serve(settings: Settings, banner: str) -> None:
    """Run the bot, with its scheduler, until SIGINT or SIGTERM."""
    bot = Bot(settings)
    metrics = (settings.metrics_host, settings.metrics_port)
    url = await bot.start(settings.http_host, settings.http_port, schedule=True, metrics=metrics)
    tune_gc_for_serving()
    print(f"c2cbot is running. Browser chat: {url}/chat", flush=True)
    if bot.metrics_url:
        print(f"Metrics for the operator: {bot.metrics_url}/metrics", flush=True)
    if banner:
        print(banner, flush=True)
    try:
        await _stopped()
    finally:
        await bot.stop()


async def serve_as_worker(settings: Settings, place: tuple[int, int], supervisor: int) -> None:
    """Worker ``index`` of ``count``: the port shared, Telegram polling only in worker 0,
    metrics on C2C_METRICS_PORT + index, a 1/count share of the channels' overall send
    rates until the outbox has counted the senders; until SIGTERM, or until the
    supervisor is gone."""
    index, count = place
    bot = Bot(settings, senders=count)
    metrics = (settings.metrics_host, metrics_port(settings, index))
    url = await bot.start(
        settings.http_host,
        settings.http_port,
        schedule=True,
        metrics=metrics,
        shared_port=True,
        background=index == 0,
    )
    tune_gc_for_serving()
    where = f"Browser chat: {url}/chat"
    if bot.metrics_url:
        where += f", metrics: {bot.metrics_url}/metrics"
    print(f"c2cbot worker {index} (pid {os.getpid()}) is serving. {where}", flush=True)
    try:
        await _stopped(orphaned(supervisor))
    finally:
        await bot.stop()


async def _stopped(*also: Coroutine[Any, Any, None]) -> None:
    """Return on SIGINT or SIGTERM, or when any of ``also`` returns."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waits = [asyncio.create_task(stop.wait()), *(asyncio.create_task(c) for c in also)]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
