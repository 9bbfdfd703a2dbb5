"""``c2cbot wecom-group``: the partnership's WeCom group chat, created and linked for digests.

Like a Telegram group linked with /link, the group gets a language pair: given with
``--languages``, or by default the partnership's own (its European cities' language
where the bot speaks it, else English, beside Chinese).
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.channels import wecom
from c2cbot.channels.wecom.writing import group_chat_id
from c2cbot.cli.common import BadInput, CommandError, Commands, no_partnership
from c2cbot.config import Settings
from c2cbot.domain.cities import group_languages
from c2cbot.domain.people import Side
from c2cbot.runtime import Bot, link_wecom_group
from c2cbot.store.meetings import partnership_cities
from c2cbot.store.partnership_lookup import PartnershipNotFound, find_partnership


def register(commands: Commands) -> None:
    group = commands.add_parser(
        "wecom-group", help="create the partnership's WeCom group chat and link it for digests"
    )
    group.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    group.add_argument("--owner", required=True, help="WeCom userid of the group's owner")
    group.add_argument("--members", required=True, nargs="+", help="WeCom userids to add")
    group.add_argument("--name", help="the group's name (default: the partnership's)")
    group.add_argument(
        "--languages",
        nargs="+",
        metavar="LANGUAGE",
        help="the group's one or two languages, such as: en zh_Hans (default: the partnership's)",
    )
    group.set_defaults(command=wecom_group)


async def wecom_group(settings: Settings, arguments: argparse.Namespace) -> None:
    bot = Bot(settings)
    try:
        if not bot.runs(wecom.SPEC):
            raise CommandError("WeCom is not configured: set the C2C_WECOM_* settings")
        async with bot.database.transaction() as session:
            partnership = await find_partnership(session, arguments.partnership)
            languages = await _languages(session, partnership.id, arguments.languages, bot)
        name = arguments.name or partnership.name
        app = bot.running(wecom.SPEC)
        chat = await app.create_group(name, arguments.owner, arguments.members)
        await link_wecom_group(bot, partnership.id, group_chat_id(chat), name, languages)
        print(f"created and linked WeCom group {chat} for {partnership.name}")
        print(f"its digests are written in {' + '.join(languages)}")
    except PartnershipNotFound as error:
        raise no_partnership(error) from None
    finally:
        await bot.stop()


async def _languages(
    session: AsyncSession, partnership_id: int, wanted: Sequence[str] | None, bot: Bot
) -> list[str]:
    """The languages given (checked), or the partnership's two."""
    supported = bot.texts.languages
    if wanted:
        return checked_languages(wanted, supported)
    cities = await partnership_cities(session, partnership_id)
    return group_languages(((Side(c.side), c.country) for c in cities), supported)


def checked_languages(wanted: Sequence[str], supported: Collection[str]) -> list[str]:
    """One or two languages the bot has catalogues for, each once, as /link allows."""
    unknown = [code for code in wanted if code not in supported]
    if unknown:
        raise BadInput(f"unknown language {unknown[0]!r}: the bot speaks {', '.join(supported)}")
    if len(wanted) > 2 or len(set(wanted)) != len(wanted):
        raise BadInput("a group has one language or two different ones, such as: en zh_Hans")
    return list(wanted)
