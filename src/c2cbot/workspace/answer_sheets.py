"""The partnership's answers as sheets of a workbook: one per step, in one language.

Every row of a step is there, the answers it replaced too, with ``current`` saying which
counts now (as ``store/exports`` says it: a person's newest row, unless withdrawn). An
answer is worded as the step page words it (``step_page.Labels``: choices, dates and
amounts in the chosen language, typed text as typed), and beside it its value as a
spreadsheet reads it: numbers as numbers, dates as dates, money as an amount with its
currency in a column of its own. People are named as the step pages name them for every
member (an erased person is a "Former member"); nothing else about them is in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.flows.answer_history import is_withdrawn
from c2cbot.flows.schema import Conversation, Kind, Question
from c2cbot.workspace.download_facts import DownloadFacts
from c2cbot.workspace.facts import AnswerRow
from c2cbot.workspace.step_page import OTHER_CITIES, WITHDRAWN, Labels
from c2cbot.workspace.wording import Wording

#: The columns, each with its width in characters (question and answer texts wrap).
COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("No."), 6),
    (N_("Item"), 6),
    (N_("Question"), 48),
    (N_("City"), 16),
    (N_("Person"), 20),
    (N_("Answer"), 48),
    (N_("Value"), 14),
    (N_("Currency or unit"), 12),
    (N_("Language typed"), 14),
    (N_("Answered at ({zone})"), 20),
    (N_("Current"), 10),
)
ANSWERS = N_("Answers")
LONGEST_NAME = 31  # characters of a sheet's name, as Excel allows
NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: tuple[tuple[Any, ...], ...]  # typed cells, in the order of ``COLUMNS``


@dataclass(frozen=True)
class Workbook:
    header: tuple[str, ...]
    widths: tuple[int, ...]
    sheets: tuple[Sheet, ...]  # at least one: an empty partnership's has no rows


def answer_sheets(
    facts: DownloadFacts, conversations: Mapping[str, Conversation], say: Wording
) -> Workbook:
    """A sheet per step that has answers, steps in the narrative's order."""
    sheets = [
        _sheet(facts, conversations[step.value], say)
        for step in Step
        if step.value in conversations and facts.rows.get(step.value)
    ]
    header = tuple(say(label, zone=say.zone.key) for label, _width in COLUMNS)
    named = _unique_names(sheets) or (Sheet(sheet_name(say(ANSWERS)), ()),)
    return Workbook(header, tuple(width for _label, width in COLUMNS), named)


def sheet_name(text: str) -> str:
    """``text`` as a sheet's name: none of the characters Excel refuses, 31 at most."""
    cleaned = " ".join(NOT_IN_NAMES.sub(" ", text).split()).strip("'")
    return cleaned[:LONGEST_NAME] or "-"


def _unique_names(sheets: Sequence[Sheet]) -> tuple[Sheet, ...]:
    """Sheets named apart: a translation that names two steps alike gets "(2)"."""
    seen: set[str] = set()
    named = []
    for sheet in sheets:
        name, n = sheet.name, 1
        while name.casefold() in seen:
            n += 1
            name = sheet.name[: LONGEST_NAME - 4] + f" ({n})"
        seen.add(name.casefold())
        named.append(Sheet(name, sheet.rows))
    return tuple(named)


def _sheet(facts: DownloadFacts, conversation: Conversation, say: Wording) -> Sheet:
    step_facts = facts.step(conversation.id)
    labels = Labels(step_facts, say)
    numbers = {q.id: n for n, q in enumerate(conversation.questions, 1)}
    cities = {city.id: say.named(city.names) for city in facts.partnership.cities}
    order = {city.id: n for n, city in enumerate(facts.partnership.cities)}
    rows = sorted(
        step_facts.rows,
        key=lambda r: (
            numbers.get(_top(r), len(numbers) + 1),
            r.question,
            r.item or 0,
            order.get(r.city_id or 0, len(order)),
            r.answered_at,
        ),
    )
    return Sheet(
        sheet_name(say(STEP_NAMES[Step(conversation.id)])),
        tuple(
            _row(row, _question(conversation, row), numbers, cities, labels, say) for row in rows
        ),
    )


def _row(
    row: AnswerRow,
    question: Question | None,
    numbers: Mapping[str, int],
    cities: Mapping[int, str],
    labels: Labels,
    say: Wording,
) -> tuple[Any, ...]:
    current = row.rank == 1 and not is_withdrawn(row.value)
    city = cities.get(row.city_id) if row.city_id is not None else None
    value, unit = _typed(question, row.value.get("value"), say)
    typed_text = question is not None and question.type is Kind.TEXT
    return (
        numbers.get(_top(row)),
        row.item + 1 if row.item is not None else None,
        say(question.prompt) if question else row.question,
        city or say(OTHER_CITIES),
        say.person(row.name),
        _shown(question, row, labels, say),
        None if is_withdrawn(row.value) else value,
        unit,
        say.language_name(row.language) if typed_text else None,
        row.answered_at.astimezone(say.zone).replace(tzinfo=None),
        say("Yes") if current else say("No"),
    )


def _shown(question: Question | None, row: AnswerRow, labels: Labels, say: Wording) -> str:
    if is_withdrawn(row.value):
        return say(WITHDRAWN)
    if question is None:  # from an older version of the step's questions
        return str(row.value.get("value"))
    return labels.shown(question, row).text


def _typed(question: Question | None, value: Any, say: Wording) -> tuple[Any, str | None]:
    """The answer as a spreadsheet reads it, and its currency or unit; ``None`` where the
    worded answer says it all (text, choices)."""
    kind = question.type if question else None
    try:
        if kind is Kind.NUMBER:
            unit = say(question.unit) if question and question.unit else None
            return _number(Decimal(str(value))), unit
        if kind is Kind.MONEY and isinstance(value, Mapping):
            return _number(Decimal(str(value["amount"]))), str(value["currency"])
        if kind is Kind.DATE:
            return date.fromisoformat(str(value)), None
    except (ValueError, KeyError, InvalidOperation):
        return None, None  # a value from an older file version: the answer column has it
    if kind is Kind.RATING and isinstance(value, int):
        return value, None
    if kind is Kind.YESNO and isinstance(value, bool):
        return value, None
    return None, None


def _number(amount: Decimal) -> int | float:
    if not amount.is_finite():
        raise InvalidOperation
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _top(row: AnswerRow) -> str:
    return row.question.split(".", 1)[0]


def _question(conversation: Conversation, row: AnswerRow) -> Question | None:
    """The question a row answers (inside a list for "activities.title"), if still asked."""
    top, _, sub = row.question.partition(".")
    found = next((q for q in conversation.questions if q.id == top), None)
    if found is None or not sub:
        return found
    return next((q for q in found.questions or [] if q.id == sub), None)
