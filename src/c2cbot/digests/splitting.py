"""Cutting a digest into messages a platform accepts, without breaking its markup.

Sections stay whole where they fit; a longer section is cut between lines; a longer line
between "atoms" — a tag, an entity, a backslash escape or one character — so no cut ever
lands inside an escape sequence. HTML tags open at a cut are closed before it and opened
again after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from c2cbot.digests.markup import Limit

SECTION_BREAK = "\n\n"
_ATOM = re.compile(r"<[^<>\n]*>|&#?\w+;|\\.|.", re.DOTALL)
_CHARACTER = re.compile(r".", re.DOTALL)
_OPEN_TAG = re.compile(r"<([a-z]+)(?:\s[^<>]*)?>")
_CLOSE_TAG = re.compile(r"</([a-z]+)>")


def split_sections(sections: Sequence[str], limit: Limit, markup: bool = True) -> list[str]:
    """Messages of whole sections, each within ``limit``; longer sections are cut cleanly.

    ``markup`` says whether tags, entities and backslash escapes mean something (they
    do not in plain text, where a typed "<b>" is just characters).
    """
    messages: list[str] = []
    current = ""
    for section in (s.strip("\n") for s in sections):
        if not section:
            continue
        joined = f"{current}{SECTION_BREAK}{section}" if current else section
        if limit.measure(joined) <= limit.size:
            current = joined
            continue
        if current:
            messages.append(current)
        pieces = _split_lines(section, limit, markup)
        messages.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        messages.append(current)
    return messages


def _split_lines(section: str, limit: Limit, markup: bool) -> list[str]:
    if limit.measure(section) <= limit.size:
        return [section]
    pieces: list[str] = []
    current = ""
    for line in section.split("\n"):
        joined = f"{current}\n{line}" if current else line
        if limit.measure(joined) <= limit.size:
            current = joined
            continue
        if current:
            pieces.append(current)
        cut = split_line(line, limit, markup)
        pieces.extend(cut[:-1])
        current = cut[-1]
    pieces.append(current)
    return pieces


Tag = tuple[str, str]  # (name, the opening tag as written)


def split_line(line: str, limit: Limit, markup: bool = True) -> list[str]:
    """One overlong line in pieces within ``limit``, cut between atoms, preferring spaces."""
    pieces: list[str] = []
    atoms = (_ATOM if markup else _CHARACTER).findall(line)
    open_tags: list[Tag] = []
    start = 0
    while start < len(atoms):
        reopen = "".join(opening for _, opening in open_tags)
        end, open_tags = _fill(atoms, start, reopen, open_tags, limit, markup)
        body = reopen + "".join(atoms[start:end])
        pieces.append(body + _closing(open_tags))
        start = end
    return pieces or [""]


def _closing(tags: list[Tag]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(tags))


def _fill(
    atoms: list[str], start: int, reopen: str, open_tags: list[Tag], limit: Limit, markup: bool
) -> tuple[int, list[Tag]]:
    """The end of the longest run of atoms from ``start`` that fits, closing tags included."""
    tags = list(open_tags)
    size = limit.measure(reopen)
    best: tuple[int, list[Tag]] | None = None
    space: tuple[int, list[Tag]] | None = None
    for index in range(start, len(atoms)):
        atom = atoms[index]
        if markup:
            _track(atom, tags)
        size += limit.measure(atom)
        if size + limit.measure(_closing(tags)) > limit.size:
            break
        best = (index + 1, list(tags))
        if atom == " ":
            space = best
    else:
        return len(atoms), tags
    if best is None:  # one atom larger than the whole limit: only absurd limits get here
        return start + 1, tags
    if space is not None and space[0] - start > (best[0] - start) // 2:
        return space
    return best


def _track(atom: str, tags: list[Tag]) -> None:
    if opened := _OPEN_TAG.fullmatch(atom):
        tags.append((opened.group(1), atom))
    elif closed := _CLOSE_TAG.fullmatch(atom):
        for index in range(len(tags) - 1, -1, -1):
            if tags[index][0] == closed.group(1):
                del tags[index]
                break
