"""What the answers table says about a person's answers now, as the engine reads it.

Answering again adds a row, so the history stays; the newest row of a person, question
and group item is that person's current answer. An answer can also stop applying: when
a corrected answer makes a conditional question moot (the MoU is no longer signed, so
its signing date goes) or a list loses items. Then a *withdrawal* row is added: the same
question and item with no value, marked ``withdrawn``. It keeps the history honest (the
old answer stays, and so does the moment it stopped counting) without deleting anything.

A consent is an answer too (``consent_record``): what it covers and the notice's
version, at the row's time; ``consent_in`` finds it in a stored value.
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


def consent_record(scope: str, notice: str) -> dict[str, Any]:
    """A consent as its answer row keeps it: what it covers (``data``, or ``abroad`` for a
    transfer out of China) and the notice's version; the row's time is when it was given."""
    return {"given": True, "scope": scope, "notice": notice}


def consent_in(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The consent a stored answer value records, if it records one."""
    inner = value.get("value") if value else None
    if isinstance(inner, Mapping) and inner.get("given") is True and "notice" in inner:
        return inner
    return None
