"""One event as an iCalendar file (RFC 5545), for "add to my calendar" downloads.

Small and pure on purpose: the workspace offers a partnership's upcoming meetings as
``.ics`` files, and a calendar program is a strict reader. What the RFC asks, and this
writes: CRLF line ends; lines folded at 75 octets, never inside a UTF-8 character (a
Chinese agenda is three octets a character); text values escaped (backslash, comma,
semicolon, line breaks); times in UTC with a ``Z``; a ``UID`` that stays the same for
the same meeting, so importing the file again updates the event instead of doubling it.
Typed text keeps the language it was written in (the ``LANGUAGE`` parameter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from c2cbot.domain.digests import Written

PRODUCT = "-//c2cbot//Partnership workspace//EN"
LINE_OCTETS = 75  # RFC 5545 3.1: a longer line is folded
MEDIA_TYPE = "text/calendar"

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # TEXT allows tab, no other control
_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_A_TAG = re.compile(r"[^A-Za-z0-9-]")


@dataclass(frozen=True)
class CalendarEvent:
    """What a calendar needs of a meeting; ``starts_at`` and ``stamp`` are aware."""

    uid: str
    stamp: datetime  # when the file was made (the bot's clock)
    starts_at: datetime
    duration: timedelta
    summary: Written
    location: Written | None = None
    description: Written | None = None


def calendar(event: CalendarEvent) -> str:
    """The whole file: a VCALENDAR holding the one VEVENT, lines folded, CRLF ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc(event.stamp)}",
        f"DTSTART:{utc(event.starts_at)}",
        f"DURATION:{duration(event.duration)}",
        _text("SUMMARY", event.summary),
    ]
    lines += [_text("LOCATION", event.location)] if event.location else []
    lines += [_text("DESCRIPTION", event.description)] if event.description else []
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def _text(name: str, value: Written) -> str:
    tag = _NOT_A_TAG.sub("", value.language.replace("_", "-"))
    parameter = f";LANGUAGE={tag}" if tag else ""
    return f"{name}{parameter}:{escape_text(value.text)}"


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): ``\\``, ``;``, ``,`` escaped, line breaks as ``\\n``.

    Control characters other than tab cannot be written at all and are left out; so is
    anything UTF-8 cannot encode (a lone surrogate becomes "?").
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", _BREAK.sub("\\\\n", text))


def fold(line: str) -> str:
    """``line`` in pieces of at most 75 octets, each after the first led by one space.

    The space counts toward the 75; a character is never split between two pieces.
    """
    pieces: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += char
        size += octets
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc(moment: datetime) -> str:
    """An aware moment as a UTC DATE-TIME: 20260514T070000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def duration(length: timedelta) -> str:
    """A positive length as a DURATION: PT1H, PT1H30M, P1DT2H."""
    minutes = max(1, int(length.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
