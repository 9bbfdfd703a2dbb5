"""The ``c2cbot`` command: the composition root that turns settings into a running bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from c2cbot import export_files
from c2cbot.channels import wecom
from c2cbot.channels.telegram.channel import TelegramSetupError
from c2cbot.channels.wecom.errors import WeComError
from c2cbot.channels.wecom.writing import group_chat_id
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.digests import Markup
from c2cbot.digests.render import preview_pairs, render_any
from c2cbot.domain.reference import load_reference
from c2cbot.flows.loader import ConversationError, load_all, untranslated
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot, link_wecom_group, translator_from, tune_gc_for_serving
from c2cbot.scheduling import commands as scheduling
from c2cbot.scheduling.on_request import NothingToPost, post_digest
from c2cbot.store.database import Database
from c2cbot.store.digest_facts import preview_facts
from c2cbot.store.exports import COLUMNS, answer_rows
from c2cbot.store.invites import create_invite
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import Partnership
from c2cbot.store.outbox import SqlOutbox
from c2cbot.store.partnership_lookup import PartnershipNotFound, find_partnership
from c2cbot.store.seeding import seed_reference

DEMO_PARTNERSHIP = "Gothenburg–Shanghai"
NO_JOBS_YET = "no jobs are stored yet: `c2cbot run` stores them when it first starts"


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    if not hasattr(arguments, "command"):
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "C2C_" + str(problem["loc"][0]).upper() if problem["loc"] else "settings"
            print(f"invalid setting {name}: {problem['msg']}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # python-telegram-bot's coming duration type
    try:
        return int(asyncio.run(arguments.command(settings, arguments)) or 0)
    except (
        CommandError,
        ConversationError,
        TelegramSetupError,
        WeComError,
        scheduling.UnknownJob,
    ) as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="c2cbot", description=__doc__)
    commands = parser.add_subparsers(title="commands")
    demo = commands.add_parser(
        "demo", help="run on SQLite under ./var/ with the browser chat and reference data"
    )
    demo.set_defaults(command=_demo)
    run = commands.add_parser(
        "run", help="run every configured channel, the outbox and the web server"
    )
    run.set_defaults(command=_run)
    db = commands.add_parser("db", help="database maintenance").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(
        command=_db_upgrade
    )
    commands.add_parser(
        "seed", help="load the reference cities, partnerships and KPI catalogue"
    ).set_defaults(command=_seed)
    conversations = commands.add_parser("conversations", help="conversation files").add_subparsers(
        title="conversations commands"
    )
    conversations.add_parser(
        "check", help="validate conversations/*.yaml and their translations"
    ).set_defaults(command=_check)
    invite = commands.add_parser("invite", help="print a fresh invite code for a partnership")
    invite.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    invite.add_argument("--role", choices=["member", "coordinator"], default="member")
    invite.add_argument(
        "--uses", type=_positive, default=1, help="how many people may use it (default 1)"
    )
    invite.add_argument(
        "--days", type=_positive, default=14, help="days until it expires (default 14)"
    )
    invite.set_defaults(command=_invite)
    export = commands.add_parser("export", help="export data").add_subparsers(
        title="export commands"
    )
    answers = export.add_parser("answers", help="every answer with who, where and when")
    answers.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
    answers.add_argument(
        "--output", type=Path, help="file to write (default: standard output; required for xlsx)"
    )
    answers.add_argument(
        "--partnership",
        metavar="ID_OR_NAME",
        help="only this partnership's answers and people (default: every partnership)",
    )
    answers.set_defaults(command=_export_answers)
    group = commands.add_parser(
        "wecom-group", help="create the partnership's WeCom group chat and link it for digests"
    )
    group.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    group.add_argument("--owner", required=True, help="WeCom userid of the group's owner")
    group.add_argument("--members", required=True, nargs="+", help="WeCom userids to add")
    group.add_argument("--name", help="the group's name (default: the partnership's)")
    group.set_defaults(command=_wecom_group)
    digest = commands.add_parser(
        "digest", help="post a partnership's digest into its linked groups, or print it"
    )
    digest.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    digest.add_argument("--kind", choices=["weekly", "meeting"], default="weekly")
    digest.add_argument("--meeting", type=_positive, help="meeting id (default: the last one)")
    digest.add_argument("--dry-run", action="store_true", help="print only, send nothing")
    digest.set_defaults(command=_digest)
    jobs = commands.add_parser("jobs", help="the scheduler's jobs: list, run now, pause, resume")
    jobs.add_argument("action", choices=["list", "run", "pause", "resume"])
    jobs.add_argument("name", nargs="?", help="the job (all but list)")
    jobs.set_defaults(command=_jobs)
    prompts = commands.add_parser("prompts", help="scheduled prompts")
    prompts.add_argument("action", choices=["preview"])
    prompts.add_argument("--days", type=_positive, default=7, help="how far ahead (default 7)")
    prompts.set_defaults(command=_prompts)
    outbox = commands.add_parser("outbox", help="dead letters: list them or send them again")
    outbox.add_argument("action", choices=["list", "retry"])
    outbox.add_argument("ids", nargs="*", type=int, help="message ids to retry (default: all)")
    outbox.set_defaults(command=_outbox)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return value


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        await database.close()


async def _db_upgrade(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with _database(settings) as database:
        await upgrade(database)
    print("database is at the newest schema")


async def _seed(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with _database(settings) as database:
        await upgrade(database)
        seeded = await _load_reference(database)
    print(f"reference data: {seeded}")


async def _load_reference(database: Database) -> str:
    async with database.transaction() as session:
        seeded = await seed_reference(session, load_reference(), database.clock())
    return f"{seeded.cities} cities, {seeded.partnerships} new partnerships, {seeded.kpis} new KPIs"


async def _check(settings: Settings, _arguments: argparse.Namespace) -> int:
    conversations = load_all(settings.conversations_dir)
    texts = Catalogues(settings.locale_dir, settings.default_language)
    catalogues = {code: texts.known(code) for code in texts.languages if code != "en"}
    problems = untranslated(conversations, catalogues)
    for problem in problems:
        print(problem)
    print(f"{len(conversations)} conversations, {len(problems)} problems")
    return 1 if problems else 0


async def _invite(settings: Settings, arguments: argparse.Namespace) -> None:
    async with _database(settings) as database, database.transaction() as session:
        partnership = await _partnership(session, arguments.partnership)
        invite = await create_invite(
            session,
            partnership,
            role=arguments.role,
            uses=arguments.uses,
            now=system_clock(),
            valid_for=timedelta(days=arguments.days),
        )
    print(invite.code)


async def _digest(settings: Settings, arguments: argparse.Namespace) -> None:
    if not arguments.dry_run:
        await _post_digest(settings, arguments)
        return
    texts, now = Catalogues(settings.locale_dir, settings.default_language), system_clock()
    async with _database(settings) as database, database.transaction() as session:
        partnership = await _partnership(session, arguments.partnership)
        facts = await preview_facts(session, partnership.id, arguments.kind, arguments.meeting, now)
    if facts is None:
        raise CommandError("no such meeting notes for this partnership")
    for pair in preview_pairs(texts.languages):
        print(f"===== {' + '.join(pair)} =====")
        for message in render_any(facts, pair, Markup.PLAIN, texts, now):
            print(message, end="\n\n")


async def _post_digest(settings: Settings, arguments: argparse.Namespace) -> None:
    """Write the digest to the outbox of every linked group; the running bot sends it."""
    texts, now = Catalogues(settings.locale_dir, settings.default_language), system_clock()
    translator = translator_from(settings)
    try:
        async with _database(settings) as database:
            async with database.sessions() as session:
                partnership = await find_partnership(session, arguments.partnership)
            posted = await post_digest(
                database,
                texts,
                partnership.id,
                arguments.kind,
                now,
                meeting_id=arguments.meeting,
                translator=translator,
            )
    except PartnershipNotFound as error:
        raise _no_partnership(error) from None
    except NothingToPost:
        raise CommandError("no such meeting notes for this partnership") from None
    finally:
        if translator is not None:
            await translator.close()
    if not posted:
        raise CommandError(f"{partnership.name} has no linked group chat: nothing was posted")
    print(f"{arguments.kind} digest of {partnership.name} written to the outbox for:")
    for where in posted:
        chat = where.chat
        languages = " + ".join(chat.languages)
        print(f"  {chat.channel} {chat.chat_id} ({languages}): {where.messages} messages")


async def _export_answers(settings: Settings, arguments: argparse.Namespace) -> None:
    if arguments.format == "xlsx" and arguments.output is None:
        raise CommandError("xlsx needs --output FILE")
    async with _database(settings) as database, database.sessions() as session:
        partnership_id = await _partnership_id(session, arguments.partnership)
        rows = answer_rows(session, partnership_id=partnership_id)
        if arguments.format == "xlsx":
            await export_files.write_xlsx(rows, arguments.output, COLUMNS)
            return
        with _open_output(arguments.output) as out:
            if arguments.format == "jsonl":
                await export_files.write_jsonl(rows, out)
            else:
                await export_files.write_csv(rows, out, COLUMNS)


async def _partnership_id(session: Any, name: str | None) -> int | None:
    """The partnership an export is limited to, if one was named."""
    if name is None:
        return None
    return (await _partnership(session, name)).id


async def _partnership(session: Any, wanted: str) -> Partnership:
    try:
        return await find_partnership(session, wanted)
    except PartnershipNotFound as error:
        raise _no_partnership(error) from None


def _no_partnership(error: PartnershipNotFound) -> CommandError:
    """What the operator reads: the text that fits no single partnership, and the near ones."""
    message = f"no single partnership matches {error.wanted!r}"
    if error.candidates:
        message += "; did you mean: " + ", ".join(error.candidates)
    return CommandError(message)


@contextlib.contextmanager
def _open_output(path: Path | None) -> Any:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


async def _wecom_group(settings: Settings, arguments: argparse.Namespace) -> None:
    bot = Bot(settings)
    try:
        if not bot.runs(wecom.SPEC):
            raise CommandError("WeCom is not configured: set the C2C_WECOM_* settings")
        async with bot.database.transaction() as session:
            partnership = await find_partnership(session, arguments.partnership)
        name = arguments.name or partnership.name
        app = bot.running(wecom.SPEC)
        chat = await app.create_group(name, arguments.owner, arguments.members)
        await link_wecom_group(bot, partnership.id, group_chat_id(chat), name)
        print(f"created and linked WeCom group {chat} for {partnership.name}")
    except PartnershipNotFound as error:
        raise _no_partnership(error) from None
    finally:
        await bot.stop()


async def _jobs(settings: Settings, arguments: argparse.Namespace) -> None:
    if arguments.action != "list" and not arguments.name:
        raise CommandError(f"jobs {arguments.action} needs the job's name (see `c2cbot jobs list`)")
    async with _database(settings) as database:
        await upgrade(database)
        if arguments.action == "list":
            rows = await scheduling.list_jobs(database)
            scheduling.print_jobs(rows) if rows else print(NO_JOBS_YET)
        elif arguments.action == "run":
            texts = Catalogues(settings.locale_dir, settings.default_language)
            count = await scheduling.run_job(
                database, texts, arguments.name, reminder_days=settings.reminder_days
            )
            print(f"{arguments.name}: {count}")
        else:
            change = scheduling.pause_job if arguments.action == "pause" else scheduling.resume_job
            try:
                scheduling.print_jobs([await change(database, arguments.name)])
            except KeyError:  # APScheduler's JobLookupError: known name, not stored yet
                raise CommandError(NO_JOBS_YET) from None


async def _prompts(settings: Settings, arguments: argparse.Namespace) -> None:
    async with _database(settings) as database:
        await upgrade(database)
        rows = await scheduling.preview_prompts(
            database, system_clock(), arguments.days, settings.reminder_days
        )
    if rows:
        scheduling.print_preview(rows)
    else:
        print(f"nobody would be asked anything in the next {arguments.days} days")


async def _outbox(settings: Settings, arguments: argparse.Namespace) -> None:
    async with _database(settings) as database:
        outbox = SqlOutbox(database)
        if arguments.action == "retry":
            print(f"{await outbox.revive(arguments.ids, system_clock())} messages queued again")
            return
        for letter in await outbox.dead_letters():
            print(f"{letter.id}\t{letter.channel}\t{letter.attempts} attempts\t{letter.error}")


async def _demo(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with _database(settings) as database:
        await upgrade(database)
        print(f"reference data: {await _load_reference(database)}")
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
    await _serve(settings, banner=f"Invite code for {DEMO_PARTNERSHIP} (coordinator): {code}")


async def _run(settings: Settings, _arguments: argparse.Namespace) -> None:
    async with _database(settings) as database:
        await upgrade(database)
    await _serve(settings, banner="")


async def _serve(settings: Settings, banner: str) -> None:
    bot = Bot(settings)
    url = await bot.start(settings.http_host, settings.http_port, schedule=True)
    tune_gc_for_serving()
    print(f"c2cbot is running. Browser chat: {url}/chat", flush=True)
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


if __name__ == "__main__":
    raise SystemExit(main())
