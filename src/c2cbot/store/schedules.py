"""What the chat shows and changes of the schedules: leave, follow-ups, reminders, KPI plans.

The checks that give people a reason (0 days, an unknown frequency) are made in the chat
first; the ones here are the last line, so nothing out of range is ever stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.schedules import Frequency, period_of, round_opens
from c2cbot.domain.worktime import InvalidSetting, WorkingTime
from c2cbot.flows.ports import PlanLine, PromptLine, ScheduleView
from c2cbot.store import planning
from c2cbot.store.models import (
    Activity,
    City,
    KpiPlan,
    Membership,
    Partnership,
    PartnershipCity,
    Stakeholder,
)

UPCOMING = 10


async def set_leave(session: AsyncSession, stakeholder_id: int, until: date | None) -> None:
    if until is None:
        await planning.resume(session, stakeholder_id)
    else:
        await planning.pause(session, stakeholder_id, until)


async def set_follow_up_days(session: AsyncSession, partnership_id: int, days: int) -> None:
    await planning.set_follow_up_days(session, partnership_id, days)


async def set_reminder_days(session: AsyncSession, partnership_id: int, days: int | None) -> None:
    """The partnership's own reminder delay; ``None`` goes back to the bot's setting."""
    if days is not None and not 1 <= days <= planning.REMINDER_DAYS_MAX:
        raise InvalidSetting("reminder delay out of range")
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.reminder_days = days


async def set_kpi_frequency(
    session: AsyncSession, partnership_id: int, plan_id: int, frequency: str
) -> bool:
    plan = await session.get(KpiPlan, plan_id)
    if plan is None or plan.partnership_id != partnership_id:
        return False
    await planning.set_kpi_frequency(session, plan_id, frequency)
    return True


async def local_zone(session: AsyncSession, stakeholder_id: int) -> str:
    """The person's own zone, their city's, their first partnership's first city's, or UTC."""
    query = (
        select(Stakeholder.timezone, City.timezone)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Stakeholder.id == stakeholder_id)
    )
    row = (await session.execute(query)).one_or_none()
    if row is not None and (row[0] or row[1]):
        return str(row[0] or row[1])
    shared = (
        select(City.timezone)
        .join(PartnershipCity, PartnershipCity.city_id == City.id)
        .join(Membership, Membership.partnership_id == PartnershipCity.partnership_id)
        .where(Membership.stakeholder_id == stakeholder_id)
        .order_by(City.side.desc(), City.id)
        .limit(1)
    )
    return str(await session.scalar(shared) or "UTC")


async def schedule_view(session: AsyncSession, partnership_id: int, now: datetime) -> ScheduleView:
    """Follow-up interval, reminder delay, active KPI plans with their next round, next prompts."""
    partnership = await session.get_one(Partnership, partnership_id)
    calendar = await _home_calendar(session, partnership_id)
    query = (
        select(KpiPlan, Stakeholder.name)
        .outerjoin(Stakeholder, Stakeholder.id == KpiPlan.responsible_id)
        .where(KpiPlan.partnership_id == partnership_id, KpiPlan.active)
        .order_by(KpiPlan.id)
    )
    plans = tuple(
        PlanLine(
            plan.id,
            plan.name,
            plan.frequency,
            name,
            plan.responsible_helix,
            _next_round(plan.frequency, calendar, now),
        )
        for plan, name in await session.execute(query)
    )
    upcoming = await _upcoming(session, partnership_id)
    return ScheduleView(partnership.follow_up_days, partnership.reminder_days, plans, upcoming)


async def _home_calendar(session: AsyncSession, partnership_id: int) -> WorkingTime | None:
    """The working calendar of the partnership's first (European) city."""
    query = (
        select(City.timezone, City.country)
        .join(PartnershipCity, PartnershipCity.city_id == City.id)
        .where(PartnershipCity.partnership_id == partnership_id)
        .order_by(City.side.desc(), City.id)
        .limit(1)
    )
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    try:
        return WorkingTime(row[0], row[1])
    except InvalidSetting:
        return None


def _next_round(frequency: str, calendar: WorkingTime | None, now: datetime) -> date | None:
    """The day the next round opens: the first working day after the current period."""
    try:
        period = period_of(now.date(), Frequency(frequency))
    except ValueError:
        return None
    working = calendar.is_working_day if calendar is not None else None
    return round_opens(period, working)


async def _upcoming(session: AsyncSession, partnership_id: int) -> tuple[PromptLine, ...]:
    """The next prompts that ask something, soonest first, with what they are about."""
    rows = [
        row
        for row in await planning.upcoming(session, partnership_id, limit=4 * UPCOMING)
        if row.kind in planning.ANSWERABLE and row.status == planning.PLANNED
    ][:UPCOMING]
    plans = await _names(session, KpiPlan.id, KpiPlan.name, rows, (planning.KPI,))
    tasks = await _names(session, Activity.id, Activity.title, rows, planning.ACTIVITY_KINDS)
    return tuple(
        PromptLine(
            row.kind,
            row.name,
            (plans if row.kind == planning.KPI else tasks).get(row.subject_id, ""),
            row.due_at,
        )
        for row in rows
    )


async def _names(
    session: AsyncSession,
    id_column: Any,
    name_column: Any,
    rows: list[planning.Upcoming],
    kinds: tuple[str, ...],
) -> dict[int, str]:
    ids = sorted({row.subject_id for row in rows if row.kind in kinds})
    if not ids:
        return {}
    query = select(id_column, name_column).where(id_column.in_(ids))
    return {int(key): str(name) for key, name in await session.execute(query)}
