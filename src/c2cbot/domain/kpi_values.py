"""How a reported KPI value is read and written for people, wherever it is shown.

The weekly digest (its trends, its chart) and the workspace's KPI page show the same
values, so they read them by the same rules: a stored value is ``{"status": …}`` with
the figure under ``"value"`` when the status is ``"value"``; "no change" repeats the
figure before it; "don't know" and "not applicable" have no figure. Money keeps the
currency it was reported in and is never converted, so a money KPI reported in kronor
and in yuan is drawn as two series of figures, one per currency, and its target stands
only next to figures in the plan's own currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_compact_decimal

from c2cbot.domain.text import N_

#: How each reason for having no figure reads (the KPI conversations' own options).
STATUS_NAMES: dict[str, str] = {
    "no_change": N_("No change"),
    "unknown": N_("I don't know"),
    "not_applicable": N_("Not applicable"),
}
#: A rating as the digest writes it: "4 of 5".
RATING = N_("{value} of 5")
#: How often a KPI is asked for (``domain.schedules.Frequency``'s values).
FREQUENCY_NAMES: dict[str, str] = {
    "weekly": N_("Every week"),
    "biweekly": N_("Every two weeks"),
    "monthly": N_("Every month"),
    "quarterly": N_("Every quarter"),
    "yearly": N_("Every year"),
}


def kpi_number(stored: dict[str, Any], previous: Decimal | None) -> Decimal | None:
    """A stored KPI value as a number: "no change" repeats the last one; text has none."""
    status = stored.get("status")
    if status == "no_change":
        return previous
    if status != "value":
        return None
    value = stored.get("value")
    return finite_number(value.get("amount") if isinstance(value, dict) else value)


def finite_number(value: Any) -> Decimal | None:
    """A number as typed or stored ("12", 12, "1e3"); nothing for text, yes/no or NaN."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def reported_currency(stored: dict[str, Any]) -> str | None:
    """The currency a money value was reported in; ``None`` for anything else."""
    value = stored.get("value")
    return str(value.get("currency")) if isinstance(value, dict) else None


def currency_series(
    kind: str, plan_currency: str | None, reported: Iterable[str | None]
) -> list[tuple[str | None, str | None, bool]]:
    """The series a KPI's figures are drawn in: ``(reported currency, shown currency,
    whether the target applies)`` each.

    One series unless a money KPI was reported in several currencies: then one per
    currency, never a sum of kronor and yuan. A plan without a currency of its own is
    reported in each city's; one with a currency shows only figures in it. The target
    stands next to figures in the plan's currency, or the only one reported.
    """
    currencies = sorted(set(reported), key=str)
    if kind != "money" or len(currencies) <= 1:
        only = currencies[0] if currencies else None
        return [(only, only or plan_currency, plan_currency in (None, only))]
    return [(c, c, c == plan_currency) for c in currencies if plan_currency in (None, c)]


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def compact_number(value: float | Decimal, language: str) -> str:
    """A number on a chart's axis as the language writes it short: 1.2M, 1,2 Mio., 120万."""
    return format_compact_decimal(value, locale=_locale(language), fraction_digits=1)
