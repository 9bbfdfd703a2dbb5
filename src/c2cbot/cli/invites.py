"""``c2cbot invite`` and ``c2cbot invites list|revoke``: invite codes, the only way into a
partnership; a fresh one is how its first coordinator gets in."""

from __future__ import annotations

import argparse
from datetime import timedelta

from c2cbot.cli.common import BadInput, Commands, opened, partnership, positive
from c2cbot.cli.tables import add_json_option, print_json, print_table
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.store.invite_records import invite_lines, revoke_invite
from c2cbot.store.invites import create_invite
from c2cbot.store.refused import Refused

COLUMNS = ("code", "partnership", "role", "uses_left", "expires", "created", "state")


def register(commands: Commands) -> None:
    invite = commands.add_parser("invite", help="print a fresh invite code for a partnership")
    invite.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    invite.add_argument("--role", choices=["member", "coordinator"], default="member")
    invite.add_argument(
        "--uses", type=positive, default=1, help="how many people may use it (default 1)"
    )
    invite.add_argument(
        "--days", type=positive, default=14, help="days until it expires (default 14)"
    )
    invite.set_defaults(command=invite_command)
    family = commands.add_parser("invites", help="list invite codes, revoke one")
    actions = family.add_subparsers(title="invites commands", required=True)
    listing = actions.add_parser("list", help="invite codes, newest first, with what is left")
    listing.add_argument("--partnership", metavar="ID_OR_NAME", help="only its codes")
    add_json_option(listing)
    listing.set_defaults(command=list_invites)
    revoke = actions.add_parser("revoke", help="make a code unusable from now on")
    revoke.add_argument("code", metavar="CODE")
    revoke.set_defaults(command=revoke_command)


async def invite_command(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.transaction() as session:
        found = await partnership(session, arguments.partnership)
        invite = await create_invite(
            session,
            found,
            role=arguments.role,
            uses=arguments.uses,
            now=system_clock(),
            valid_for=timedelta(days=arguments.days),
        )
    print(invite.code)


async def list_invites(settings: Settings, arguments: argparse.Namespace) -> None:
    now = system_clock()
    async with opened(settings) as database, database.sessions() as session:
        only = None
        if arguments.partnership is not None:
            only = (await partnership(session, arguments.partnership, BadInput)).id
        lines = await invite_lines(session, only)
    rows = [
        {
            "code": line.code,
            "partnership": line.partnership,
            "role": line.role,
            "uses_left": line.uses_left,
            "expires": line.expires_at,
            "created": line.created_at,
            "state": line.state(now),
        }
        for line in lines
    ]
    print_json(rows) if arguments.json else print_table(rows, COLUMNS)


async def revoke_command(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.transaction() as session:
        try:
            invite = await revoke_invite(session, arguments.code, system_clock())
        except Refused as error:
            raise BadInput(str(error)) from None
    print(f"revoked {invite.code}: it can no longer be redeemed")
