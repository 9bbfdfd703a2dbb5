"""The list of a person's partnerships and a partnership's overview, as pages show them.

The overview answers "where do we stand?" for both cities at once: the work path with
the current step, a steps × cities table (questions answered of those asked, as the
steps menu counts them, and how many of the city's members answered), the activities
that are late or due soon, and who has been asked and not answered yet. Only
coordinators see those people's names (the privacy notice says so); members see how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from c2cbot.domain.activities import is_late, status_label
from c2cbot.domain.digests import ActionItem, Participant
from c2cbot.domain.display import parenthesised
from c2cbot.domain.steps import LOOPS, STEP_NAMES, Step, steps_done
from c2cbot.domain.text import N_
from c2cbot.flows.commanding import coordinator_role
from c2cbot.flows.schema import Conversation
from c2cbot.flows.standing import stands
from c2cbot.flows.step_progress import counted
from c2cbot.workspace.coming_up import ComingUp, coming_up
from c2cbot.workspace.facts import CityFacts, OverviewFacts, PartnershipFacts
from c2cbot.workspace.wording import Wording

STATES = {
    "done": N_("Complete"),
    "current": N_("Current step"),
    "later": N_("Coming later"),
    "off": N_("Not on this work path"),
}


@dataclass(frozen=True)
class Heading:
    """What every page of a partnership shows at its top."""

    partnership_id: int
    title: str
    coordinator: bool
    standing: tuple[str, ...]  # "Step 2 of 4: Do", "Work path: …"


@dataclass(frozen=True)
class Cell:
    """One step in one city: questions answered of those asked, people who answered."""

    answered: int
    asked: int
    people: int
    members: int

    @property
    def complete(self) -> bool:
        return self.asked > 0 and self.answered == self.asked


@dataclass(frozen=True)
class StepRow:
    step: str
    name: str
    state: str  # done, current, later, off
    state_label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class LoopStep:
    name: str
    state: str


@dataclass(frozen=True)
class ActivityLine:
    title: str
    title_language: str
    owner: str | None
    due: str
    status: str
    late: bool


@dataclass(frozen=True)
class PersonLine:
    name: str
    city: str | None
    organisation: str | None


@dataclass(frozen=True)
class Overview:
    heading: Heading
    cities: tuple[str, ...]
    loop: tuple[LoopStep, ...]
    rows: tuple[StepRow, ...]
    activities: tuple[ActivityLine, ...]
    waiting: tuple[PersonLine, ...]  # empty for members: they see the count
    waiting_count: int
    coming: ComingUp


def heading(partnership: PartnershipFacts, say: Wording) -> Heading:
    return Heading(
        partnership.id,
        partnership.title(say.language),
        coordinator_role(partnership.role),
        tuple(stands(partnership.loop, partnership.step, say)),
    )


def partnership_lines(found: Sequence[PartnershipFacts], say: Wording) -> list[Heading]:
    """The reader's partnerships for the list at /p/: the heading each page of it shows."""
    return [heading(partnership, say) for partnership in found]


def overview(
    facts: OverviewFacts,
    conversations: Mapping[str, Conversation],
    say: Wording,
    now: datetime,
) -> Overview:
    partnership = facts.partnership
    top = heading(partnership, say)
    waiting = tuple(_person(p, partnership.cities, say) for p in facts.waiting)
    return Overview(
        top,
        tuple(say.named(city.names) for city in partnership.cities),
        _loop(partnership, say),
        tuple(_rows(facts, conversations, say)),
        tuple(_activity(item, facts, say) for item in facts.activities),
        waiting if top.coordinator else (),
        len(waiting),
        coming_up(facts.prompts, facts.digest_chats, now, say, top.coordinator),
    )


def step_state(partnership: PartnershipFacts, step: Step) -> str:
    """Where ``step`` is on the partnership's work path: done, current, later or off it."""
    loop = LOOPS.get(partnership.loop)
    if step.value == partnership.step:
        return "current"
    if loop is None or step not in loop.steps:
        return "off"
    current = next((s for s in loop.steps if s.value == partnership.step), None)
    return "done" if current and step in steps_done(partnership.loop, current) else "later"


def _loop(partnership: PartnershipFacts, say: Wording) -> tuple[LoopStep, ...]:
    loop = LOOPS.get(partnership.loop)
    if loop is None:
        return ()
    return tuple(LoopStep(say(STEP_NAMES[s]), step_state(partnership, s)) for s in loop.steps)


def _rows(
    facts: OverviewFacts, conversations: Mapping[str, Conversation], say: Wording
) -> list[StepRow]:
    partnership = facts.partnership
    answers = {city.city_id: city.answers for city in facts.progress}
    rows = []
    for step in Step:
        conversation = conversations.get(step.value)
        if conversation is None:
            continue
        cells = tuple(
            _cell(facts, conversation, city, answers.get(city.id, {}))
            for city in partnership.cities
        )
        state = step_state(partnership, step)
        rows.append(StepRow(step.value, say(STEP_NAMES[step]), state, say(STATES[state]), cells))
    return rows


def _cell(
    facts: OverviewFacts,
    conversation: Conversation,
    city: CityFacts,
    answers: Mapping[str, Mapping[str, Any]],
) -> Cell:
    answered, asked = counted(conversation, answers.get(conversation.id, {}))
    people = facts.answerers.get((conversation.id, city.id), 0)
    return Cell(answered, asked, people, facts.members.get(city.id, 0))


def _activity(item: ActionItem, facts: OverviewFacts, say: Wording) -> ActivityLine:
    owner = _with_city(item.owner, item.owner_city, facts.partnership.cities, say)
    return ActivityLine(
        item.what.text,
        say.language_name(item.what.language),
        owner,
        say.day(item.due_on) if item.due_on else "",
        say(status_label(item.status)),
        is_late(item.due_on, item.status, facts.today),
    )


def _person(person: Participant, cities: Sequence[CityFacts], say: Wording) -> PersonLine:
    return PersonLine(person.name, _city(person.city, cities, say), person.organisation)


def _with_city(
    name: str | None, city_key: str | None, cities: Sequence[CityFacts], say: Wording
) -> str | None:
    city = _city(city_key, cities, say)
    if name is None or city is None:
        return name
    return name + parenthesised(city, say.language)


def _city(key: str | None, cities: Sequence[CityFacts], say: Wording) -> str | None:
    found = next((c for c in cities if c.key == key), None)
    return say.named(found.names) if found else None
