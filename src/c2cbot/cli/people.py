"""``c2cbot people list``: who takes part, where and in what role; never what they answered.

The list is read at an operator's desk: names, cities, organisations and roles, the
channels people use by name only (no channel ids) and when they last wrote.
``people export ID`` and ``people forget ID --yes`` answer a person's data request made
outside the chat (the same data as /mydata, the same erasure as /forget); both are logged
with the person's number only.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from c2cbot.cli.common import BadInput, Commands, opened, partnership
from c2cbot.cli.tables import add_json_option, print_json, print_table
from c2cbot.config import Settings
from c2cbot.store.erasure import erase_person
from c2cbot.store.models import Stakeholder
from c2cbot.store.people_directory import people_lines
from c2cbot.store.personal_data import personal_data

log = logging.getLogger(__name__)

COLUMNS = ("id", "name", "city", "organisation", "helix_role", "roles", "channels", "last_seen")


def register(commands: Commands) -> None:
    family = commands.add_parser("people", help="who takes part")
    actions = family.add_subparsers(title="people commands", required=True)
    listing = actions.add_parser("list", help="everyone, or one partnership's members")
    listing.add_argument("--partnership", metavar="ID_OR_NAME", help="only its members")
    add_json_option(listing)
    listing.set_defaults(command=list_people)
    export = actions.add_parser("export", help="everything kept about one person, as JSON")
    export.add_argument("id", type=int, help="the person's number in `people list`")
    export.set_defaults(command=export_person)
    forget = actions.add_parser("forget", help="erase one person (answers stay, nameless)")
    forget.add_argument("id", type=int, help="the person's number in `people list`")
    forget.add_argument("--yes", action="store_true", help="really erase: it cannot be undone")
    forget.set_defaults(command=forget_person)


async def list_people(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.sessions() as session:
        only = None
        if arguments.partnership is not None:
            only = (await partnership(session, arguments.partnership, BadInput)).id
        lines = await people_lines(session, only)
    rows = [{**line.__dict__, "channels": list(line.channels)} for line in lines]
    print_json(rows) if arguments.json else print_table(rows, COLUMNS)


async def export_person(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.sessions() as session:
        await _known(session, arguments.id)
        data = await personal_data(session, arguments.id)
    log.info("personal data of person #%d exported by the operator", arguments.id)
    print_json(data.as_json())


async def forget_person(settings: Settings, arguments: argparse.Namespace) -> None:
    if not arguments.yes:
        raise BadInput("erasing cannot be undone: add --yes to erase this person")
    async with opened(settings) as database, database.transaction() as session:
        await _known(session, arguments.id)
        erased = await erase_person(session, arguments.id)
    log.info("person #%d erased by the operator: %s", arguments.id, erased.summary())
    print(f"person {arguments.id} erased: {erased.summary()}")


async def _known(session: Any, stakeholder_id: int) -> None:
    if await session.get(Stakeholder, stakeholder_id) is None:
        raise BadInput(f"no person {stakeholder_id}")
