"""A step's page: every question with both cities' current answers side by side, and for
coordinators the step's completion.

An answer is shown as the chat shows it again (``flows/answer_shown.shown_with``): choices,
dates and amounts in the reader's language, free text as it was typed with the language
it was typed in. Each person's newest row is their answer (rank 1, as
``store/current_answers`` ranks); the rows before it are its history, shown on demand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.flows.answer_history import counts_for, is_withdrawn
from c2cbot.flows.answer_shown import shown_with
from c2cbot.flows.answering import Option, clean_text
from c2cbot.flows.commanding import coordinator_role
from c2cbot.flows.options import fixed_options, kpi_options, member_options
from c2cbot.flows.schema import Conversation, Kind, OptionSource, Question
from c2cbot.flows.step_progress import asked_of
from c2cbot.workspace.facts import AnswerRow, CityFacts, StepFacts
from c2cbot.workspace.overview import STATES, Heading, heading, step_state
from c2cbot.workspace.translations import Typed
from c2cbot.workspace.wording import Wording

OTHER_CITIES = N_("Other cities")
WITHDRAWN = N_("No longer applies")


@dataclass(frozen=True)
class Shown:
    """An answer in the reader's words; ``language`` names the language free text was
    typed in (``None`` for everything the bot words itself)."""

    label: str
    text: str
    language: str | None
    code: str | None = None  # the language's code, for the page's lang attribute
    translation: str | None = None  # a machine's, into the reader's language


@dataclass(frozen=True)
class Earlier:
    when: str
    shown: Shown


@dataclass(frozen=True)
class Given:
    """One person's current answer to one question (a list: its items), and its history."""

    person: str
    when: str
    answer: Shown | None
    items: tuple[tuple[Shown, ...], ...]
    earlier: tuple[Earlier, ...]


@dataclass(frozen=True)
class Column:
    city: str
    given: tuple[Given, ...]


@dataclass(frozen=True)
class QuestionView:
    number: int
    prompt: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class StepPage:
    heading: Heading
    step: str
    name: str
    title: str
    state: str
    state_label: str
    questions: tuple[QuestionView, ...]


@dataclass(frozen=True)
class CityCompletion:
    """How far one city is with the step, and who of it has not answered."""

    city: str
    answered: int
    asked: int
    open_questions: tuple[str, ...]
    not_answered: tuple[str, ...]
    coordinators: tuple[tuple[str, bool], ...]  # (name, completed the step in the chat)

    @property
    def complete(self) -> bool:
        return self.asked > 0 and self.answered == self.asked


@dataclass(frozen=True)
class Completion:
    heading: Heading
    step: str
    name: str
    state: str
    state_label: str
    cities: tuple[CityCompletion, ...]


def step_page(
    facts: StepFacts,
    conversation: Conversation,
    say: Wording,
    translations: Mapping[Typed, str] | None = None,
) -> StepPage:
    """``translations``: machine translations of typed answers into the reader's language
    (``typed_texts`` says which texts could have one), shown beside the text as typed."""
    step = Step(facts.conversation)
    state = step_state(facts.partnership, step)
    labels = Labels(facts, say, translations)
    by_question = _by_question(facts.rows)
    questions = tuple(
        QuestionView(
            number,
            say(question.prompt),
            _columns(facts.partnership.cities, question, by_question[question.id], labels, say),
        )
        for number, question in enumerate(conversation.questions, 1)
    )
    return StepPage(
        heading(facts.partnership, say),
        step.value,
        say(STEP_NAMES[step]),
        say(conversation.title),
        state,
        say(STATES[state]),
        questions,
    )


def completion(facts: StepFacts, conversation: Conversation, say: Wording) -> Completion:
    step = Step(facts.conversation)
    state = step_state(facts.partnership, step)
    current = [row for row in facts.rows if _current(row)]
    cities = tuple(
        _city_completion(facts, city, conversation, current, say)
        for city in facts.partnership.cities
    )
    return Completion(
        heading(facts.partnership, say),
        step.value,
        say(STEP_NAMES[step]),
        state,
        say(STATES[state]),
        cities,
    )


# ----- answers, question by question


class Labels:
    """The options of choice questions in the reader's language, found once per page
    (also how the answers' download words each answer, so both say the same)."""

    def __init__(
        self, facts: StepFacts, say: Wording, translations: Mapping[Typed, str] | None = None
    ) -> None:
        self.facts, self.say, self.translations = facts, say, translations or {}
        self._found: dict[str, Mapping[str, str]] = {}

    def shown(self, question: Question, row: AnswerRow) -> Shown:
        value = row.value.get("value")
        labels = self._of(question) if question.type in (Kind.CHOICE, Kind.MULTI) else {}
        text = shown_with(question, value, self.say.texts, self.say.language, labels)
        if question.type is not Kind.TEXT:
            return Shown(self.say(question.prompt), text, None)
        language = self.say.language_name(row.language)
        translation = self.translations.get((text, row.language))
        return Shown(self.say(question.prompt), text, language, row.language, translation)

    def _of(self, question: Question) -> Mapping[str, str]:
        if question.id not in self._found:
            self._found[question.id] = {o.id: o.label for o in self._options(question)}
        return self._found[question.id]

    def _options(self, question: Question) -> list[Option]:
        source, say = question.options_from, self.say
        if source is OptionSource.PARTNERSHIP_MEMBERS:
            return member_options(self.facts.members, say.language)
        if source is OptionSource.PARTNERSHIP_KPIS:
            return kpi_options(self.facts.kpis)
        if source is OptionSource.PARTNERSHIP_CITIES:
            return [Option(str(c.id), say.named(c.names)) for c in self.facts.partnership.cities]
        return fixed_options(question, say.texts, say.language)


def typed_texts(facts: StepFacts, conversation: Conversation) -> list[Typed]:
    """The current answers typed as free text, with their language: what a machine
    could translate for the page."""
    questions = {question.id: question for question in conversation.questions}
    found = []
    for row in facts.rows:
        top = questions.get(row.question.split(".", 1)[0])
        asked = _asked(top, row) if top is not None and _current(row) else None
        if asked is not None and asked.type is Kind.TEXT:
            found.append((clean_text(str(row.value.get("value"))), row.language))
    return found


def _by_question(rows: Iterable[AnswerRow]) -> dict[str, list[AnswerRow]]:
    found: dict[str, list[AnswerRow]] = defaultdict(list)
    for row in rows:
        found[row.question.split(".", 1)[0]].append(row)
    return found


def _columns(
    cities: Sequence[CityFacts],
    question: Question,
    rows: list[AnswerRow],
    labels: Labels,
    say: Wording,
) -> tuple[Column, ...]:
    """One column per city of the partnership; answers of people from elsewhere last."""
    known = {city.id for city in cities}
    columns = [
        Column(
            say.named(city.names),
            _given(question, [r for r in rows if r.city_id == city.id], labels, say),
        )
        for city in cities
    ]
    others = [row for row in rows if row.city_id not in known]
    if others:
        columns.append(Column(say(OTHER_CITIES), _given(question, others, labels, say)))
    return tuple(columns)


def _given(
    question: Question, rows: list[AnswerRow], labels: Labels, say: Wording
) -> tuple[Given, ...]:
    """Each person's current answer, people in the order they first answered."""
    people: dict[int, list[AnswerRow]] = defaultdict(list)
    for row in rows:
        people[row.stakeholder_id].append(row)
    given = (_one(question, own, labels, say) for own in people.values())
    return tuple(g for g in given if g is not None)


def _one(question: Question, rows: list[AnswerRow], labels: Labels, say: Wording) -> Given | None:
    current = [row for row in rows if _current(row)]
    if not current:
        return None
    newest = max(row.answered_at for row in current)
    earlier = tuple(
        Earlier(say.day_of(row.answered_at), _earlier(question, row, labels, say))
        for row in sorted(rows, key=lambda r: r.answered_at, reverse=True)
        if row.rank > 1
    )
    person = say.person(rows[0].name)
    if question.type is not Kind.GROUP:
        return Given(person, say.day_of(newest), labels.shown(question, current[0]), (), earlier)
    return Given(person, say.day_of(newest), None, _items(question, current, labels), earlier)


def _items(
    question: Question, current: list[AnswerRow], labels: Labels
) -> tuple[tuple[Shown, ...], ...]:
    """A list's items in order, each with its answers in the order the list asks them."""
    subs = {sub.id: sub for sub in question.questions or []}
    order = list(subs)
    items: dict[int, dict[str, Shown]] = defaultdict(dict)
    for row in current:
        sub = subs.get(row.question.partition(".")[2])
        if sub is not None:
            items[row.item or 0][sub.id] = labels.shown(sub, row)
    return tuple(
        tuple(fields[key] for key in order if key in fields) for _, fields in sorted(items.items())
    )


def _earlier(question: Question, row: AnswerRow, labels: Labels, say: Wording) -> Shown:
    sub = _asked(question, row)
    if is_withdrawn(row.value):
        return Shown(say(sub.prompt), say(WITHDRAWN), None)
    return labels.shown(sub, row)


def _asked(question: Question, row: AnswerRow) -> Question:
    """The question a row answers: the list's own question for an item's answer."""
    name = row.question.partition(".")[2]
    return next((sub for sub in question.questions or [] if sub.id == name), question)


def _current(row: AnswerRow) -> bool:
    return row.rank == 1 and not is_withdrawn(row.value)


# ----- completion, for coordinators


def _city_completion(
    facts: StepFacts,
    city: CityFacts,
    conversation: Conversation,
    current: list[AnswerRow],
    say: Wording,
) -> CityCompletion:
    answers: dict[str, Any] = {}
    for row in sorted((r for r in current if r.city_id == city.id), key=lambda r: r.answered_at):
        top, value = counts_for(row.question, row.value)
        answers[top] = value  # the newest value wins, as the steps menu counts
    asked = asked_of(conversation, answers)
    answered_by = {row.stakeholder_id for row in current}
    members = [m for m in facts.members if m.city_id == city.id]
    return CityCompletion(
        say.named(city.names),
        sum(1 for q in asked if q.id in answers),
        len(asked),
        tuple(say(q.prompt) for q in asked if q.id not in answers),
        tuple(m.name for m in members if m.stakeholder_id not in answered_by),
        tuple(
            (m.name, m.stakeholder_id in facts.completed_by)
            for m in members
            if coordinator_role(m.role)
        ),
    )
