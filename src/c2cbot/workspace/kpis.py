"""The KPI page: each KPI the partnership measures, per city against its target over time.

Figures are read as the weekly digest reads them (``domain.kpi_values``): "no change"
repeats the city's figure before it, "don't know" and "not applicable" have none, and
for a city and period the latest report wins. A value's city is its reporter's. Money
is drawn per currency, never summed across currencies, with the target only next to
figures in the plan's currency. Periods are labelled as the digests label them
(``domain.display.period_label``), figures written by Babel for the reader's language.
Every report is listed under its chart, with who reported it and when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from c2cbot.domain.display import (
    comma,
    is_chinese,
    labelled,
    money,
    number,
    parenthesised,
    period_label,
)
from c2cbot.domain.kpi_values import (
    FREQUENCY_NAMES,
    RATING,
    STATUS_NAMES,
    compact_number,
    currency_series,
    kpi_number,
    reported_currency,
)
from c2cbot.domain.kpis import KPI_KIND_NAMES, RATING_SCALE, KpiKind, catalogue_name, catalogue_unit
from c2cbot.domain.people import HELIX_NAMES, HelixRole
from c2cbot.domain.text import N_
from c2cbot.workspace.kpi_chart import Chart, Series, svg
from c2cbot.workspace.kpi_facts import KpiFacts, KpiPlanFacts, KpiReport
from c2cbot.workspace.overview import Heading, heading
from c2cbot.workspace.step_page import OTHER_CITIES
from c2cbot.workspace.wording import Wording

PAGE_NAME = N_("KPIs")
TARGET = N_("Target")
BASELINE = N_("Baseline")
KIND = N_("Measured as")
HOW_OFTEN = N_("How often")
RESPONSIBLE = N_("Responsible")
NOT_SET = N_("Not set yet")
NOBODY = N_("Nobody named yet")
CHARTED = (KpiKind.COUNT.value, KpiKind.MONEY.value, KpiKind.RATING.value)
OTHERS = -1  # the "city" of values whose reporter has none in the partnership


@dataclass(frozen=True)
class ReportLine:
    """One reported value as the table under the chart shows it."""

    period: str
    city: str
    value: str
    comment: str | None
    reporter: str
    reported_on: str
    late: bool


@dataclass(frozen=True)
class ChartView:
    """A chart, with a caption naming its currency when a KPI is drawn per currency."""

    caption: str | None
    svg: Markup


@dataclass(frozen=True)
class KpiView:
    anchor: str  # the section's id on the page
    name: str
    details: tuple[tuple[str, str], ...]  # (label, text): kind, target, baseline, …
    charts: tuple[ChartView, ...]  # none when there is no figure to draw
    reports: tuple[ReportLine, ...]


@dataclass(frozen=True)
class KpiPage:
    heading: Heading
    name: str
    kpis: tuple[KpiView, ...]


def kpi_page(facts: KpiFacts, say: Wording) -> KpiPage:
    cities = _CityNames(facts, say)
    by_plan: dict[int, list[KpiReport]] = defaultdict(list)
    for report in facts.reports:
        by_plan[report.plan_id].append(report)
    return KpiPage(
        heading(facts.partnership, say),
        say(PAGE_NAME),
        tuple(_kpi(plan, by_plan[plan.id], cities, say) for plan in facts.plans),
    )


class _CityNames:
    """The partnership's cities in the reader's language, in the page's order; a value
    from anyone else counts under "Other cities"."""

    def __init__(self, facts: KpiFacts, say: Wording) -> None:
        self.order = [city.id for city in facts.partnership.cities]
        self.names = {city.id: say.named(city.names) for city in facts.partnership.cities}
        self.others = say(OTHER_CITIES)

    def of(self, city_id: int | None) -> int:
        return city_id if city_id is not None and city_id in self.names else OTHERS

    def name(self, city: int) -> str:
        return self.names.get(city, self.others)

    def rank(self, city: int) -> int:
        return self.order.index(city) if city in self.names else len(self.order)


def _kpi(plan: KpiPlanFacts, reports: list[KpiReport], cities: _CityNames, say: Wording) -> KpiView:
    name = say(plan.name) if catalogue_name(plan.name) else plan.name
    ordered = sorted(reports, key=lambda r: (r.period, cities.rank(cities.of(r.city_id))))
    return KpiView(
        f"kpi-{plan.id}",
        name,
        _details(plan, cities, say),
        tuple(_charts(plan, name, reports, cities, say)),
        tuple(_line(plan, report, cities, say) for report in ordered),
    )


# ----- what the plan says


def _details(plan: KpiPlanFacts, cities: _CityNames, say: Wording) -> tuple[tuple[str, str], ...]:
    often = FREQUENCY_NAMES.get(plan.frequency)
    return (
        (say(KIND), _kind(plan, say)),
        (say(TARGET), _planned(plan, plan.target, say)),
        (say(BASELINE), _planned(plan, plan.baseline, say)),
        (say(HOW_OFTEN), say(often) if often else plan.frequency),
        (say(RESPONSIBLE), _responsible(plan, cities, say)),
    )


def _kind(plan: KpiPlanFacts, say: Wording) -> str:
    kind = KPI_KIND_NAMES.get(KpiKind(plan.kind)) if plan.kind in set(KpiKind) else None
    shown = say(kind) if kind else plan.kind
    extra = plan.currency if plan.kind == KpiKind.MONEY else _unit(plan, say)
    return shown + parenthesised(extra, say.language) if extra else shown


def _unit(plan: KpiPlanFacts, say: Wording) -> str | None:
    if not plan.unit:
        return None
    return say(plan.unit) if catalogue_unit(plan.unit) else plan.unit


def _planned(plan: KpiPlanFacts, value: Decimal | None, say: Wording) -> str:
    if value is None:
        return say(NOT_SET)
    return _figure(plan, value, plan.currency, say)


def _responsible(plan: KpiPlanFacts, cities: _CityNames, say: Wording) -> str:
    """The person named for it, else the helix role asked for it; and their city."""
    who = say.person(plan.responsible_name) if plan.responsible_id is not None else None
    if who is None and plan.responsible_helix in set(HelixRole):
        who = say(HELIX_NAMES[HelixRole(plan.responsible_helix)])
    city = cities.names.get(plan.responsible_city_id or 0)
    if who and city:
        return who + parenthesised(city, say.language)
    return who or city or say(NOBODY)


# ----- figures and reports


def _figure(plan: KpiPlanFacts, value: Decimal, currency: str | None, say: Wording) -> str:
    """A figure as its kind is read: money with its currency, a rating of 5, a count with
    its unit (the digest's rule, ``digests.views.WeeklyView.kpi_value``)."""
    if plan.kind == KpiKind.MONEY and currency:
        return money(say.language, value, currency)
    if plan.kind == KpiKind.RATING:
        return say(RATING, value=number(say.language, value))
    unit = _unit(plan, say)
    return f"{number(say.language, value)} {unit}" if unit else number(say.language, value)


def _line(plan: KpiPlanFacts, report: KpiReport, cities: _CityNames, say: Wording) -> ReportLine:
    comment = report.value.get("comment")
    return ReportLine(
        period_label(report.period, say.language),
        cities.name(cities.of(report.city_id)),
        _reported(plan, report.value, say),
        str(comment) if comment else None,
        say.person(report.reporter),
        say.day_of(report.reported_at),
        report.late,
    )


def _reported(plan: KpiPlanFacts, stored: Mapping[str, Any], say: Wording) -> str:
    """A report in words: the figure, or why there is none ("No change", "I don't know")."""
    status = stored.get("status")
    if status in STATUS_NAMES:
        return say(STATUS_NAMES[str(status)])
    value = stored.get("value")
    figure = kpi_number(dict(stored), None) if plan.kind in CHARTED else None
    if figure is None:
        return "" if value is None else str(value)  # a written answer, as it was typed
    return _figure(plan, figure, reported_currency(dict(stored)), say)


# ----- charts


Figures = dict[tuple[int, str | None], dict[str, Decimal | None]]  # (city, currency) → period


def _figures(reports: Iterable[KpiReport], cities: _CityNames) -> Figures:
    """Each city's figure per period and currency; a period's latest report wins, and
    "no change" repeats the city's figure of the period before, in its currency."""
    found: Figures = defaultdict(dict)
    currency: dict[int, str | None] = {}
    for report in sorted(reports, key=lambda r: (r.period, r.reported_at)):
        city, stored = cities.of(report.city_id), dict(report.value)
        if stored.get("status") == "value":
            currency[city] = reported_currency(stored)
        periods = found[(city, currency.get(city))]
        earlier = [periods[p] for p in sorted(periods) if p < report.period]
        known = [figure for figure in earlier if figure is not None]
        periods[report.period] = kpi_number(stored, known[-1] if known else None)
    return found


def _charts(
    plan: KpiPlanFacts,
    name: str,
    reports: list[KpiReport],
    cities: _CityNames,
    say: Wording,
) -> list[ChartView]:
    if plan.kind not in CHARTED or not reports:
        return []
    figures = _figures(reports, cities)
    reported = {
        c for (_, c), found in figures.items() if any(v is not None for v in found.values())
    }
    if plan.kind == KpiKind.MONEY:
        reported = {c for c in reported if c} or reported
    charts: list[ChartView] = []
    for key, shown, applies in currency_series(plan.kind, plan.currency, sorted(reported, key=str)):
        drawn = {city: p for (city, c), p in figures.items() if c == key}
        chart = _chart(plan, name, drawn, shown, applies, cities, say, len(charts))
        if chart is not None:
            charts.append(ChartView(chart.title if shown else None, svg(chart)))
    return charts


def _chart(
    plan: KpiPlanFacts,
    name: str,
    drawn: Mapping[int, Mapping[str, Decimal | None]],
    currency: str | None,
    applies: bool,
    cities: _CityNames,
    say: Wording,
    number_on_page: int,
) -> Chart | None:
    periods = sorted({p for figures in drawn.values() for p, v in figures.items() if v is not None})
    if not periods:
        return None
    index = {period: n for n, period in enumerate(periods)}
    series = [
        (city, [(index[p], v) for p, v in sorted(drawn[city].items()) if v is not None])
        for city in sorted(drawn, key=cities.rank)
    ]
    series = [(city, points) for city, points in series if points]
    target = plan.target if applies else None
    labels = tuple(period_label(p, say.language) for p in periods)
    written = _written(plan, currency, say)
    title = name + parenthesised(currency, say.language) if currency else name
    target_label = labelled(say(TARGET), written(target), say.language) if target else ""
    return Chart(
        f"kpi-{plan.id}-{number_on_page}",
        title,
        _description(series, labels, cities, written, target_label, say),
        labels,
        tuple(
            Series(cities.name(city), tuple((n, float(v)) for n, v in points), cities.rank(city))
            for city, points in series
        ),
        float(target) if target is not None else None,
        target_label,
        _tick(plan, say.language),
        (float(RATING_SCALE[0]), float(RATING_SCALE[1])) if plan.kind == KpiKind.RATING else None,
    )


def _written(plan: KpiPlanFacts, currency: str | None, say: Wording) -> Callable[[Any], str]:
    def written(value: Any) -> str:
        return _figure(plan, Decimal(value), currency, say)

    return written


def _tick(plan: KpiPlanFacts, language: str) -> Callable[[float], str]:
    if plan.kind == KpiKind.RATING:
        return lambda value: number(language, Decimal(int(value)))
    return lambda value: compact_number(value, language)


def _description(
    series: Sequence[tuple[int, Sequence[tuple[int, Decimal]]]],
    labels: Sequence[str],
    cities: _CityNames,
    written: Callable[[Any], str],
    target_label: str,
    say: Wording,
) -> str:
    """The chart in words, for a screen reader: each city's figures, then the target."""
    between = "；" if is_chinese(say.language) else "; "
    parts = [
        labelled(
            cities.name(city),
            comma(say.language).join(f"{labels[n]} {written(v)}" for n, v in points),
            say.language,
        )
        for city, points in series
    ]
    if target_label:
        parts.append(target_label)
    return between.join(parts) + ("。" if is_chinese(say.language) else ".")
