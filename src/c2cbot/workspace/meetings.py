"""A partnership's meetings as the workspace shows them, and one as a calendar file.

The notes are the meeting digest's facts (``domain.digests.MeetingFacts``, read as the
digest reads them), in the digest's words: kinds of meeting, "Agenda", "Decisions",
"Action items", "nobody yet". What people typed stays as they wrote it, marked with its
language. A meeting is upcoming while its start is after the bot's clock; the chat records
no other planned meetings (the Plan step's review date is a reminder for coordinators,
with no time or place). Upcoming meetings come first, soonest first, each on both
cities' clocks and with a calendar file; then the past ones, newest first, with their
decisions and action items (which live on as the partnership's activities).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from c2cbot.domain.activities import is_late, status_label
from c2cbot.domain.calendar_file import CalendarEvent, calendar
from c2cbot.domain.digests import MEETING_KIND_NAMES, ActionItem, MeetingFacts, Written
from c2cbot.domain.display import join_list, labelled, parenthesised
from c2cbot.domain.local_times import on_each_clock
from c2cbot.domain.text import N_
from c2cbot.workspace.facts import PartnershipFacts
from c2cbot.workspace.overview import Heading, heading
from c2cbot.workspace.wording import Wording

MEETINGS = N_("Meetings")
AT_CLOCK = N_("{time} {city}")  # one city's clock: "9:00 AM Gothenburg"
CALENDAR_TITLE = N_("{partnership}: {kind}")
NOBODY = N_("nobody yet")  # the meeting digest's words for an action item nobody took on
NO_DUE_DATE = N_("no due date")
DUE = N_("Due {date}")
#: A meeting's length in calendars: the notes record when it starts, not when it ends.
DURATION = timedelta(hours=1)


@dataclass(frozen=True)
class MeetingsFacts:
    """The partnership's meetings (or the one asked for), newest first."""

    partnership: PartnershipFacts
    meetings: tuple[MeetingFacts, ...]


@dataclass(frozen=True)
class Said:
    """Text as typed; ``code`` is its language for the page's ``lang`` attribute."""

    text: str
    code: str


@dataclass(frozen=True)
class PeopleLine:
    """One city's participants: "Gothenburg: Anna Berg (City of Gothenburg), Erik Lund"."""

    text: str


@dataclass(frozen=True)
class ActionLine:
    activity_id: int | None  # on the activities page: #activity-<id>
    title: Said
    owner: str
    due: str  # "Due May 1, 2026", or that there is no due date
    status: str
    late: bool


@dataclass(frozen=True)
class MeetingLine:
    id: int
    kind: str
    when: str  # on both cities' clocks
    starts: str  # ISO 8601 in UTC, for <time datetime>
    written_in: str | None  # the notes' language, when it is not the reader's
    place: Said | None
    participants: tuple[PeopleLine, ...]
    agenda: tuple[Said, ...]
    decisions: tuple[Said, ...]
    actions: tuple[ActionLine, ...]
    calendar: str  # the .ics file's path


@dataclass(frozen=True)
class MeetingsPage:
    heading: Heading
    name: str
    upcoming: tuple[MeetingLine, ...]  # soonest first
    past: tuple[MeetingLine, ...]  # newest first


def meetings_page(facts: MeetingsFacts, now: datetime, say: Wording) -> MeetingsPage:
    lines = [_meeting(m, facts.partnership, say.today(now), say) for m in facts.meetings]
    coming = [m.starts_at > now for m in facts.meetings]
    return MeetingsPage(
        heading(facts.partnership, say),
        say(MEETINGS),
        tuple(reversed([line for line, c in zip(lines, coming, strict=True) if c])),
        tuple(line for line, c in zip(lines, coming, strict=True) if not c),
    )


def calendar_file(facts: MeetingsFacts, host: str, now: datetime, say: Wording) -> str:
    """The first of ``facts``' meetings as an iCalendar file, titled in the reader's words.

    Its UID names the meeting and the site, so importing it twice updates one event.
    """
    meeting = facts.meetings[0]
    title = say(
        CALENDAR_TITLE,
        partnership=facts.partnership.title(say.language),
        kind=say(MEETING_KIND_NAMES[meeting.kind]),
    )
    agenda = "\n".join(line.text for line in meeting.agenda)
    language = _notes_language(meeting) or say.language
    event = CalendarEvent(
        uid=f"meeting-{meeting.meeting_id}@{host}",
        stamp=now,
        starts_at=meeting.starts_at,
        duration=DURATION,
        summary=Written(title, say.language),
        location=meeting.place,
        description=Written(agenda, language) if agenda else None,
    )
    return calendar(event)


def _meeting(
    meeting: MeetingFacts, partnership: PartnershipFacts, today: date, say: Wording
) -> MeetingLine:
    language = _notes_language(meeting)
    return MeetingLine(
        meeting.meeting_id,
        say(MEETING_KIND_NAMES[meeting.kind]),
        _when(meeting, say),
        meeting.starts_at.astimezone(UTC).isoformat(),
        say.language_name(language) if language and language != say.language else None,
        _said(meeting.place) if meeting.place else None,
        tuple(_people(meeting, say)),
        tuple(_said(line) for line in meeting.agenda),
        tuple(_said(line) for line in meeting.decisions),
        tuple(_action(item, meeting, today, say) for item in meeting.action_items),
        f"/p/{partnership.id}/meetings/{meeting.meeting_id}.ics",
    )


def _when(meeting: MeetingFacts, say: Wording) -> str:
    """The start on each partner city's clock (without cities, on the notes' own)."""
    clocks = [(say.named(city.names), city.timezone) for city in meeting.cities]
    return on_each_clock(
        say.language,
        meeting.starts_at,
        clocks or [(meeting.timezone, meeting.timezone)],
        lambda time, place: say(AT_CLOCK, time=time, city=place),
    )


def _notes_language(meeting: MeetingFacts) -> str | None:
    """The language the notes were typed in (each typed text carries it)."""
    typed = [*meeting.agenda, *meeting.decisions, *([meeting.place] if meeting.place else [])]
    return typed[0].language if typed else None


def _said(written: Written) -> Said:
    return Said(written.text, written.language.replace("_", "-"))


def _people(meeting: MeetingFacts, say: Wording) -> Iterable[PeopleLine]:
    """Participants city by city, in the order the notes name the cities."""
    groups: dict[str | None, list[str]] = {}
    for person in meeting.participants:
        named = person.name
        if person.organisation:
            named += parenthesised(person.organisation, say.language)
        groups.setdefault(person.city, []).append(named)
    for key, names in groups.items():
        city, listed = _city(key, meeting, say), join_list(names, say.language)
        yield PeopleLine(labelled(city, listed, say.language) if city else listed)


def _action(item: ActionItem, meeting: MeetingFacts, today: date, say: Wording) -> ActionLine:
    owner = item.owner or say(NOBODY)
    city = _city(item.owner_city, meeting, say)
    if item.owner and city:
        owner += parenthesised(city, say.language)
    return ActionLine(
        item.activity_id,
        _said(item.what),
        owner,
        say(DUE, date=say.day(item.due_on)) if item.due_on else say(NO_DUE_DATE),
        say(status_label(item.status)),
        is_late(item.due_on, item.status, today),
    )


def _city(key: str | None, meeting: MeetingFacts, say: Wording) -> str | None:
    return next((say.named(c.names) for c in meeting.cities if c.key == key), None)
