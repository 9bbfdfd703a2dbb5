"""What a digest says, before any language or markup: the facts both cities read.

The store gathers these (``store/digest_facts.py``) in a constant number of queries;
``c2cbot.digests`` renders them per language pair and per channel markup. Text typed
by people travels as :class:`Written`, so renderers show it as written, marked with
its language, and never translate it silently.

The same concept as the ``c2cbot.digests`` package, at the domain layer: the facts here,
rendering there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from c2cbot.domain.steps import Step
from c2cbot.domain.text import N_


class MeetingKind(StrEnum):
    BILATERAL = "bilateral"
    WEB_CONFERENCE = "web_conference"
    STUDY_VISIT = "study_visit"
    DELEGATION_VISIT = "delegation_visit"
    EVENT = "event"
    MOU_SIGNING = "mou_signing"


MEETING_KIND_NAMES: dict[MeetingKind, str] = {
    MeetingKind.BILATERAL: N_("Bilateral meeting"),
    MeetingKind.WEB_CONFERENCE: N_("Web conference"),
    MeetingKind.STUDY_VISIT: N_("Study visit"),
    MeetingKind.DELEGATION_VISIT: N_("Delegation visit"),
    MeetingKind.EVENT: N_("Event"),
    MeetingKind.MOU_SIGNING: N_("MoU signing"),
}


@dataclass(frozen=True)
class Written:
    """Text as a person typed it, in the language they wrote in.

    ``translations`` holds machine translations by target language; a renderer marks
    them as machine-made and shows the original too.
    """

    text: str
    language: str
    translations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CityName:
    """A partner city as each language names it, and the clock its people live by."""

    key: str
    names: Mapping[str, str]  # "en", "zh_Hans", "de" → name; "en" always present
    timezone: str
    side: str  # "eu" or "cn"

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


@dataclass(frozen=True)
class Participant:
    name: str
    city: str | None  # CityName.key
    organisation: str | None = None


@dataclass(frozen=True)
class ActionItem:
    """Something someone promised to do; ``owner`` is None when nobody took it on."""

    what: Written
    owner: str | None
    owner_city: str | None  # CityName.key
    due_on: date | None
    status: str = "planned"  # planned, on_track, delayed, blocked, done
    activity_id: int | None = None  # the activity it lives on as (pages link to it)


@dataclass(frozen=True)
class MeetingFacts:
    """One meeting's notes, as confirmed by the person who recorded them."""

    meeting_id: int
    partnership: str
    cities: tuple[CityName, ...]
    kind: MeetingKind
    starts_at: datetime  # timezone-aware
    timezone: str  # the zone the notes were recorded in
    place: Written | None
    participants: tuple[Participant, ...]
    agenda: tuple[Written, ...]
    decisions: tuple[Written, ...]
    action_items: tuple[ActionItem, ...]


@dataclass(frozen=True)
class KpiTrend:
    """A KPI's values, oldest first; ``None`` values are "don't know" or "not applicable"."""

    kpi_key: str
    name: str  # a catalogue name (translatable) or a partnership's own KPI name
    kind: str  # KpiKind value
    unit: str | None
    currency: str | None
    baseline: Decimal | None
    target: Decimal | None
    values: tuple[tuple[str, Decimal | None], ...]  # (period_key, value)


@dataclass(frozen=True)
class CityBalance:
    """How much each city contributed this week: the partnership's balance."""

    city: str  # CityName.key
    answers: int
    reports: int  # KPI values and progress reports
    actions_done: int


@dataclass(frozen=True)
class WeeklyFacts:
    partnership_id: int
    partnership: str
    cities: tuple[CityName, ...]
    week_start: date
    week_end: date  # inclusive
    loop: str
    step: Step
    steps_done: tuple[Step, ...]
    answers_by_step: tuple[tuple[str, int], ...]  # (conversation or step, answers this week)
    kpis: tuple[KpiTrend, ...]
    upcoming: tuple[ActionItem, ...]
    overdue: tuple[ActionItem, ...]
    silent: tuple[Participant, ...]  # asked this week or earlier, no answer yet
    balance: tuple[CityBalance, ...]

    @property
    def quiet(self) -> bool:
        """Nothing happened this week: the digest says so in a line or two."""
        return not any(count for _, count in self.answers_by_step) and not any(
            b.reports or b.actions_done for b in self.balance
        )
