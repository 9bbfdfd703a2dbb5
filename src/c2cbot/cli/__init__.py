"""The ``c2cbot`` command: the composition root that turns settings into a running bot."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from c2cbot.channels.telegram.channel import TelegramSetupError
from c2cbot.channels.wecom.errors import WeComError
from c2cbot.cli import (
    cities,
    conversations,
    database,
    digests,
    exports,
    invites,
    partnerships,
    people,
    scheduler,
    serving,
    wecom_groups,
)
from c2cbot.cli.common import BadInput, CommandError
from c2cbot.config import Settings
from c2cbot.event_loop import LoopUnavailable, run_on
from c2cbot.flows.loader import ConversationError
from c2cbot.scheduling import commands as scheduling

__all__ = ["BadInput", "CommandError", "main"]

# In the order `c2cbot --help` lists them.
FAMILIES = (
    *(serving, database, conversations, invites, exports, wecom_groups, digests, scheduler),
    *(partnerships, cities, people),
)
FAILURES = (
    *(CommandError, ConversationError, TelegramSetupError, WeComError, scheduling.UnknownJob),
    LoopUnavailable,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    if not hasattr(arguments, "command"):
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as error:
        _print_invalid_settings(error)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # python-telegram-bot's coming duration type
    try:
        return int(run_on(settings.event_loop, arguments.command(settings, arguments)) or 0)
    except FAILURES as error:
        print(error, file=sys.stderr)
        return 2 if isinstance(error, BadInput) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `c2cbot partnerships list | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="c2cbot", description=__doc__)
    commands = parser.add_subparsers(title="commands")
    for family in FAMILIES:
        family.register(commands)
    return parser


def _print_invalid_settings(error: ValidationError) -> None:
    for problem in error.errors():
        name = "C2C_" + str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        print(f"invalid setting {name}: {problem['msg']}", file=sys.stderr)
