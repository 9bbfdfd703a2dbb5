"""The weekly digest's facts for many partnerships at once, in a constant number of queries.

A Sunday digest run covers every partnership; asking per partnership would make a
thousand partnerships a thousand times seven queries. Each query here covers a batch of
partnerships (``BATCH``) and the rows are sorted out in Python, so the count of queries
depends on the number of batches only.

A week runs from Monday 00:00 to Sunday 24:00 UTC (``week_end`` is its Sunday). KPI
trends look back about a year, so a long partnership's history is not read each week.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.activities import FINISHED_ACTIVITY, is_late
from c2cbot.domain.digests import (
    ActionItem,
    CityBalance,
    CityName,
    KpiTrend,
    MeetingFacts,
    Participant,
    WeeklyFacts,
    Written,
)
from c2cbot.domain.steps import Step, steps_done
from c2cbot.store.meeting_models import Meeting
from c2cbot.store.meetings import city_name, last_meeting, meeting_facts
from c2cbot.store.models import (
    Activity,
    Answer,
    City,
    KpiPlan,
    KpiValue,
    Organisation,
    Partnership,
    PartnershipCity,
    Prompt,
    Stakeholder,
)
from c2cbot.store.prompts import ANSWERABLE, AWAITING

#: Partnerships per query; keeps IN lists well inside every driver's parameter limit.
BATCH = 500
UPCOMING_DAYS = 14
TREND_DAYS = 400
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def week_bounds(week_end: date) -> tuple[date, datetime, datetime]:
    """The week's first day, and its start and end as UTC instants (end exclusive)."""
    week_start = week_end - timedelta(days=6)
    start = datetime.combine(week_start, time(), UTC)
    return week_start, start, start + timedelta(days=7)


async def weekly_facts(
    session: AsyncSession, partnership_ids: Sequence[int], week_end: date
) -> dict[int, WeeklyFacts]:
    """Facts for each existing partnership of ``partnership_ids``; unknown ids are left out."""
    facts: dict[int, WeeklyFacts] = {}
    ids = list(dict.fromkeys(partnership_ids))
    for offset in range(0, len(ids), BATCH):
        facts.update(await _batch(session, ids[offset : offset + BATCH], week_end))
    return facts


@dataclass
class _Gathered:
    """What the queries found for one partnership, before it becomes ``WeeklyFacts``."""

    name: str
    loop: str
    step: str
    cities: list[CityName] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    answers_by_city: dict[str, int] = field(default_factory=dict)
    reports_by_city: dict[str, int] = field(default_factory=dict)
    done_by_city: dict[str, int] = field(default_factory=dict)
    kpis: list[KpiTrend] = field(default_factory=list)
    upcoming: list[ActionItem] = field(default_factory=list)
    overdue: list[ActionItem] = field(default_factory=list)
    silent: list[Participant] = field(default_factory=list)


async def _batch(session: AsyncSession, ids: list[int], week_end: date) -> dict[int, WeeklyFacts]:
    week_start, start, end = week_bounds(week_end)
    found = await _partnerships(session, ids)
    if not found:
        return {}
    await _cities(session, found)
    await _answers(session, found, start, end)
    await _kpis(session, found, start, end)
    await _activities(session, found, week_end)
    await _silent(session, found, end)
    return {pid: _facts(pid, g, week_start, week_end) for pid, g in found.items()}


async def _partnerships(session: AsyncSession, ids: list[int]) -> dict[int, _Gathered]:
    query = select(Partnership.id, Partnership.name, Partnership.loop, Partnership.step).where(
        Partnership.id.in_(ids)
    )
    rows = (await session.execute(query)).all()
    return {row.id: _Gathered(row.name, row.loop, row.step) for row in rows}


async def _cities(session: AsyncSession, found: dict[int, _Gathered]) -> None:
    """Each partnership's cities, European side first (as everywhere in the bot)."""
    query = (
        select(PartnershipCity.partnership_id, City)
        .join(City, City.id == PartnershipCity.city_id)
        .where(PartnershipCity.partnership_id.in_(found))
        .order_by(PartnershipCity.partnership_id, City.side.desc(), City.name_en)
    )
    for partnership_id, city in (await session.execute(query)).all():
        found[partnership_id].cities.append(city_name(city))


async def _answers(
    session: AsyncSession, found: dict[int, _Gathered], start: datetime, end: datetime
) -> None:
    """Answers of the week by conversation and by the answerer's city, in one query.

    Progress updates count as reports; those saying "done" as action items done.
    """
    status = and_(Answer.conversation == "progress", Answer.question == "status")
    done = and_(status, Answer.value["value"].as_string() == "done")
    query = (
        select(
            Answer.partnership_id,
            Answer.conversation,
            City.key,
            func.count(),
            func.sum(case((status, 1), else_=0)),
            func.sum(case((done, 1), else_=0)),
        )
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(
            Answer.partnership_id.in_(found),
            Answer.answered_at >= start,
            Answer.answered_at < end,
        )
        .group_by(Answer.partnership_id, Answer.conversation, City.key)
    )
    for partnership_id, conversation, city, count, reports, done_count in (
        await session.execute(query)
    ).all():
        gathered = found[partnership_id]
        _add(gathered.answers, conversation, count)
        if city is not None:
            _add(gathered.answers_by_city, city, count)
            _add(gathered.reports_by_city, city, int(reports or 0))
            _add(gathered.done_by_city, city, int(done_count or 0))


def _add(counts: dict[str, int], key: str, count: int) -> None:
    counts[key] = counts.get(key, 0) + count


async def _kpis(
    session: AsyncSession, found: dict[int, _Gathered], start: datetime, end: datetime
) -> None:
    """Active KPI plans with a year of values; values reported this week count as reports."""
    plans_query = (
        select(KpiPlan)
        .where(KpiPlan.partnership_id.in_(found), KpiPlan.active.is_(True))
        .order_by(KpiPlan.partnership_id, KpiPlan.id)
    )
    plans = list((await session.execute(plans_query)).scalars())
    if not plans:
        return
    values_query = (
        select(
            KpiPlan.partnership_id,
            KpiValue.kpi_plan_id,
            KpiValue.period_key,
            KpiValue.value,
            KpiValue.reported_at,
            City.key,
        )
        .join(KpiPlan, KpiPlan.id == KpiValue.kpi_plan_id)
        .outerjoin(Stakeholder, Stakeholder.id == KpiValue.reported_by)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .where(
            KpiPlan.partnership_id.in_(found),
            KpiPlan.active.is_(True),
            KpiValue.reported_at >= start - timedelta(days=TREND_DAYS),
            KpiValue.reported_at < end,
        )
        .order_by(KpiValue.kpi_plan_id, KpiValue.period_key, KpiValue.reported_at)
    )
    by_plan: dict[tuple[int, str | None], dict[str, dict[str, Any]]] = defaultdict(dict)
    for partnership_id, plan_id, period, value, reported_at, city in (
        await session.execute(values_query)
    ).all():
        by_plan[(plan_id, _currency_of(value))][period] = value  # a period's latest wins
        if city is not None and reported_at >= start:
            _add(found[partnership_id].reports_by_city, city, 1)
    for plan in plans:
        found[plan.partnership_id].kpis += _trends(plan, by_plan)


def _currency_of(stored: dict[str, Any]) -> str | None:
    value = stored.get("value")
    return str(value.get("currency")) if isinstance(value, dict) else None


def _trends(
    plan: KpiPlan, by_plan: dict[tuple[int, str | None], dict[str, dict[str, Any]]]
) -> list[KpiTrend]:
    """One trend per currency a money KPI was reported in, never a sum of kronor and yuan:
    a plan without a currency of its own is reported in each city's. Nothing is converted,
    so the target only stands next to figures in the plan's currency (or the only one)."""
    currencies = sorted((c for (plan_id, c) in by_plan if plan_id == plan.id), key=str)
    if plan.kind != "money" or len(currencies) <= 1:
        only = currencies[0] if currencies else None
        target = plan.target if plan.currency in (None, only) else None
        return [_trend(plan, by_plan.get((plan.id, only), {}), only or plan.currency, target)]
    return [
        _trend(plan, by_plan[(plan.id, c)], c, plan.target if c == plan.currency else None)
        for c in currencies
        if plan.currency in (None, c)
    ]


def _trend(
    plan: KpiPlan, periods: dict[str, dict[str, Any]], currency: str | None, target: Decimal | None
) -> KpiTrend:
    values: list[tuple[str, Decimal | None]] = []
    previous: Decimal | None = None
    for period in sorted(periods):
        value = kpi_number(periods[period], previous)
        values.append((period, value))
        previous = value if value is not None else previous
    return KpiTrend(
        kpi_key=plan.kpi_key,
        name=plan.name,
        kind=plan.kind,
        unit=plan.unit,
        currency=currency,
        baseline=plan.baseline,
        target=target,
        values=tuple(values),
    )


def kpi_number(stored: dict[str, Any], previous: Decimal | None) -> Decimal | None:
    """A stored KPI value as a number: "no change" repeats the last one; text has none."""
    status = stored.get("status")
    if status == "no_change":
        return previous
    if status != "value":
        return None
    value = stored.get("value")
    if isinstance(value, dict):
        value = value.get("amount")
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


async def _activities(session: AsyncSession, found: dict[int, _Gathered], week_end: date) -> None:
    """Open action items due by two weeks after the week: the late ones and the coming ones."""
    items = await open_action_items(session, list(found), week_end + timedelta(days=UPCOMING_DAYS))
    for pid, listed in items.items():
        gathered = found[pid]
        for item in listed:
            # late by the day after the week: due in it or before it, and still open
            late = is_late(item.due_on, item.status, week_end + timedelta(days=1))
            (gathered.overdue if late else gathered.upcoming).append(item)


async def open_action_items(
    session: AsyncSession, partnership_ids: Sequence[int], due_by: date
) -> dict[int, list[ActionItem]]:
    """Each partnership's activities not finished and due on or before ``due_by``, soonest
    first: what digests and the workspace call late or coming up."""
    query = (
        select(
            Activity.partnership_id,
            Activity.title,
            Activity.owner_name,
            Activity.due_on,
            Activity.status,
            Stakeholder.name,
            Stakeholder.language,
            City.key,
            Meeting.language,
        )
        .outerjoin(Stakeholder, Stakeholder.id == Activity.owner_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .outerjoin(Meeting, Meeting.id == Activity.meeting_id)
        .where(
            Activity.partnership_id.in_(partnership_ids),
            Activity.status.not_in(FINISHED_ACTIVITY),
            Activity.due_on.is_not(None),
            Activity.due_on <= due_by,
        )
        .order_by(Activity.partnership_id, Activity.due_on, Activity.id)
    )
    items: dict[int, list[ActionItem]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        (pid, title, owner_name, due, status, person, person_language, city, meeting_language) = row
        language = meeting_language or guess_language(title, person_language)
        owner = owner_name or person
        items[pid].append(ActionItem(Written(title, language), owner, city, due, status))
    return items


def guess_language(text: str, fallback: str | None) -> str:
    """The language of a title nobody recorded a language for: Chinese script says Chinese;
    otherwise the owner's language, unless that is Chinese (then English)."""
    if _CJK.search(text):
        return "zh_Hans"
    if fallback and not fallback.startswith("zh"):
        return fallback
    return "en"


async def _silent(session: AsyncSession, found: dict[int, _Gathered], end: datetime) -> None:
    for pid, people in (await waiting_for_answers(session, list(found), end)).items():
        found[pid].silent.extend(people)


async def waiting_for_answers(
    session: AsyncSession, partnership_ids: Sequence[int], asked_before: datetime
) -> dict[int, list[Participant]]:
    """People asked (a KPI value, a progress update) before ``asked_before`` who have not
    answered yet: the digest's and the workspace's silent people."""
    query = (
        select(
            Prompt.partnership_id,
            Stakeholder.id,
            Stakeholder.name,
            City.key,
            Organisation.name,
        )
        .join(Stakeholder, Stakeholder.id == Prompt.stakeholder_id)
        .outerjoin(City, City.id == Stakeholder.city_id)
        .outerjoin(Organisation, Organisation.id == Stakeholder.organisation_id)
        .where(
            Prompt.partnership_id.in_(partnership_ids),
            Prompt.kind.in_(ANSWERABLE),
            Prompt.status.in_(AWAITING),
            Prompt.sent_at < asked_before,
        )
        .distinct()
        .order_by(Prompt.partnership_id, City.key, Stakeholder.name, Stakeholder.id)
    )
    people: dict[int, list[Participant]] = defaultdict(list)
    for pid, stakeholder_id, name, city, organisation in (await session.execute(query)).all():
        shown = name or f"#{stakeholder_id}"
        people[pid].append(Participant(shown, city, organisation))
    return people


def _facts(pid: int, gathered: _Gathered, week_start: date, week_end: date) -> WeeklyFacts:
    step = _step(gathered.step)
    return WeeklyFacts(
        partnership_id=pid,
        partnership=gathered.name,
        cities=tuple(gathered.cities),
        week_start=week_start,
        week_end=week_end,
        loop=gathered.loop,
        step=step,
        steps_done=steps_done(gathered.loop, step),
        answers_by_step=tuple(sorted(gathered.answers.items())),
        kpis=tuple(gathered.kpis),
        upcoming=tuple(gathered.upcoming),
        overdue=tuple(gathered.overdue),
        silent=tuple(gathered.silent),
        balance=tuple(_balance(gathered, city.key) for city in gathered.cities),
    )


def _step(stored: str) -> Step:
    try:
        return Step(stored)
    except ValueError:
        return Step.AIM


def _balance(gathered: _Gathered, city: str) -> CityBalance:
    return CityBalance(
        city=city,
        answers=gathered.answers_by_city.get(city, 0),
        reports=gathered.reports_by_city.get(city, 0),
        actions_done=gathered.done_by_city.get(city, 0),
    )


async def preview_facts(
    session: AsyncSession, partnership_id: int, kind: str, meeting_id: int | None, now: datetime
) -> WeeklyFacts | MeetingFacts | None:
    """This week's facts, or a meeting's (the last one without ``meeting_id``), to print.

    A meeting of another partnership is not shown: None, as for one that does not exist.
    """
    if kind == "weekly":
        today = now.astimezone(UTC).date()
        sunday = today + timedelta(days=6 - today.weekday())
        return (await weekly_facts(session, [partnership_id], sunday)).get(partnership_id)
    wanted = meeting_id or await last_meeting(session, partnership_id)
    if wanted is None:
        return None
    facts = await meeting_facts(session, wanted)
    owner = await session.get(Meeting, wanted)
    return facts if owner is not None and owner.partnership_id == partnership_id else None
