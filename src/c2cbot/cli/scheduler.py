"""``c2cbot jobs``, ``prompts`` and ``outbox``: the scheduler's jobs, what they would ask,
and the messages that could not be sent."""

from __future__ import annotations

import argparse

from c2cbot.cli.common import CommandError, Commands, opened, positive
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.i18n import Catalogues
from c2cbot.scheduling import commands as scheduling
from c2cbot.store.database import Database
from c2cbot.store.migrate import upgrade
from c2cbot.store.outbox import SqlOutbox

NO_JOBS_YET = "no jobs are stored yet: `c2cbot run` stores them when it first starts"


def register(commands: Commands) -> None:
    jobs = commands.add_parser("jobs", help="the scheduler's jobs: list, run now, pause, resume")
    jobs.add_argument("action", choices=["list", "run", "pause", "resume"])
    jobs.add_argument("name", nargs="?", help="the job (all but list)")
    jobs.set_defaults(command=jobs_command)
    prompts = commands.add_parser("prompts", help="scheduled prompts")
    prompts.add_argument("action", choices=["preview"])
    prompts.add_argument("--days", type=positive, default=7, help="how far ahead (default 7)")
    prompts.set_defaults(command=prompts_command)
    outbox = commands.add_parser("outbox", help="dead letters: list them or send them again")
    outbox.add_argument("action", choices=["list", "retry"])
    outbox.add_argument("ids", nargs="*", type=int, help="message ids to retry (default: all)")
    outbox.set_defaults(command=outbox_command)


async def jobs_command(settings: Settings, arguments: argparse.Namespace) -> None:
    if arguments.action != "list" and not arguments.name:
        raise CommandError(f"jobs {arguments.action} needs the job's name (see `c2cbot jobs list`)")
    async with opened(settings) as database:
        await upgrade(database)
        if arguments.action == "list":
            rows = await scheduling.list_jobs(database)
            scheduling.print_jobs(rows) if rows else print(NO_JOBS_YET)
        elif arguments.action == "run":
            await _run_job(settings, database, arguments.name)
        else:
            await _pause_or_resume(database, arguments.action, arguments.name)


async def _run_job(settings: Settings, database: Database, name: str) -> None:
    texts = Catalogues(settings.locale_dir, settings.default_language)
    count = await scheduling.run_job(database, texts, name, reminder_days=settings.reminder_days)
    print(f"{name}: {count}")


async def _pause_or_resume(database: Database, action: str, name: str) -> None:
    change = scheduling.pause_job if action == "pause" else scheduling.resume_job
    try:
        scheduling.print_jobs([await change(database, name)])
    except KeyError:  # APScheduler's JobLookupError: known name, not stored yet
        raise CommandError(NO_JOBS_YET) from None


async def prompts_command(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database:
        await upgrade(database)
        rows = await scheduling.preview_prompts(
            database, system_clock(), arguments.days, settings.reminder_days
        )
    if rows:
        scheduling.print_preview(rows)
    else:
        print(f"nobody would be asked anything in the next {arguments.days} days")


async def outbox_command(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database:
        outbox = SqlOutbox(database)
        if arguments.action == "retry":
            print(f"{await outbox.revive(arguments.ids, system_clock())} messages queued again")
            return
        for letter in await outbox.dead_letters():
            print(f"{letter.id}\t{letter.channel}\t{letter.attempts} attempts\t{letter.error}")
