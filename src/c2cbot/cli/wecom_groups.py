"""``c2cbot wecom-group``: the partnership's WeCom group chat, created and linked for digests."""

from __future__ import annotations

import argparse

from c2cbot.channels import wecom
from c2cbot.channels.wecom.writing import group_chat_id
from c2cbot.cli.common import CommandError, Commands, no_partnership
from c2cbot.config import Settings
from c2cbot.runtime import Bot, link_wecom_group
from c2cbot.store.partnership_lookup import PartnershipNotFound, find_partnership


def register(commands: Commands) -> None:
    group = commands.add_parser(
        "wecom-group", help="create the partnership's WeCom group chat and link it for digests"
    )
    group.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    group.add_argument("--owner", required=True, help="WeCom userid of the group's owner")
    group.add_argument("--members", required=True, nargs="+", help="WeCom userids to add")
    group.add_argument("--name", help="the group's name (default: the partnership's)")
    group.set_defaults(command=wecom_group)


async def wecom_group(settings: Settings, arguments: argparse.Namespace) -> None:
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
        raise no_partnership(error) from None
    finally:
        await bot.stop()
