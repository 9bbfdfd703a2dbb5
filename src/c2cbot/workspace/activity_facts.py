"""What the store finds for the activities page: each activity with its progress reports.

Plain data, no rules: whether an activity is late, how it is named and sorted is the
view's (``workspace/activities.py``). Times are aware UTC datetimes; a city is its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from c2cbot.domain.digests import Written


@dataclass(frozen=True)
class ProgressReport:
    """One answer to a progress prompt: what its owner (or whoever was asked) reported."""

    reported_at: datetime
    name: str | None  # None once the person was erased
    city: str | None
    status: str | None  # on_track, delayed, blocked, done
    percent: int | None
    risks: Written | None  # as typed, in the language the person chatted in
    next_milestone: Written | None


@dataclass(frozen=True)
class ActivityFacts:
    """An activity of the plan, or an action item of a meeting (``meeting_id``)."""

    id: int
    title: Written
    source: str  # "plan" or "meeting"
    meeting_id: int | None
    owned: bool  # someone took it on (a member, or a name typed in a meeting's notes)
    owner: str | None  # None for nobody, or for a member since erased
    owner_city: str | None
    starts_on: date | None
    due_on: date | None
    status: str
    percent_done: int | None
    reports: tuple[ProgressReport, ...] = ()  # oldest first
