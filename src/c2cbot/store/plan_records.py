"""The partnership's records that coordinators' step answers set.

Partner sets the MoU dates (renewal reminders follow from ``mou_expires``); Plan adds its
activities, followed up like meeting action items, and the plan review date; Act changes
KPI targets. An activity is known by its title within the partnership's plan, so a
coordinator who completes Plan again (or a coordinator of the other city naming the same
activity) updates it instead of adding a second one; nothing here deletes an activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.values import normalise
from c2cbot.flows.plan_ports import KpiTarget, Member, PlannedActivity, PlanSaved, Standing
from c2cbot.store.models import Activity, City, KpiPlan, Membership, Partnership, Stakeholder
from c2cbot.store.partnership_names import titles_of


async def members(session: AsyncSession, partnership_id: int) -> list[Member]:
    """Members with a name, by city then name, so the list reads the same every time."""
    query = (
        select(
            Stakeholder.id,
            Stakeholder.name,
            City.name_en,
            City.name_zh,
            City.name_de,
            Membership.role,
            City.id.label("city_id"),
        )
        .join(Membership, Membership.stakeholder_id == Stakeholder.id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Membership.partnership_id == partnership_id, Stakeholder.name.is_not(None))
        .order_by(City.side.desc(), City.name_en, Stakeholder.name, Stakeholder.id)
    )
    return [
        Member(
            row.id, row.name, _names(row.name_en, row.name_zh, row.name_de), row.role, row.city_id
        )
        for row in await session.execute(query)
    ]


def _names(en: str | None, zh: str | None, de: str | None) -> dict[str, str]:
    if en is None:
        return {}
    return {"en": en, "zh": zh or en, "de": de or en}


async def standing(session: AsyncSession, partnership_id: int) -> Standing:
    partnership = await session.get_one(Partnership, partnership_id)
    titles = await titles_of(session, partnership_id)
    return Standing(titles, partnership.name, partnership.loop, partnership.step)


async def record_mou(
    session: AsyncSession, partnership_id: int, signed: date, expires: date | None
) -> None:
    """A signed MoU's dates; an expiry left unanswered keeps the one already known."""
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.mou_signed = signed
    if expires is not None:
        partnership.mou_expires = expires


async def record_plan(
    session: AsyncSession,
    partnership_id: int,
    planned_by: int,
    activities: list[PlannedActivity],
    review_on: date | None,
    now: datetime,
) -> PlanSaved:
    existing = await _plan_activities(session, partnership_id)
    added = updated = 0
    for planned in activities:
        activity = existing.get(_title_key(planned.title))
        if activity is None:
            activity = Activity(partnership_id=partnership_id, source="plan", created_at=now)
            activity.status = "planned"
            session.add(activity)
            existing[_title_key(planned.title)] = activity
            added += 1
        else:
            updated += 1
        _apply(activity, planned, planned_by)
    if review_on is not None:
        (await session.get_one(Partnership, partnership_id)).plan_review_on = review_on
    await session.flush()
    return PlanSaved(added, updated)


async def _plan_activities(session: AsyncSession, partnership_id: int) -> dict[str, Activity]:
    query = select(Activity).where(
        Activity.partnership_id == partnership_id, Activity.source == "plan"
    )
    return {_title_key(a.title): a for a in await session.scalars(query.order_by(Activity.id))}


def _title_key(title: str) -> str:
    return normalise(title).casefold()


def _apply(activity: Activity, planned: PlannedActivity, planned_by: int) -> None:
    activity.title = planned.title[:200]
    activity.owner_id = planned.owner_id
    activity.owner_name = None
    activity.funding = planned.funding
    activity.starts_on = planned.starts_on
    activity.due_on = planned.due_on
    activity.expected_result = planned.expected_result
    activity.planned_by = planned_by


async def kpi_targets(session: AsyncSession, partnership_id: int) -> list[KpiTarget]:
    query = (
        select(KpiPlan.kpi_key, KpiPlan.name, KpiPlan.kind, KpiPlan.target)
        .where(
            KpiPlan.partnership_id == partnership_id,
            KpiPlan.active.is_(True),
            KpiPlan.kind != "text",
        )
        .order_by(func.lower(KpiPlan.name), KpiPlan.id)
    )
    rows = await session.execute(query)
    return [KpiTarget(r.kpi_key, r.name, r.kind, r.target) for r in rows]


async def set_kpi_targets(
    session: AsyncSession, partnership_id: int, targets: Mapping[str, Decimal]
) -> int:
    query = select(KpiPlan).where(
        KpiPlan.partnership_id == partnership_id,
        KpiPlan.active.is_(True),
        KpiPlan.kpi_key.in_(list(targets)),
    )
    changed = 0
    for plan in await session.scalars(query):
        plan.target = targets[plan.kpi_key]
        changed += 1
    await session.flush()
    return changed
