"""Meeting notes in chat: checking answers the schema cannot, the summary, the draft.

``conversations/meeting.yaml`` asks the questions; this module holds what a YAML file
cannot say: a start time typed the way people type times, names listed with commas
(and organisations in brackets), due dates that have not passed yet, and the notes
read back before they are confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from c2cbot.domain import display, values
from c2cbot.domain.digests import MEETING_KIND_NAMES, MeetingKind
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.answering import Parsed
from c2cbot.flows.ports import MeetingAction, MeetingDraft, Place

CONFIRM = "confirm"
MAX_PEOPLE = 60

Translate = Callable[..., str]

_SEPARATORS = set(",，、;；\n")
_OPENING, _CLOSING = "(（[【", ")）]】"
_HALF = "半"
_TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:\s*(?:[:.hH時时点點]|uhr)\s*(?P<minute>\d{2}|半)?)?\s*(?:分|uhr)?"
)
_MORNING = ("上午", "早上", "早晨", "凌晨", "am", "a.m.")
_AFTERNOON = ("下午", "晚上", "傍晚", "pm", "p.m.")


def parse_time(text: str) -> time:
    """A start time as people type it: 14:30, 14.30, 9, 2pm, 2:30 p.m., 下午2点半, 14 Uhr."""
    clean = values.normalise(text).casefold().replace("中午", "下午")
    morning = any(word in clean for word in _MORNING)
    afternoon = any(word in clean for word in _AFTERNOON)
    for word in (*_MORNING, *_AFTERNOON):
        clean = clean.replace(word, " ")
    found = _TIME.fullmatch(clean.strip())
    if found is None or (morning and afternoon):
        raise InvalidValue(N_("Please send the time like this: 14:30."))
    hour = int(found["hour"])
    minute = 30 if found["minute"] == _HALF else int(found["minute"] or 0)
    if afternoon and hour < 12:
        hour += 12
    elif morning and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise InvalidValue(N_("Please send the time like this: 14:30."))
    return time(hour, minute)


def parse_people(text: str) -> list[tuple[str, str | None]]:
    """Names separated by commas, each with an optional organisation in brackets."""
    people: list[tuple[str, str | None]] = []
    for piece in _pieces(text):
        name, organisation = _name_and_organisation(piece)
        if name:
            people.append((name[:200], organisation[:200] if organisation else None))
    if not people:
        raise InvalidValue(N_("Please name at least one person who took part."))
    if len(people) > MAX_PEOPLE:
        raise InvalidValue(N_("Please list at most {count} people here."), count=MAX_PEOPLE)
    return people


def _pieces(text: str) -> Iterator[str]:
    """Split at separators outside brackets, so "Anna (City of X, Office Y)" stays whole."""
    depth, current = 0, ""
    for char in text:
        depth += (char in _OPENING) - (char in _CLOSING and depth > 0)
        if char in _SEPARATORS and depth == 0:
            yield current.strip()
            current = ""
        else:
            current += char
    yield current.strip()


def _name_and_organisation(piece: str) -> tuple[str, str | None]:
    start = min((piece.find(b) for b in _OPENING if b in piece), default=-1)
    if start <= 0:
        return piece.strip(" -–"), None
    organisation = piece[start + 1 :].rstrip().rstrip(_CLOSING).strip()
    return piece[:start].strip(" -–"), organisation or None


def check_time(parsed: Parsed) -> Parsed:
    """A start time as typed (``下午2点半``), kept as HH:MM."""
    start = parse_time(str(parsed.value))
    return Parsed(start.strftime("%H:%M"), start.strftime("%H:%M"))


def check_people(parsed: Parsed, language: str = "en") -> Parsed:
    """Names as typed, shown back one by one with their organisations."""
    people = parse_people(str(parsed.value))
    shown = display.join_list((_person(n, o, language) for n, o in people), language)
    return Parsed(str(parsed.value), shown)


def check_due(parsed: Parsed, today: date) -> Parsed:
    """An action item's due date, which cannot have passed already."""
    if date.fromisoformat(str(parsed.value)) < today:
        raise InvalidValue(
            N_(
                "That day has already passed. Please send a due date from today on, "
                "or /skip if there is none."
            )
        )
    return parsed


def _person(name: str, organisation: str | None, language: str) -> str:
    return name + display.parenthesised(organisation, language) if organisation else name


@dataclass(frozen=True)
class Notes:
    """The answers of one run of the meeting conversation, read as notes."""

    answers: Mapping[str, Any]

    @property
    def kind(self) -> MeetingKind:
        return MeetingKind(self.answers["kind"])

    @property
    def zone_city(self) -> int | None:
        picked = self.answers.get("zone")
        return int(picked) if isinstance(picked, str) and picked.isdigit() else None

    def local_start(self) -> datetime:
        day = date.fromisoformat(self.answers["date"])
        return datetime.combine(day, parse_time(self.answers["time"]))

    def participants(self) -> list[tuple[str, int | None, str | None]]:
        found = []
        for item in self._items("participants"):
            city = item.get("city")
            city_id = int(city) if isinstance(city, str) and city.isdigit() else None
            found += [(n, city_id, o) for n, o in parse_people(str(item.get("names", "")))]
        return found

    def actions(self) -> list[MeetingAction]:
        if self.answers.get("has_actions") is not True:
            return []
        return [
            MeetingAction(
                str(item["what"]),
                str(item["owner"]) if item.get("owner") else None,
                date.fromisoformat(item["due"]) if item.get("due") else None,
            )
            for item in self._items("actions")
            if item.get("what")
        ]

    def lines(self, name: str) -> tuple[str, ...]:
        """A text answer's lines, without bullets people typed themselves."""
        text = str(self.answers.get(name) or "")
        stripped = (line.strip().lstrip("•·*-–").strip() for line in text.splitlines())
        return tuple(line for line in stripped if line)

    def _items(self, group: str) -> Iterator[dict[str, Any]]:
        item = 0
        while any(k.startswith(f"{group}#{item}.") for k in self.answers):
            prefix = f"{group}#{item}."
            yield {k[len(prefix) :]: v for k, v in self.answers.items() if k.startswith(prefix)}
            item += 1

    def draft(
        self, partnership_id: int, recorded_by: int, zone: str, language: str
    ) -> MeetingDraft:
        return MeetingDraft(
            partnership_id=partnership_id,
            recorded_by=recorded_by,
            kind=self.kind.value,
            starts_at=self.local_start().replace(tzinfo=_zone(zone)),
            timezone=zone,
            place=str(self.answers.get("place") or "") or None,
            participants=tuple(self.participants()),
            agenda=self.lines("agenda"),
            decisions=self.lines("decisions"),
            actions=tuple(self.actions()),
            language=language,
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def summary(
    notes: Notes,
    cities: list[Place],
    language: str,
    _: Translate,
    format_date: Callable[[date], str],
) -> str:
    """The notes read back in the recorder's language, before they confirm them."""
    names = {p.id: p.names.get(language[:2]) or p.names["en"] for p in cities}
    start = notes.local_start()
    zone = names.get(notes.zone_city or -1)
    when = f"{format_date(start.date())}{display.comma(language)}{start:%H:%M}"
    when += display.parenthesised(zone, language) if zone else ""
    lines = [
        _(N_("Please check the notes:")),
        "",
        f"{_(MEETING_KIND_NAMES[notes.kind])} · {when}",
        _(N_("Where: {place}"), place=notes.answers.get("place") or "–"),
        "",
        _(N_("Participants:")),
        *_participant_lines(notes, names, language),
        *_missing_cities(notes, names, _),
        "",
        _(N_("Agenda:")),
        *(f"• {line}" for line in notes.lines("agenda")),
    ]
    decisions = notes.lines("decisions")
    if decisions:
        lines += ["", _(N_("Decisions:")), *(f"• {line}" for line in decisions)]
    actions = notes.actions()
    if actions:
        lines += ["", _(N_("Action items:")), *(_action(a, _, format_date) for a in actions)]
    return "\n".join(lines)


def _participant_lines(notes: Notes, names: Mapping[int, str], language: str) -> Iterator[str]:
    for name, city, organisation in notes.participants():
        where = f" – {names[city]}" if city is not None and city in names else ""
        yield f"• {_person(name, organisation, language)}{where}"


def _missing_cities(notes: Notes, names: Mapping[int, str], _: Translate) -> Iterator[str]:
    present = {city for _name, city, _org in notes.participants()}
    for city_id, city in names.items():
        if city_id not in present:
            yield _(N_("(Nobody from {city} is listed.)"), city=city)


def _action(action: MeetingAction, _: Translate, format_date: Callable[[date], str]) -> str:
    owner = action.owner or _(N_("no owner yet"))
    due = format_date(action.due_on) if action.due_on else _(N_("no due date"))
    return f"• {action.what} – {owner} – {due}"
