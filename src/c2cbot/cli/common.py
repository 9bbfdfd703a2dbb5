"""What every command family shares: its errors, the database it opens, the partnership
it is asked about, and argument types."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TextIO, TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.config import Settings
from c2cbot.store.database import Database
from c2cbot.store.models import Partnership
from c2cbot.store.partnership_lookup import PartnershipNotFound, find_partnership

Command = Callable[[Settings, argparse.Namespace], Awaitable[int | None]]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback (exit 1)."""


class BadInput(CommandError):
    """Input the management commands refuse before changing anything (exit 2).

    An unknown city, loop or code, an invalid time zone or country, a duplicate: the
    operator typed something wrong, as with a wrong option, which argparse answers with 2.
    """


def positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return value


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Database]:
    """The database the settings name, closed when the command is done with it."""
    database = Database(
        settings.database_url, synchronous_commit=settings.database_synchronous_commit
    )
    try:
        yield database
    finally:
        await database.close()


async def partnership(
    session: AsyncSession, wanted: str, error: type[CommandError] = CommandError
) -> Partnership:
    """The partnership ``wanted`` names, or ``error`` saying which ones came close."""
    try:
        return await find_partnership(session, wanted)
    except PartnershipNotFound as not_found:
        raise no_partnership(not_found, error) from None


def no_partnership(
    error: PartnershipNotFound, kind: type[CommandError] = CommandError
) -> CommandError:
    """What the operator reads: the text that fits no single partnership, and the near ones."""
    message = f"no single partnership matches {error.wanted!r}"
    if error.candidates:
        message += "; did you mean: " + ", ".join(error.candidates)
    return kind(message)


@contextlib.contextmanager
def output(path: Path | None) -> Iterator[TextIO]:
    """The file a command writes to, or standard output when none is given."""
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle
