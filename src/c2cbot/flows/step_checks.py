"""Checks on typed dates and targets that only make sense against other answers or today.

Named in the step files (``check:``); each refuses with a reason people can act on, and
the question is asked again with nothing stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from c2cbot.domain.kpis import RATING_SCALE, KpiKind
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.answering import Parsed
from c2cbot.flows.commanding import ChatTurn, local_today
from c2cbot.flows.walk import Position

SIGNED_LATER = N_("That day has not come yet. When was the MoU signed?")
ENDS_BEFORE_SIGNED = N_(
    "The MoU cannot end before it was signed ({signed}). Please send a later date."
)
DUE_BEFORE_START = N_(
    "The activity cannot be due before it starts ({start}). Please send a later date."
)
REVIEW_PASSED = N_(
    "That day has already passed. Please send a review date from today on, or /skip."
)
NEGATIVE_TARGET = N_("A target cannot be below zero. Please send another number.")
RATING_TARGET = N_("This KPI is a rating, so its target is a whole number from {low} to {high}.")


async def signed_by_now(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    """An MoU is signed in the past or today, never in the future."""
    if _day(parsed) > await local_today(turn):
        raise InvalidValue(SIGNED_LATER)
    return parsed


async def mou_expiry(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    signed = turn.state.get("values", {}).get("mou_signed")
    if signed and _day(parsed) < date.fromisoformat(signed):
        raise InvalidValue(ENDS_BEFORE_SIGNED, signed=_shown(turn, signed))
    return parsed


async def activity_due(turn: ChatTurn, position: Position, parsed: Parsed) -> Parsed:
    start = turn.state.get("values", {}).get(f"{position.question}#{position.item}.start")
    if start and _day(parsed) < date.fromisoformat(start):
        raise InvalidValue(DUE_BEFORE_START, start=_shown(turn, start))
    return parsed


async def review_ahead(turn: ChatTurn, _position: Position, parsed: Parsed) -> Parsed:
    """A plan review is planned, so it lies ahead: today at the earliest."""
    if _day(parsed) < await local_today(turn):
        raise InvalidValue(REVIEW_PASSED)
    return parsed


async def kpi_target(turn: ChatTurn, position: Position, parsed: Parsed) -> Parsed:
    """A target of the KPI's own kind: a rating from 1 to 5, a count or amount from 0."""
    key = turn.state.get("values", {}).get(f"{position.question}#{position.item}.kpi")
    assert turn.partnership_id is not None
    kinds = {t.kpi_key: t.kind for t in await turn.ledger.plan.kpi_targets(turn.partnership_id)}
    target = Decimal(str(parsed.value))
    if kinds.get(key) == KpiKind.RATING.value:
        low, high = RATING_SCALE
        if target != int(target) or not low <= target <= high:
            raise InvalidValue(RATING_TARGET, low=low, high=high)
    elif target < 0:
        raise InvalidValue(NEGATIVE_TARGET)
    return parsed


def _day(parsed: Parsed) -> date:
    return date.fromisoformat(str(parsed.value))


def _shown(turn: ChatTurn, day: str) -> str:
    return turn.texts.format_date(turn.language, date.fromisoformat(day))
