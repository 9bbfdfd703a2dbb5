"""What the store finds for the KPI page: the partnership's KPI plans and every value
reported for them, plain data with no rules (``workspace/kpis.py`` has those)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from c2cbot.workspace.facts import PartnershipFacts


@dataclass(frozen=True)
class KpiPlanFacts:
    """A KPI the partnership measures, as its plan says (``store.models.KpiPlan``)."""

    id: int
    key: str
    name: str  # the catalogue's (translatable) or the partnership's own
    kind: str  # KpiKind value
    unit: str | None
    currency: str | None
    frequency: str
    baseline: Decimal | None
    target: Decimal | None
    responsible_id: int | None
    responsible_name: str | None  # None once the person was erased
    responsible_city_id: int | None
    responsible_helix: str | None


@dataclass(frozen=True)
class KpiReport:
    """One reported value: ``value`` as stored, the reporter's city is the value's city."""

    plan_id: int
    period: str
    value: Mapping[str, Any]
    reporter_id: int | None  # None when the reporter's row is gone
    reporter: str | None  # None once the person was erased
    city_id: int | None
    late: bool
    reported_at: datetime


@dataclass(frozen=True)
class KpiFacts:
    partnership: PartnershipFacts
    plans: tuple[KpiPlanFacts, ...]  # active plans, in the order they were made
    reports: tuple[KpiReport, ...]  # oldest first
