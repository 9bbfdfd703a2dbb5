"""``c2cbot digest``: a partnership's weekly or meeting digest, posted or printed."""

from __future__ import annotations

import argparse

from c2cbot.cli.common import CommandError, Commands, no_partnership, opened, partnership, positive
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.deployment import translator_from
from c2cbot.digests import Markup
from c2cbot.digests.render import preview_pairs, render_any
from c2cbot.i18n import Catalogues
from c2cbot.scheduling.on_request import NothingToPost, post_digest
from c2cbot.store.digest_facts import preview_facts
from c2cbot.store.partnership_lookup import PartnershipNotFound, find_partnership

NO_MEETING = "no such meeting notes for this partnership"


def register(commands: Commands) -> None:
    digest = commands.add_parser(
        "digest", help="post a partnership's digest into its linked groups, or print it"
    )
    digest.add_argument("--partnership", required=True, help="id, key or name of the partnership")
    digest.add_argument("--kind", choices=["weekly", "meeting"], default="weekly")
    digest.add_argument("--meeting", type=positive, help="meeting id (default: the last one)")
    digest.add_argument("--dry-run", action="store_true", help="print only, send nothing")
    digest.set_defaults(command=digest_command)


async def digest_command(settings: Settings, arguments: argparse.Namespace) -> None:
    if not arguments.dry_run:
        await _post(settings, arguments)
        return
    texts, now = Catalogues(settings.locale_dir, settings.default_language), system_clock()
    async with opened(settings) as database, database.transaction() as session:
        found = await partnership(session, arguments.partnership)
        facts = await preview_facts(session, found.id, arguments.kind, arguments.meeting, now)
    if facts is None:
        raise CommandError(NO_MEETING)
    for pair in preview_pairs(texts.languages):
        print(f"===== {' + '.join(pair)} =====")
        for message in render_any(facts, pair, Markup.PLAIN, texts, now):
            print(message, end="\n\n")


async def _post(settings: Settings, arguments: argparse.Namespace) -> None:
    """Write the digest to the outbox of every linked group; the running bot sends it."""
    texts, now = Catalogues(settings.locale_dir, settings.default_language), system_clock()
    translator = translator_from(settings)
    try:
        async with opened(settings) as database:
            async with database.sessions() as session:
                found = await find_partnership(session, arguments.partnership)
            posted = await post_digest(
                database,
                texts,
                found.id,
                arguments.kind,
                now,
                meeting_id=arguments.meeting,
                translator=translator,
            )
    except PartnershipNotFound as error:
        raise no_partnership(error) from None
    except NothingToPost:
        raise CommandError(NO_MEETING) from None
    finally:
        if translator is not None:
            await translator.close()
    if not posted:
        raise CommandError(f"{found.name} has no linked group chat: nothing was posted")
    print(f"{arguments.kind} digest of {found.name} written to the outbox for:")
    for where in posted:
        chat = where.chat
        languages = " + ".join(chat.languages)
        print(f"  {chat.channel} {chat.chat_id} ({languages}): {where.messages} messages")
