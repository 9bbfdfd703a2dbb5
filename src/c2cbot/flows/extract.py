"""A Babel extractor so that ``pybabel extract`` collects conversation strings with the code's."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from c2cbot.flows.loader import strings
from c2cbot.flows.schema import Conversation


def extract_conversation(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, funcname, message, comments) as Babel's extractor protocol asks."""
    text = fileobj.read().decode("utf-8")
    conversation = Conversation.model_validate(yaml.safe_load(text))
    lines = text.splitlines()
    for where, message in strings(conversation):
        yield _line_of(lines, message), "", message, [where]


def _line_of(lines: list[str], message: str) -> int:
    probe = message.splitlines()[0][:40]
    return next((n for n, line in enumerate(lines, start=1) if probe in line), 0)
