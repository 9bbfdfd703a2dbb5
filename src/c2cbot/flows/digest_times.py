"""``/digest time <weekday> <time> [time zone]`` in a group: when its weekly digest comes.

Weekdays are understood in English, German and Chinese, long or short (Mon, Montag,
Mo, 周一, 星期一, 礼拜一); the time as people type it (09:00, 9.30, 2pm, 下午2点); the
zone as an IANA name (Europe/Berlin, Asia/Shanghai), in any letter case. What cannot be
understood is refused with a message that says which part and how to write it.

The same concept as ``store/digest_times.py``, one layer up: this module reads what the
coordinator typed, that one stores it (through ``flows.ports.DigestTimes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from c2cbot.domain import values
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.meeting import parse_time

USAGE = N_(
    "To choose when this group gets its weekly digest, send for example "
    "/digest time Monday 09:00 Europe/Berlin (the time zone may be left out)."
)
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
_NAMES = (
    ("monday", "mon", "montag", "mo", "周一", "星期一", "礼拜一"),
    ("tuesday", "tue", "tues", "dienstag", "di", "周二", "星期二", "礼拜二"),
    ("wednesday", "wed", "mittwoch", "mi", "周三", "星期三", "礼拜三"),
    ("thursday", "thu", "thur", "thurs", "donnerstag", "do", "周四", "星期四", "礼拜四"),
    ("friday", "fri", "freitag", "fr", "周五", "星期五", "礼拜五"),
    ("saturday", "sat", "samstag", "sonnabend", "sa", "周六", "星期六", "礼拜六"),
    ("sunday", "sun", "sonntag", "so", "周日", "周天", "星期日", "星期天", "礼拜日", "礼拜天"),
)
WEEKDAYS = {name: day for day, names in enumerate(_NAMES, start=1) for name in names}


@dataclass(frozen=True)
class DigestTime:
    """A group's weekly digest moment: ISO weekday (1 Monday), "HH:MM", zone or None."""

    weekday: int
    at: str
    zone: str | None


def parse_digest_time(argument: str) -> DigestTime:
    """The weekday, time and optional zone of ``/digest time …``; ``InvalidValue`` if not."""
    words = _weekday_apart(values.normalise(argument).split())
    if len(words) < 2:
        raise InvalidValue(USAGE)
    weekday = WEEKDAYS.get(words[0].casefold().rstrip(".,"))
    if weekday is None:
        raise InvalidValue(
            N_(
                "I don't know the weekday “{weekday}”. Please write it like Monday, Montag or 周一."
            ),
            weekday=words[0][:40],
        )
    if len(words) > 2:
        at = _time(" ".join(words[1:-1]))
        if at is not None:
            return DigestTime(weekday, at, _zone(words[-1]))
    at = _time(" ".join(words[1:]))
    if at is None:
        raise InvalidValue(
            N_("“{time}” is not a time of day. Please write it like 09:00 or 17:30."),
            time=" ".join(words[1:])[:40],
        )
    return DigestTime(weekday, at, None)


def _weekday_apart(words: list[str]) -> list[str]:
    """ "周一9:00" as "周一", "9:00": Chinese needs no space after the weekday."""
    first = words[0] if words else ""
    for name in sorted((n for n in WEEKDAYS if not n.isascii()), key=len, reverse=True):
        if first.startswith(name) and len(first) > len(name):
            return [name, first[len(name) :], *words[1:]]
    return words


def _time(text: str) -> str | None:
    try:
        return parse_time(text).strftime("%H:%M")
    except InvalidValue:
        return None


@cache
def _zones() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def _zone(text: str) -> str:
    name = _zones().get(text.casefold())
    if name is None:
        raise InvalidValue(
            N_(
                "I don't know the time zone “{zone}”. Please give it like Europe/Berlin "
                "or Asia/Shanghai, or leave it out."
            ),
            zone=text[:64],
        )
    ZoneInfo(name)  # loadable, not only listed
    return name
