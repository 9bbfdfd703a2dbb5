"""``c2cbot demo`` and ``c2cbot run``: the bot serving its channels until it is stopped."""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import timedelta

from c2cbot.cli.common import Commands, opened
from c2cbot.cli.database import load_reference
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


async def run_command(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with opened(settings) as database:
        await upgrade(database)
    await serve(settings, banner="")


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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await bot.stop()
