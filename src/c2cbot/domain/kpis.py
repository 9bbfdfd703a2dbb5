"""The KPI catalogue of the Measure step: indicators cities use to evaluate a partnership.

No two cities use the same set: each partnership picks its KPIs from this catalogue
(and may add custom ones elsewhere). Names are short enough for a chat button.
"""

from dataclasses import dataclass
from enum import StrEnum

from c2cbot.domain.text import N_


class KpiKind(StrEnum):
    COUNT = "count"
    MONEY = "money"
    RATING = "rating"
    TEXT = "text"


KPI_KIND_NAMES: dict[KpiKind, str] = {
    KpiKind.COUNT: N_("Number"),
    KpiKind.MONEY: N_("Amount of money"),
    KpiKind.RATING: N_("Rating from 1 to 5"),
    KpiKind.TEXT: N_("Written answer"),
}

#: Lowest and highest value of a RATING KPI.
RATING_SCALE: tuple[int, int] = (1, 5)


@dataclass(frozen=True)
class Kpi:
    """One indicator. ``unit`` names what a COUNT counts; money and ratings have none."""

    key: str
    name: str
    kind: KpiKind
    unit: str | None = None


KPI_CATALOGUE: tuple[Kpi, ...] = (
    Kpi("high_level_visits", N_("High-level visits and delegations"), KpiKind.COUNT, N_("visits")),
    Kpi("partner_at_our_events", N_("Partner city at our key events"), KpiKind.COUNT, N_("events")),
    Kpi("direct_routes", N_("Direct flight, sea and rail routes"), KpiKind.COUNT, N_("routes")),
    Kpi("direct_trips_weekly", N_("Direct connections per week"), KpiKind.COUNT, N_("trips")),
    Kpi("joint_projects", N_("Joint projects"), KpiKind.COUNT, N_("projects")),
    Kpi("joint_project_value", N_("Value of joint projects"), KpiKind.MONEY),
    Kpi("fdi_into_city", N_("Foreign investment into our city"), KpiKind.MONEY),
    Kpi("investment_in_partner", N_("Our investment in the partner city"), KpiKind.MONEY),
    Kpi("trade_volume", N_("Trade volume with the partner"), KpiKind.MONEY),
    Kpi("companies_to_partner", N_("Our companies starting there"), KpiKind.COUNT, N_("companies")),
    Kpi(
        "companies_from_partner",
        N_("Partner companies starting here"),
        KpiKind.COUNT,
        N_("companies"),
    ),
    Kpi("visitors", N_("Foreign visitors and tourists"), KpiKind.COUNT, N_("visitors")),
    Kpi("nonprofit_exchanges", N_("Non-commercial exchanges"), KpiKind.COUNT, N_("exchanges")),
    Kpi("academic_activities", N_("Joint academic activities"), KpiKind.COUNT, N_("activities")),
    Kpi("foreign_students", N_("Foreign students attracted"), KpiKind.COUNT, N_("students")),
    Kpi("joint_publications", N_("Joint publications"), KpiKind.COUNT, N_("publications")),
    Kpi("joint_patents", N_("Joint patents"), KpiKind.COUNT, N_("patents")),
    Kpi("joint_research_value", N_("Value of joint research"), KpiKind.MONEY),
    Kpi("partnership_quality", N_("Quality of the partnership"), KpiKind.RATING),
    Kpi("new_knowledge", N_("New knowledge acquired"), KpiKind.TEXT),
    Kpi("reputation", N_("Our reputation in the partner country"), KpiKind.RATING),
    Kpi("publicity", N_("Publicity for our activities"), KpiKind.COUNT, N_("media reports")),
)

_BY_KEY: dict[str, Kpi] = {kpi.key: kpi for kpi in KPI_CATALOGUE}


def kpi_by_key(key: str) -> Kpi:
    """The catalogue KPI with ``key``; ``KeyError`` if there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown KPI {key!r}") from None


_NAMES = frozenset(kpi.name for kpi in KPI_CATALOGUE)
_UNITS = frozenset(kpi.unit for kpi in KPI_CATALOGUE if kpi.unit)


def catalogue_name(name: str) -> bool:
    """Whether a plan's KPI name is the catalogue's own, so it has translations; a name
    a partnership gave its own KPI is shown as it was typed."""
    return name in _NAMES


def catalogue_unit(unit: str) -> bool:
    """Whether a unit is one the catalogue names (and translates): "projects", "visits"."""
    return unit in _UNITS
