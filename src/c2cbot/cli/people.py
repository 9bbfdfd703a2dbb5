"""``c2cbot people list``: who takes part, where and in what role; never what they answered.

The list is read at an operator's desk: names, cities, organisations and roles, the
channels people use by name only (no channel ids) and when they last wrote.
"""

from __future__ import annotations

import argparse

from c2cbot.cli.common import BadInput, Commands, opened, partnership
from c2cbot.cli.tables import add_json_option, print_json, print_table
from c2cbot.config import Settings
from c2cbot.store.people_directory import people_lines

COLUMNS = ("id", "name", "city", "organisation", "helix_role", "roles", "channels", "last_seen")


def register(commands: Commands) -> None:
    family = commands.add_parser("people", help="who takes part")
    actions = family.add_subparsers(title="people commands", required=True)
    listing = actions.add_parser("list", help="everyone, or one partnership's members")
    listing.add_argument("--partnership", metavar="ID_OR_NAME", help="only its members")
    add_json_option(listing)
    listing.set_defaults(command=list_people)


async def list_people(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.sessions() as session:
        only = None
        if arguments.partnership is not None:
            only = (await partnership(session, arguments.partnership, BadInput)).id
        lines = await people_lines(session, only)
    rows = [{**line.__dict__, "channels": list(line.channels)} for line in lines]
    print_json(rows) if arguments.json else print_table(rows, COLUMNS)
