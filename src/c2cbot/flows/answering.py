"""Turning what a person typed or tapped into a typed answer, or a reason why not.

Channels without buttons show options as numbered lines, so a choice accepts the
number (full-width too), the option's text, or a close match of it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from c2cbot.domain import dates, values
from c2cbot.domain.ratings import stars
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.texts import Texts


@dataclass(frozen=True)
class Option:
    """An option as shown to one reader: its id and its label in their language."""

    id: str
    label: str


@dataclass(frozen=True)
class Parsed:
    """A valid answer: a JSON-ready value and how to show it back to people."""

    value: Any
    display: str


# C0 controls (but tab and newline), zero-width space, and bidi embeddings, overrides
# and isolates, which can disguise text; joiners (U+200C, U+200D) and LRM/RLM stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069]")
_LIST_SPLIT = re.compile(r"\s*[,，、;；]\s*")
# Said on every channel: neither "tap" (WeChat has no buttons) nor "number" (Telegram's
# buttons carry none) fits them all.
NOT_AN_OPTION = N_("Please choose one of the options.")
NOT_OPTIONS = N_("“{typed}” is not one of the options. Please choose one or more of them.")


def clean_text(text: str) -> str:
    """Drop control and bidi-override characters; keep everything a person could read."""
    return _CONTROL.sub("", text).strip()


def parse_text(question: Question, text: str) -> Parsed:
    cleaned = clean_text(text)
    if not cleaned:
        raise InvalidValue(N_("Please type your answer."))
    if len(cleaned) > question.max_length:
        raise InvalidValue(
            N_("Please keep it under {limit} characters (this one has {length})."),
            limit=question.max_length,
            length=len(cleaned),
        )
    return Parsed(cleaned, cleaned)


def parse_choice(options: Sequence[Option], text: str) -> Option:
    """The one option a person meant by ``text``."""
    wanted = values.normalise(text).casefold().rstrip(".。")
    # isdecimal: int() takes every decimal digit ("١"), not every digit ("፩"), nor 5,000 of them
    if wanted.isdecimal() and len(wanted) <= 6 and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1]
    for option in options:
        if wanted in (option.id, option.label.casefold()):
            return option
    starting = [o for o in options if len(wanted) > 1 and o.label.casefold().startswith(wanted)]
    if len(starting) == 1:  # "Wang Fang" for "Wang Fang (Shanghai)"
        return starting[0]
    labels = [o.label.casefold() for o in options]
    close = difflib.get_close_matches(wanted, labels, n=2, cutoff=0.75)
    if len(close) == 1:
        return options[labels.index(close[0])]
    raise InvalidValue(NOT_AN_OPTION)


def parse_rating(options: Sequence[Option], text: str) -> Parsed:
    """A rating typed as its number ("4", "４"), its words ("Good") or as "4/5"."""
    try:
        rating = int(parse_choice(options, text).id)
    except InvalidValue:
        rating = values.parse_rating(text)
    return Parsed(rating, stars(rating))


def parse_multi(options: Sequence[Option], text: str) -> list[Option]:
    """Several options from "1 3 4", "1,3,4", "1、3、4" or their texts, comma-separated.

    Labels may contain commas themselves ("Air, waste and environment"), so runs of
    comma-separated pieces are joined back, longest first, until they name an option.
    """
    normal = values.normalise(text)
    if re.fullmatch(r"[\d\s,、;]+", normal):
        pieces = [p for p in re.split(r"[\s,、;]+", normal) if p]
    else:
        pieces = [p for p in _LIST_SPLIT.split(normal) if p]
    picked: list[Option] = []
    start = 0
    while start < len(pieces):
        option, start = _longest_option(options, pieces, start)
        picked += [option] if option not in picked else []
    return picked


def _longest_option(options: Sequence[Option], pieces: list[str], start: int) -> tuple[Option, int]:
    for end in range(len(pieces), start + 1, -1):
        joined = ", ".join(pieces[start:end])
        exact = [o for o in options if o.label.casefold() == joined.casefold()]
        if exact:
            return exact[0], end
    try:
        return parse_choice(options, pieces[start]), start + 1
    except InvalidValue:
        raise InvalidValue(NOT_OPTIONS, typed=pieces[start]) from None


def check_selection(question: Question, picked: Sequence[str]) -> None:
    if len(picked) < question.min_selected:
        raise InvalidValue(N_("Please pick at least {count}."), count=question.min_selected)


def parse_typed(
    question: Question, text: str, texts: Texts, language: str, home_currency: str | None = None
) -> Parsed:
    """Answers to number, money, date, rating, yes/no and text questions; money without a
    currency, or with a sign several share ("kr"), is in the writer's ``home_currency``."""
    low, high = _bound(question.min), _bound(question.max)
    if question.type is Kind.NUMBER:
        number = values.parse_number(text, integer=question.integer, low=low, high=high)
        return Parsed(
            str(number),
            _with_unit(texts.format_number(language, number), question, texts, language),
        )
    if question.type is Kind.MONEY:
        money = values.parse_money(
            text,
            default_currency=question.currency or home_currency,
            home_currency=home_currency,
            low=low,
            high=high,
        )
        shown = texts.format_money(language, money.amount, money.currency)
        return Parsed({"amount": str(money.amount), "currency": money.currency}, shown)
    if question.type is Kind.DATE:
        day = dates.parse_date(text)
        return Parsed(day.isoformat(), texts.format_date(language, day))
    if question.type is Kind.RATING:
        rating = values.parse_rating(text)
        return Parsed(rating, stars(rating))
    if question.type is Kind.YESNO:
        return yes_no(values.parse_yes_no(text), texts, language)
    return parse_text(question, text)


def _bound(value: float | None) -> Decimal | None:
    """A range bound as a person wrote it in the file: 1000, not 1000.0."""
    if value is None:
        return None
    return Decimal(int(value)) if value == int(value) else Decimal(str(value))


def yes_no(answer: bool, texts: Texts, language: str) -> Parsed:
    return Parsed(answer, texts.gettext(language, N_("Yes") if answer else N_("No")))


def _with_unit(shown: str, question: Question, texts: Texts, language: str) -> str:
    if not question.unit:
        return shown
    return f"{shown} {texts.gettext(language, question.unit)}"
