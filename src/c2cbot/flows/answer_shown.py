"""An answer as the reader sees it again: rendered from its stored value, in their language.

The stored display is in the language the person answered in, and their language may
have changed since; so options, yes/no, dates and amounts are shown afresh from the
value, and only typed text is shown as it was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from c2cbot.domain.display import join_list
from c2cbot.domain.text import N_
from c2cbot.flows import answering
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.texts import Texts

LONGEST = 60  # characters of an answer shown on a button or a line of an overview


async def shown(turn: ChatTurn, question: Question, value: Any) -> str:
    """``value`` (as stored for ``question``) in the reader's words."""
    labels: Mapping[str, str] = {}
    if question.type in (Kind.CHOICE, Kind.MULTI):
        labels = {o.id: o.label for o in await turn.options(question)}
    return shown_with(question, value, turn.texts, turn.language, labels)


def shown_with(
    question: Question, value: Any, texts: Texts, language: str, labels: Mapping[str, str]
) -> str:
    """``value`` in ``language``, a choice named by ``labels`` (its options' labels in that
    language): how the chat shows an answer again, and how the workspace shows it."""
    kind = question.type
    if kind is Kind.YESNO:
        return texts.gettext(language, N_("Yes") if value is True else N_("No"))
    if kind is Kind.RATING and isinstance(value, int):
        return "★" * value + "☆" * (5 - value)
    if kind in (Kind.CHOICE, Kind.MULTI):
        picked = value if isinstance(value, list) else [value]
        return join_list((labels.get(str(p), str(p)) for p in picked), language)
    try:
        if kind is Kind.DATE:
            return texts.format_date(language, date.fromisoformat(str(value)))
        if kind is Kind.MONEY and isinstance(value, Mapping):
            amount = Decimal(str(value["amount"]))
            return texts.format_money(language, amount, str(value["currency"]))
        if kind is Kind.NUMBER:
            number = texts.format_number(language, Decimal(str(value)))
            unit = f" {texts.gettext(language, question.unit)}" if question.unit else ""
            return number + unit
    except (ValueError, KeyError, InvalidOperation):
        pass  # a value from an older file version: shown as stored
    return answering.clean_text(str(value))


def shortened(text: str, limit: int = LONGEST) -> str:
    """``text`` on one line, cut with "…" to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
