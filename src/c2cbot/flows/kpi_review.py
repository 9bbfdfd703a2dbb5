"""KPI answers looked at twice: money in the right currency, and surprising jumps confirmed.

A KPI prompt's context carries the currency its figures are kept in (the plan's, else
the reporter's city's): it is the default when none is typed, and a figure in another
currency is refused, since converting would mean choosing an exchange rate for them.

A value ten times larger or smaller than the person's earlier ones (the rule is
``domain.schedules.check_kpi_value``) is not rejected: the ``confirm`` question of the
KPI conversation asks whether it is right, and a "no" leads to ``corrected``. Without a
jump ``confirm`` counts as settled and is never asked. The KPI conversation files name
both halves: ``after: kpi_jump_check`` on ``value``, ``ask_if: kpi_jumped`` on ``confirm``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from c2cbot.domain.display import period_label
from c2cbot.domain.schedules import Plausibility, check_kpi_value
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import answering
from c2cbot.flows.answering import Parsed
from c2cbot.flows.ports import EarlierValue, KpiPlans
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.texts import Texts

WRONG_CURRENCY = N_(
    "This figure is kept in {expected}, but you gave {given}. Please send the amount in "
    "{expected}: I do not convert currencies."
)
_KIND_OF = {Kind.NUMBER: "count", Kind.MONEY: "money"}


def parse_typed(
    question: Question,
    text: str,
    context: dict[str, Any],
    texts: Texts,
    language: str,
    home_currency: str | None = None,
) -> Parsed:
    """``answering.parse_typed``; a KPI prompt's money defaults to, and must be, its currency."""
    currency = str(context.get("currency") or "")
    if question.type is not Kind.MONEY or not currency or "prompt_id" not in context:
        return answering.parse_typed(question, text, texts, language, home_currency)
    kept = question.model_copy(update={"currency": currency})
    parsed = answering.parse_typed(kept, text, texts, language, home_currency or currency)
    given = parsed.value["currency"]
    if given != currency:
        raise InvalidValue(WRONG_CURRENCY, expected=currency, given=given)
    return parsed


async def review(
    ledger: KpiPlans,
    state: dict[str, Any],
    question: Question,
    parsed: Parsed,
    texts: Texts,
    language: str,
) -> None:
    """After a KPI value is accepted: note a tenfold jump, so ``confirm`` asks about it."""
    context = dict(state.get("context") or {})
    prompt_id = context.get("prompt_id")
    kind = _KIND_OF.get(question.type)
    if not isinstance(prompt_id, int) or kind is None:
        return
    values = state.setdefault("values", {})
    values.pop("jump", None)
    amount, currency = _amount(parsed.value)
    if amount is None:
        return
    earlier = [e for e in await ledger.earlier_values(prompt_id) if e.currency == currency]
    if check_kpi_value(amount, [e.amount for e in earlier], kind) is not Plausibility.CONFIRM_JUMP:
        return
    values["jump"] = True
    last = earlier[-1]
    context.update(
        previous=_shown(last, texts, language),
        previous_period=period_label(last.period_key, language),
        reported=parsed.display,
    )
    state["context"] = context


def jumped(state: dict[str, Any]) -> bool:
    """Whether the value just given jumped tenfold, so ``confirm`` must be asked."""
    return bool((state.get("values") or {}).get("jump"))


def _amount(value: Any) -> tuple[Decimal | None, str | None]:
    raw, currency = value, None
    if isinstance(value, dict):
        raw, currency = value.get("amount"), value.get("currency")
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        return None, None
    return (number, currency) if number.is_finite() else (None, None)


def _shown(earlier: EarlierValue, texts: Texts, language: str) -> str:
    if earlier.currency:
        return texts.format_money(language, earlier.amount, earlier.currency)
    return texts.format_number(language, earlier.amount)
