"""``c2cbot invite``: a fresh invite code, the way the first coordinator of a partnership
gets in."""

from __future__ import annotations

import argparse
from datetime import timedelta

from c2cbot.cli.common import Commands, opened, partnership, positive
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.store.invites import create_invite


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
