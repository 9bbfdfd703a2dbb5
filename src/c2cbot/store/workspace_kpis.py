"""What the workspace's KPI page reads: the partnership's active KPI plans with who is
responsible, and every value reported for them with who reported it from which city.

Two statements, however many KPIs and values: the page costs the same for a partnership
with three values as for one with three thousand. A value's city is its reporter's
city, as the weekly digest counts a city's reports.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from c2cbot.store.models import KpiPlan, KpiValue, Stakeholder
from c2cbot.workspace.facts import PartnershipFacts
from c2cbot.workspace.kpi_facts import KpiFacts, KpiPlanFacts, KpiReport


async def kpi_facts(session: AsyncSession, partnership: PartnershipFacts) -> KpiFacts:
    """The KPI page's facts for a partnership whose membership was already checked."""
    return KpiFacts(
        partnership,
        tuple(await _plans(session, partnership.id)),
        tuple(await _reports(session, partnership.id)),
    )


async def _plans(session: AsyncSession, partnership_id: int) -> list[KpiPlanFacts]:
    responsible = aliased(Stakeholder)
    query = (
        select(KpiPlan, responsible.name)
        .outerjoin(responsible, responsible.id == KpiPlan.responsible_id)
        .where(KpiPlan.partnership_id == partnership_id, KpiPlan.active.is_(True))
        .order_by(KpiPlan.created_at, KpiPlan.id)
    )
    return [
        KpiPlanFacts(
            plan.id,
            plan.kpi_key,
            plan.name,
            plan.kind,
            plan.unit,
            plan.currency,
            plan.frequency,
            plan.baseline,
            plan.target,
            plan.responsible_id,
            name,
            plan.responsible_city_id,
            plan.responsible_helix,
        )
        for plan, name in await session.execute(query)
    ]


async def _reports(session: AsyncSession, partnership_id: int) -> list[KpiReport]:
    query = (
        select(
            KpiValue.kpi_plan_id,
            KpiValue.period_key,
            KpiValue.value,
            KpiValue.reported_by,
            Stakeholder.name,
            Stakeholder.city_id,
            KpiValue.late,
            KpiValue.reported_at,
        )
        .join(KpiPlan, KpiPlan.id == KpiValue.kpi_plan_id)
        .outerjoin(Stakeholder, Stakeholder.id == KpiValue.reported_by)
        .where(KpiPlan.partnership_id == partnership_id, KpiPlan.active.is_(True))
        .order_by(KpiValue.reported_at, KpiValue.id)
    )
    return [KpiReport(*row) for row in await session.execute(query)]
