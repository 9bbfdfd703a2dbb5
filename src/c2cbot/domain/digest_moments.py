"""When a weekly digest is posted: a weekday and a local time in a zone, every week.

One rule for the job that posts digests (``scheduling/weekly_digests``) and for the
workspace's overview that says when the next one comes, so the two never disagree.
A weekday outside 1–7 is Monday, a time that does not parse is 09:00 and an unknown zone
is UTC, as the job has always read them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEK = timedelta(days=7)
COORDINATORS_DIGEST = (1, "09:00")  # a coordinator's own digest: Monday 09:00, their time


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def clock_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        return time(9, 0)


def latest_digest_day(weekday: int, local_time: str, zone: str, now: datetime) -> date:
    """The day of the latest digest moment up to ``now``, in the digest's zone."""
    where = zone_named(zone)
    local = now.astimezone(where)
    weekday = weekday if 1 <= weekday <= 7 else 1
    day = local.date() - timedelta(days=(local.isoweekday() - weekday) % 7)
    if datetime.combine(day, clock_time(local_time), where) > local:
        day -= WEEK
    return day


def next_digest_at(weekday: int, local_time: str, zone: str, now: datetime) -> datetime:
    """The first digest moment after ``now`` (aware, in the digest's zone)."""
    day = latest_digest_day(weekday, local_time, zone, now) + WEEK
    return datetime.combine(day, clock_time(local_time), zone_named(zone))
