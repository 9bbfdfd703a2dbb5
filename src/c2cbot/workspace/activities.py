"""The activities page: the plan's activities and meetings' action items in one tracker.

Each activity shows who owns it and in which city, when it starts and is due, its status
and how much of it is done, and, on demand, the progress reports its owner gave when the
bot asked (newest first). Late activities come first, then by due date, so what needs a
word comes first. "Late" is the digest's and the overview's rule (``domain/activities``),
on the reader's today. The page can be narrowed to one city and one status by the
query string; a value it does not know narrows nothing, so an odd link still shows the
page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from c2cbot.domain.activities import ACTIVITY_STATUS, is_late, status_label
from c2cbot.domain.digests import Written
from c2cbot.domain.display import parenthesised
from c2cbot.domain.text import N_
from c2cbot.workspace.activity_facts import ActivityFacts, ProgressReport
from c2cbot.workspace.facts import PartnershipFacts
from c2cbot.workspace.overview import Heading, heading
from c2cbot.workspace.wording import Wording

NAME = N_("Activities")
NO_OWNER = N_("No owner yet")
DONE_SHARE = N_("{percent}% done")
RISKS = N_("Risks and problems")
NEXT_MILESTONE = N_("Next milestone")


@dataclass(frozen=True)
class Typed:
    """Text as a person typed it, with the language it was typed in (name and code)."""

    text: str
    language: str
    code: str


@dataclass(frozen=True)
class Note:
    label: str
    typed: Typed


@dataclass(frozen=True)
class Update:
    """One progress report, in the reader's words."""

    when: str
    who: str  # "Li (Shanghai)"
    status: str | None
    progress: str | None  # "40% done"
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Line:
    """One activity as the page lists it."""

    id: int
    title: Typed
    meeting_id: int | None  # an action item of this meeting; None: from the plan
    owner: str
    city: str | None
    starts: str | None
    due: str | None
    status: str  # the key, for the page's classes
    status_label: str
    percent: int | None
    progress: str | None  # "40% done"
    late: bool
    updates: tuple[Update, ...]  # newest first


@dataclass(frozen=True)
class Choice:
    """One value a filter can take: the query's value, its name, whether it is chosen."""

    value: str
    label: str
    chosen: bool


@dataclass(frozen=True)
class ActivitiesPage:
    heading: Heading
    name: str
    lines: tuple[Line, ...]
    total: int  # before the filters
    cities: tuple[Choice, ...]
    statuses: tuple[Choice, ...]
    city: str | None  # the filters in force (known values only)
    status: str | None

    @property
    def filtered(self) -> bool:
        return self.city is not None or self.status is not None


def activities_page(
    partnership: PartnershipFacts,
    found: Sequence[ActivityFacts],
    today: date,
    say: Wording,
    *,
    city: str | None = None,
    status: str | None = None,
) -> ActivitiesPage:
    """The page for ``found``, narrowed to ``city`` and ``status`` if the page knows them."""
    cities = {c.key: say.named(c.names) for c in partnership.cities}
    city = city if city in cities else None
    status = status if status in ACTIVITY_STATUS else None
    kept = sorted((a for a in found if _kept(a, city, status)), key=lambda a: _order(a, today))
    return ActivitiesPage(
        heading(partnership, say),
        say(NAME),
        tuple(_line(a, cities, today, say) for a in kept),
        len(found),
        tuple(Choice(key, name, key == city) for key, name in cities.items()),
        tuple(Choice(key, say(label), key == status) for key, label in ACTIVITY_STATUS.items()),
        city,
        status,
    )


def _kept(activity: ActivityFacts, city: str | None, status: str | None) -> bool:
    return (city is None or activity.owner_city == city) and (
        status is None or activity.status == status
    )


def _order(activity: ActivityFacts, today: date) -> tuple[bool, date, int]:
    """Late ones first, then by due date (none: after every dated one), then as planned."""
    late = is_late(activity.due_on, activity.status, today)
    return (not late, activity.due_on or date.max, activity.id)


def _line(activity: ActivityFacts, cities: Mapping[str, str], today: date, say: Wording) -> Line:
    return Line(
        activity.id,
        _typed(activity.title, say),
        activity.meeting_id if activity.source == "meeting" else None,
        _owner(activity, say),
        cities.get(activity.owner_city or ""),
        say.day(activity.starts_on) if activity.starts_on else None,
        say.day(activity.due_on) if activity.due_on else None,
        activity.status,
        say(status_label(activity.status)),
        activity.percent_done,
        _progress(activity.percent_done, say),
        is_late(activity.due_on, activity.status, today),
        tuple(_update(r, cities, say) for r in reversed(activity.reports)),
    )


def _owner(activity: ActivityFacts, say: Wording) -> str:
    """The owner's name; a member since erased is a former member, nobody is nobody."""
    return say.person(activity.owner) if activity.owned else say(NO_OWNER)


def _update(report: ProgressReport, cities: Mapping[str, str], say: Wording) -> Update:
    notes = ((RISKS, report.risks), (NEXT_MILESTONE, report.next_milestone))
    return Update(
        say.day_of(report.reported_at),
        _with_city(say.person(report.name), cities.get(report.city or ""), say),
        say(status_label(report.status)) if report.status else None,
        _progress(report.percent, say),
        tuple(Note(say(label), _typed(text, say)) for label, text in notes if text),
    )


def _with_city(name: str, city: str | None, say: Wording) -> str:
    return name + parenthesised(city, say.language) if city else name


def _progress(percent: int | None, say: Wording) -> str | None:
    return say(DONE_SHARE, percent=percent) if percent is not None else None


def _typed(written: Written, say: Wording) -> Typed:
    return Typed(written.text, say.language_name(written.language), written.language)
