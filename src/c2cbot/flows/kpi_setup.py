"""KPI plans from the Measure step: what was chosen there becomes what is asked for.

When a coordinator completes Measure, each KPI chosen from the catalogue and each KPI of
their own becomes a plan of the partnership, with the reporting frequency and the helix
role answered there (by default quarterly, asked of government members in both cities),
and a baseline and target where given. Members' answers are kept but change no plans:
coordinators decide the evaluation framework.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from c2cbot.domain.kpi_values import finite_number
from c2cbot.domain.kpis import KPI_CATALOGUE, KpiKind
from c2cbot.domain.people import BotRole, HelixRole, may_invite
from c2cbot.domain.schedules import Frequency
from c2cbot.flows.ports import KpiPlans, KpiPlanSpec

DEFAULT_FREQUENCY = Frequency.QUARTERLY
DEFAULT_HELIX = HelixRole.GOVERNMENT
_CATALOGUE = {kpi.key: kpi for kpi in KPI_CATALOGUE}
_GROUPS = 100


async def save_plans(
    ledger: KpiPlans,
    partnership_id: int | None,
    role: str | None,
    values: Mapping[str, Any],
    now: datetime,
) -> None:
    """Save the partnership's KPI plans when a coordinator completes Measure.

    ``conversations/measure.yaml`` names this (``on_complete: kpi_plans``).
    """
    if partnership_id is None or not _coordinates(role):
        return
    await ledger.save_kpi_plans(partnership_id, plans_from_measure(values), now)


def plans_from_measure(values: Mapping[str, Any]) -> list[KpiPlanSpec]:
    """The plans a completed Measure conversation asks for; pure."""
    frequency = _frequency(values.get("kpi_frequency"))
    helix = _helix(values.get("kpi_reporters"))
    targets = _targets(values)
    plans = []
    for key in values.get("kpis") or []:
        kpi = _CATALOGUE.get(str(key))
        if kpi is not None:
            baseline, target = targets.get(kpi.key, (None, None))
            plans.append(
                KpiPlanSpec(
                    kpi.key, kpi.name, kpi.kind.value, kpi.unit, frequency, helix, baseline, target
                )
            )
    return plans + _custom(values, frequency, helix)


def _custom(values: Mapping[str, Any], frequency: str, helix: str) -> list[KpiPlanSpec]:
    """The partnership's own KPIs (``custom_kpis`` group), keyed by their name."""
    plans: dict[str, KpiPlanSpec] = {}
    for item in range(_GROUPS):
        name = str(values.get(f"custom_kpis#{item}.name") or "").strip()
        if not name:
            continue
        kind = _kind(values.get(f"custom_kpis#{item}.kind"))
        unit = values.get(f"custom_kpis#{item}.unit") if kind is KpiKind.COUNT else None
        key = custom_key(name)
        plans[key] = KpiPlanSpec(key, name, kind.value, unit or None, frequency, helix)
    return list(plans.values())


def custom_key(name: str) -> str:
    """A stable key for a KPI of the partnership's own, so completing Measure again updates it."""
    return "custom_" + hashlib.sha256(name.casefold().encode()).hexdigest()[:16]


def _targets(values: Mapping[str, Any]) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    found: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for item in range(_GROUPS):
        key = values.get(f"kpi_targets#{item}.kpi")
        if key is not None:
            found[str(key)] = (
                finite_number(values.get(f"kpi_targets#{item}.baseline")),
                finite_number(values.get(f"kpi_targets#{item}.target")),
            )
    return found


def _coordinates(role: str | None) -> bool:
    try:
        return role is not None and may_invite(BotRole(role))
    except ValueError:
        return False


def _frequency(value: Any) -> str:
    try:
        return Frequency(str(value)).value
    except ValueError:
        return DEFAULT_FREQUENCY.value


def _helix(value: Any) -> str:
    try:
        return HelixRole(str(value)).value
    except ValueError:
        return DEFAULT_HELIX.value


def _kind(value: Any) -> KpiKind:
    try:
        return KpiKind(str(value))
    except ValueError:
        return KpiKind.COUNT
