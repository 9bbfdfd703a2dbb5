"""``c2cbot conversations check``: the conversation files and their translations."""

from __future__ import annotations

import argparse

from c2cbot.cli.common import Commands
from c2cbot.config import Settings
from c2cbot.flows.loader import load_all, untranslated
from c2cbot.i18n import Catalogues


def register(commands: Commands) -> None:
    conversations = commands.add_parser("conversations", help="conversation files").add_subparsers(
        title="conversations commands"
    )
    conversations.add_parser(
        "check", help="validate conversations/*.yaml and their translations"
    ).set_defaults(command=check)


async def check(settings: Settings, _arguments: argparse.Namespace) -> int:
    conversations = load_all(settings.conversations_dir)
    texts = Catalogues(settings.locale_dir, settings.default_language)
    catalogues = {code: texts.known(code) for code in texts.languages if code != "en"}
    problems = untranslated(conversations, catalogues)
    for problem in problems:
        print(problem)
    print(f"{len(conversations)} conversations, {len(problems)} problems")
    return 1 if problems else 0
