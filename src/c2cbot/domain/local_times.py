"""A moment on each partner city's clock, as each language writes days and times.

The two cities of a partnership are often six or seven hours apart, so a meeting is
shown on both clocks: "Thu, May 14, 2026, 9:00 AM Gothenburg · 3:00 PM Shanghai",
"2026年5月14日周四，哥德堡时间 9:00 · 上海时间 15:00". Days and times are Babel's (CLDR);
the meeting digest and the workspace's meetings page write them with these functions,
so both say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton, format_time

from c2cbot.domain import display


def zone(name: str) -> ZoneInfo:
    """The zone of that name; UTC for a name the zone database does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(language: str, moment: datetime, timezone: str) -> str:
    """The date with its weekday on the clock of ``timezone``: "Thu, May 14, 2026"."""
    local = moment.astimezone(zone(timezone))
    return format_skeleton("yMMMEd", local, locale=language)


def local_time(language: str, moment: datetime, timezone: str) -> str:
    """The time on the clock of ``timezone``, short: "3:00 PM", "15:00"."""
    return format_time(moment, format="short", tzinfo=zone(timezone), locale=language)


def on_each_clock(
    language: str,
    moment: datetime,
    clocks: Sequence[tuple[str, str]],
    time_in: Callable[[str, str], str],
) -> str:
    """``moment`` on each (place, zone) clock; the day once when it is the same day on all.

    ``time_in(time, place)`` words one clock's time, translated: "9:00 AM Gothenburg",
    "哥德堡时间 9:00". On different days each clock gets its own day.
    """
    days = [local_day(language, moment, timezone) for _place, timezone in clocks]
    times = [time_in(local_time(language, moment, timezone), place) for place, timezone in clocks]
    comma = display.comma(language)
    if len(set(days)) == 1:
        return days[0] + comma + " · ".join(times)
    return " · ".join(day + comma + time for day, time in zip(days, times, strict=True))
