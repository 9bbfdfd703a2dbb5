"""``c2cbot export answers``: every answer, or one partnership's, as JSON lines, CSV or xlsx."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot import export_files
from c2cbot.cli.common import CommandError, Commands, opened, output, partnership
from c2cbot.config import Settings
from c2cbot.store.exports import COLUMNS, answer_rows


def register(commands: Commands) -> None:
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
    answers.set_defaults(command=export_answers)


async def export_answers(settings: Settings, arguments: argparse.Namespace) -> None:
    if arguments.format == "xlsx" and arguments.output is None:
        raise CommandError("xlsx needs --output FILE")
    async with opened(settings) as database, database.sessions() as session:
        partnership_id = await _partnership_id(session, arguments.partnership)
        rows = answer_rows(session, partnership_id=partnership_id)
        if arguments.format == "xlsx":
            await export_files.write_xlsx(rows, arguments.output, COLUMNS)
            return
        with output(arguments.output) as out:
            if arguments.format == "jsonl":
                await export_files.write_jsonl(rows, out)
            else:
                await export_files.write_csv(rows, out, COLUMNS)


async def _partnership_id(session: AsyncSession, name: str | None) -> int | None:
    """The partnership an export is limited to, if one was named."""
    if name is None:
        return None
    return (await partnership(session, name)).id
