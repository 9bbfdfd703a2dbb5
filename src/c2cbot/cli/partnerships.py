"""``c2cbot partnerships list|show|add|set-loop``: partnerships managed without editing files.

Wherever a partnership is named it is found as ``c2cbot invite`` finds it (by id, key,
name in any case and dash, or its cities); cities are found by key or any name.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.cli.common import BadInput, Commands, opened, partnership
from c2cbot.cli.tables import add_json_option, print_fields, print_json, print_table
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.domain.steps import LOOPS, number_on
from c2cbot.store.city_records import find_city
from c2cbot.store.models import City, Partnership
from c2cbot.store.partnership_records import (
    PartnershipSheet,
    add_partnership,
    move_to_loop,
    partnership_lines,
    partnership_sheet,
)
from c2cbot.store.refused import Refused

LIST_COLUMNS = ("id", "key", "name", "cities", "loop", "step", "members")
KPI_COLUMNS = ("kpi", "frequency", "responsible", "baseline", "target", "unit", "active")
DEFAULT_LOOP = "new_partnership"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
        {**line.__dict__, "cities": list(line.cities), "step": _step(line.loop, line.step)}
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


async def _add(session: AsyncSession, cities: Sequence[City], arguments: Any) -> Partnership:
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
    print(f"{found.name}: loop {found.loop}, step {_step(found.loop, found.step)}")


def _step(loop: str, step: str) -> str:
    """ "plan (3 of 6)": the step and where it lies on the partnership's loop."""
    known = LOOPS.get(loop)
    number = number_on(known, step) if known else None
    return f"{step} ({number} of {len(known.steps)})" if known and number else step


def sheet_data(sheet: PartnershipSheet) -> dict[str, Any]:
    """A partnership in full as plain data: what --json prints and the text is made of."""
    p = sheet.partnership
    return {
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "cities": [_city(c) for c in sheet.cities],
        "loop": p.loop,
        "step": p.step,
        "step_on_loop": _step(p.loop, p.step),
        "mou_signed": p.mou_signed,
        "mou_expires": p.mou_expires,
        "plan_review_on": p.plan_review_on,
        "follow_up_days": p.follow_up_days,
        "reminder_days": p.reminder_days,
        "members": [m.__dict__ for m in sheet.members],
        "group_chats": [_group(g) for g in sheet.groups],
        "kpi_plans": [_kpi_plan(k) for k in sheet.kpi_plans],
    }


def _city(city: City) -> dict[str, str]:
    return {
        "key": city.key,
        "name": city.name_en,
        "name_zh": city.name_zh,
        "country": city.country,
        "side": city.side,
        "timezone": city.timezone,
    }


def _group(group: Any) -> dict[str, Any]:
    weekday = WEEKDAYS[(group.digest_weekday - 1) % 7]
    return {
        "channel": group.channel,
        "chat_id": group.chat_id,
        "languages": group.languages,
        "weekly_digest": f"{weekday} {group.digest_time} {group.timezone or ''}".strip(),
    }


def _kpi_plan(plan: Any) -> dict[str, Any]:
    return {
        "kpi": plan.kpi_key,
        "name": plan.name,
        "frequency": plan.frequency,
        "responsible": plan.responsible_helix,
        "baseline": plan.baseline,
        "target": plan.target,
        "unit": plan.unit or plan.currency,
        "active": "yes" if plan.active else "no",
    }


def print_sheet(data: dict[str, Any]) -> None:
    cities = [
        f"{c['name']} {c['name_zh']} ({c['country']}, {c['timezone']})" for c in data["cities"]
    ]
    print_fields(
        [
            ("partnership", f"{data['id']}: {data['name']} ({data['key'] or '-'})"),
            ("cities", cities),
            ("loop", data["loop"]),
            ("step", data["step_on_loop"]),
            ("MoU signed", data["mou_signed"]),
            ("MoU expires", data["mou_expires"]),
            ("plan review", data["plan_review_on"]),
            ("follow-up days", data["follow_up_days"]),
            ("reminder days", data["reminder_days"] or "the bot's default"),
        ]
    )
    _print_members(data["members"])
    print("\ngroup chats:")
    for group in data["group_chats"] or [None]:
        print(f"  {_group_line(group)}" if group else "  none linked")
    print("\nKPI plans:")
    print_table(data["kpi_plans"], KPI_COLUMNS) if data["kpi_plans"] else print("  none yet")


def _print_members(members: list[dict[str, Any]]) -> None:
    print("\nmembers:")
    if not members:
        print("  nobody has joined yet")
    city = object()
    for member in members:
        if member["city"] != city:
            city = member["city"]
            print(f"  {city or 'city not given'}")
        helix = f" ({member['helix_role']})" if member["helix_role"] else ""
        print(f"    {member['role']}: {member['name'] or 'name not given'}{helix}")


def _group_line(group: dict[str, Any]) -> str:
    languages = " + ".join(group["languages"])
    where = f"{group['channel']} {group['chat_id']} ({languages})"
    return f"{where}, weekly digest {group['weekly_digest']}"
