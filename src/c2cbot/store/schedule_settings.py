"""What people and coordinators see and change of the schedules.

Leave and time zones (a person's), follow-ups, reminder delay, plan reviews and KPI
frequencies (a partnership's), and the prompts coming up.

The checks that give people a reason (0 days, an unknown frequency) are made in the chat
first; the ones here are the last line, so nothing out of range is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.schedules import Frequency, every_days, period_of, round_opens
from c2cbot.domain.text import N_
from c2cbot.domain.worktime import InvalidSetting, WorkingTime
from c2cbot.flows.ports import PlanLine, PromptLine, ScheduleView
from c2cbot.store.models import (
    Activity,
    City,
    KpiPlan,
    Membership,
    Partnership,
    PartnershipCity,
    Prompt,
    Stakeholder,
)
from c2cbot.store.planning_snapshot import REMINDER_DAYS_MAX
from c2cbot.store.prompts import ACTIVITY_KINDS, ANSWERABLE, KPI, OPEN, PLANNED, UNREACHABLE

UPCOMING = 10
_PAUSE_LIMIT = timedelta(days=731)


async def set_leave(session: AsyncSession, stakeholder_id: int, until: date | None) -> None:
    if until is None:
        await resume(session, stakeholder_id)
    else:
        await pause(session, stakeholder_id, until)


async def pause(
    session: AsyncSession, stakeholder_id: int, until: date, *, today: date | None = None
) -> None:
    """Ask this person nothing until ``until`` (inclusive); prompts wait, none are lost.

    ``today`` (the person's) refuses dates in the past and more than two years ahead.
    """
    if today is not None and not today <= until <= today + _PAUSE_LIMIT:
        raise InvalidSetting(
            N_("Please choose a date from {first} to {last}."),
            first=today.isoformat(),
            last=(today + _PAUSE_LIMIT).isoformat(),
        )
    stakeholder = await session.get_one(Stakeholder, stakeholder_id)
    stakeholder.paused_until = until


async def resume(session: AsyncSession, stakeholder_id: int) -> None:
    """End leave now: prompts held back become due and go out at the next good moment."""
    stakeholder = await session.get_one(Stakeholder, stakeholder_id)
    stakeholder.paused_until = None


async def set_timezone(session: AsyncSession, stakeholder_id: int, timezone: str | None) -> None:
    """Override the city's time zone for one person; an unknown zone is refused by name."""
    if timezone is not None:
        check_timezone(timezone)
    stakeholder = await session.get_one(Stakeholder, stakeholder_id)
    stakeholder.timezone = timezone


async def set_follow_up_days(session: AsyncSession, partnership_id: int, days: int) -> None:
    """How often activities are followed up; 0 or more than a year is refused."""
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.follow_up_days = every_days(days)


async def set_plan_review(session: AsyncSession, partnership_id: int, day: date | None) -> None:
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.plan_review_on = day


def check_timezone(name: str) -> str:
    """An IANA time zone name, or a refusal that names it (a typo must not reach 3 a.m.)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        raise InvalidSetting(N_("Unknown time zone: {timezone}."), timezone=name) from None
    return name


def check_frequency(frequency: str) -> str:
    try:
        return Frequency(frequency).value
    except ValueError:
        raise InvalidSetting(
            N_("Please choose one of: {choices}."), choices=", ".join(f.value for f in Frequency)
        ) from None


async def set_reminder_days(session: AsyncSession, partnership_id: int, days: int | None) -> None:
    """The partnership's own reminder delay; ``None`` goes back to the bot's setting."""
    if days is not None and not 1 <= days <= REMINDER_DAYS_MAX:
        raise InvalidSetting("reminder delay out of range")
    partnership = await session.get_one(Partnership, partnership_id)
    partnership.reminder_days = days


async def set_kpi_frequency(
    session: AsyncSession, partnership_id: int, plan_id: int, frequency: str
) -> bool:
    """Change how often a KPI is asked for; the next round uses the new periods.

    False when the plan is not one of this partnership's; an unknown frequency is refused.
    """
    plan = await session.get(KpiPlan, plan_id)
    if plan is None or plan.partnership_id != partnership_id:
        return False
    plan.frequency = check_frequency(frequency)
    return True


async def own_zone(session: AsyncSession, stakeholder_id: int) -> str | None:
    """The person's own time zone, else their city's; None when neither is known."""
    query = (
        select(Stakeholder.timezone, City.timezone)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(Stakeholder.id == stakeholder_id)
    )
    row = (await session.execute(query)).one_or_none()
    return str(row[0] or row[1]) if row is not None and (row[0] or row[1]) else None


async def local_zone(session: AsyncSession, stakeholder_id: int) -> str:
    """The person's own zone, their city's, their first partnership's first city's, or UTC."""
    if zone := await own_zone(session, stakeholder_id):
        return zone
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
    upcoming = await next_prompts(session, partnership_id)
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


async def next_prompts(session: AsyncSession, partnership_id: int) -> tuple[PromptLine, ...]:
    """The next prompts that ask something, soonest first, with what they are about: one
    query, however many there are (the workspace's overview shows them too)."""
    query = (
        select(Prompt.kind, Stakeholder.name, KpiPlan.name, Activity.title, Prompt.due_at)
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .outerjoin(KpiPlan, (Prompt.kind == KPI) & (KpiPlan.id == Prompt.subject_id))
        .outerjoin(Activity, Prompt.kind.in_(ACTIVITY_KINDS) & (Activity.id == Prompt.subject_id))
        .where(
            Prompt.partnership_id == partnership_id,
            Prompt.status == PLANNED,
            Prompt.kind.in_(ANSWERABLE),
        )
        .order_by(Prompt.due_at, Prompt.id)
        .limit(UPCOMING)
    )
    return tuple(
        PromptLine(kind, name, kpi or task or "", due_at)
        for kind, name, kpi, task, due_at in await session.execute(query)
    )


@dataclass(frozen=True)
class Upcoming:
    """A prompt not yet answered, for a coordinator's view of the schedule."""

    prompt_id: int
    kind: str
    stakeholder_id: int
    name: str | None
    subject_id: int
    period_key: str
    due_at: datetime
    status: str


async def upcoming(session: AsyncSession, partnership_id: int, limit: int = 50) -> list[Upcoming]:
    """The partnership's open prompts, soonest first: who is asked what, and when."""
    query = (
        select(
            Prompt.id,
            Prompt.kind,
            Prompt.stakeholder_id,
            Stakeholder.name,
            Prompt.subject_id,
            Prompt.period_key,
            Prompt.due_at,
            Prompt.status,
        )
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .where(Prompt.partnership_id == partnership_id, Prompt.status.in_((*OPEN, UNREACHABLE)))
        .order_by(Prompt.due_at, Prompt.id)
        .limit(limit)
    )
    return [Upcoming(*row) for row in await session.execute(query)]
