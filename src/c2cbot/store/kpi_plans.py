"""KPI plans from the Measure step, earlier KPI values, and the last options a chat saw.

Plans are keyed by (partnership, KPI key), so completing Measure again updates the same
plans instead of adding a second set; KPIs no longer chosen stop being asked (their
values stay). Baselines and targets are only overwritten when an answer gives them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.flows.ports import EarlierValue, KpiPlanSpec
from c2cbot.store.models import KpiPlan, KpiValue, Prompt


async def save_kpi_plans(
    session: AsyncSession, partnership_id: int, specs: list[KpiPlanSpec], now: datetime
) -> int:
    """Create or update the partnership's plans to match ``specs``; deactivate the others."""
    existing = {
        plan.kpi_key: plan
        for plan in await session.scalars(
            select(KpiPlan).where(KpiPlan.partnership_id == partnership_id)
        )
    }
    for spec in specs:
        plan = existing.get(spec.kpi_key)
        if plan is None:
            plan = KpiPlan(partnership_id=partnership_id, kpi_key=spec.kpi_key, created_at=now)
            session.add(plan)
        _apply(plan, spec)
    wanted = {spec.kpi_key for spec in specs}
    for key, plan in existing.items():
        if key not in wanted:
            plan.active = False
    await session.flush()
    return len(specs)


def _apply(plan: KpiPlan, spec: KpiPlanSpec) -> None:
    plan.name, plan.kind, plan.unit = spec.name, spec.kind, spec.unit
    plan.frequency, plan.active = spec.frequency, True
    plan.responsible_helix = spec.responsible_helix
    plan.baseline = spec.baseline if spec.baseline is not None else plan.baseline
    plan.target = spec.target if spec.target is not None else plan.target


async def earlier_values(session: AsyncSession, prompt_id: int) -> list[EarlierValue]:
    """Figures reported for the prompt's KPI in other periods, oldest report first.

    Only real figures count ("no change" and "don't know" are no values to compare with).
    """
    prompt = await session.get(Prompt, prompt_id)
    if prompt is None or prompt.kind != "kpi":
        return []
    query = (
        select(KpiValue.period_key, KpiValue.value)
        .where(KpiValue.kpi_plan_id == prompt.subject_id, KpiValue.period_key != prompt.period_key)
        .order_by(KpiValue.period_key, KpiValue.reported_at, KpiValue.id)
    )
    found = [_earlier(period, value) for period, value in await session.execute(query)]
    return [value for value in found if value is not None]


def _earlier(period_key: str, stored: dict[str, Any]) -> EarlierValue | None:
    if stored.get("status") != "value":
        return None
    value = stored.get("value")
    amount, currency = value, None
    if isinstance(value, dict):
        amount, currency = value.get("amount"), value.get("currency")
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return None
    return EarlierValue(period_key, number, currency) if number.is_finite() else None
