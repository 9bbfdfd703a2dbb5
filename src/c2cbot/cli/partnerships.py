"""``c2cbot partnerships list|show|add|set-loop``: partnerships managed without editing files.

Wherever a partnership is named it is found as ``c2cbot invite`` finds it (by id, key,
name in any case and dash, or its cities); cities are found by key or any name.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.cli.common import BadInput, Commands, opened, partnership
from c2cbot.cli.partnership_sheet import print_sheet, sheet_data, step_on_loop
from c2cbot.cli.tables import add_json_option, print_json, print_table
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.domain.steps import LOOPS
from c2cbot.store.city_records import find_city
from c2cbot.store.models import City, Partnership
from c2cbot.store.partnership_records import (
    add_partnership,
    move_to_loop,
    partnership_lines,
    partnership_sheet,
)
from c2cbot.store.refused import Refused

LIST_COLUMNS = ("id", "key", "name", "cities", "loop", "step", "members")
DEFAULT_LOOP = "new_partnership"


def register(commands: Commands) -> None:
    family = commands.add_parser("partnerships", help="list, show, add partnerships; set loops")
    actions = family.add_subparsers(title="partnerships commands", required=True)
    listing = actions.add_parser("list", help="every partnership with its cities and members")
    add_json_option(listing)
    listing.set_defaults(command=list_partnerships)
    show = actions.add_parser("show", help="one partnership in full")
    show.add_argument("partnership", metavar="ID_OR_NAME")
    add_json_option(show)
    show.set_defaults(command=show_partnership)
    _register_add(actions)
    moving = actions.add_parser("set-loop", help="put a partnership on a loop (and a step)")
    moving.add_argument("partnership", metavar="ID_OR_NAME")
    moving.add_argument("loop", metavar="LOOP", help=f"one of: {', '.join(LOOPS)}")
    moving.add_argument("--step", help="a step on the loop (default: keep it, or the first)")
    moving.set_defaults(command=set_loop)


def _register_add(actions: Commands) -> None:
    add = actions.add_parser("add", help="a new partnership of cities already known")
    add.add_argument(
        "--city", action="append", required=True, help="a city's key or name (twice or more)"
    )
    add.add_argument("--name", help="its name (default: the cities' names, as A–B)")
    add.add_argument("--key", help="its key (default: the cities' keys, as a_b)")
    add.add_argument("--loop", default=DEFAULT_LOOP, help=f"one of: {', '.join(LOOPS)}")
    add.add_argument("--step", help="a step on the loop (default: its first)")
    add_json_option(add)
    add.set_defaults(command=add_command)


async def list_partnerships(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.sessions() as session:
        lines = await partnership_lines(session)
    rows = [
        {**line.__dict__, "cities": list(line.cities), "step": step_on_loop(line.loop, line.step)}
        for line in lines
    ]
    print_json(rows) if arguments.json else print_table(rows, LIST_COLUMNS)


async def show_partnership(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.sessions() as session:
        found = await partnership(session, arguments.partnership, BadInput)
        sheet = await partnership_sheet(session, found)
    data = sheet_data(sheet)
    print_json(data) if arguments.json else print_sheet(data)


async def add_command(settings: Settings, arguments: argparse.Namespace) -> None:
    if len(arguments.city) < 2:
        raise BadInput("a partnership needs two cities or more: give --city twice")
    async with opened(settings) as database, database.transaction() as session:
        try:
            cities = [await find_city(session, city) for city in arguments.city]
            added = await _add(session, cities, arguments)
        except Refused as error:
            raise BadInput(str(error)) from None
        sheet = await partnership_sheet(session, added)
    if arguments.json:
        print_json(sheet_data(sheet))
    else:
        print(f"added partnership {added.id}: {added.name} ({added.key})")


async def _add(
    session: AsyncSession, cities: Sequence[City], arguments: argparse.Namespace
) -> Partnership:
    return await add_partnership(
        session,
        cities,
        name=arguments.name,
        key=arguments.key,
        loop=arguments.loop,
        step=arguments.step,
        now=system_clock(),
    )


async def set_loop(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.transaction() as session:
        found = await partnership(session, arguments.partnership, BadInput)
        try:
            move_to_loop(found, arguments.loop, arguments.step)
        except Refused as error:
            raise BadInput(str(error)) from None
    print(f"{found.name}: loop {found.loop}, step {step_on_loop(found.loop, found.step)}")
