"""What the answers table says about a person's answers now, as the engine reads it.

Answering again adds a row, so the history stays; the newest row of a person, question
and group item is that person's current answer. An answer can also stop applying: when
a corrected answer makes a conditional question moot (the MoU is no longer signed, so
its signing date goes) or a list loses items. Then a *withdrawal* row is added: the same
question and item with no value, marked ``withdrawn``. It keeps the history honest (the
old answer stays, and so does the moment it stopped counting) without deleting anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WITHDRAWN = "withdrawn"


def withdrawal(kind: str) -> dict[str, Any]:
    """The stored value of a withdrawal row for a question of type ``kind``."""
    return {"type": kind, "value": None, WITHDRAWN: True}


def is_withdrawn(value: Mapping[str, Any] | None) -> bool:
    return bool(value and value.get(WITHDRAWN))


def counts_for(question: str, value: Mapping[str, Any] | None) -> tuple[str, Any]:
    """The top-level question an answer row counts for, and its value there: an item of a
    list ("activities.title") counts as the list answered (``True``)."""
    top, _, sub = question.partition(".")
    return top, True if sub else (value or {}).get("value")


@dataclass(frozen=True)
class CurrentAnswer:
    """One question's (or one group item's) current answer: its newest row, not withdrawn.

    ``question`` is the stored name ("mou_status", or "activities.title" inside a group).
    """

    question: str
    item: int | None
    value: Any
    display: str


@dataclass(frozen=True)
class CityAnswers:
    """What the people of one city of a partnership have answered, step by step.

    ``answers`` maps a conversation to its top-level questions answered by anyone of the
    city, each with the newest value given (``True`` for a group with items).
    """

    city_id: int
    names: Mapping[str, str]
    answers: Mapping[str, Mapping[str, Any]]
