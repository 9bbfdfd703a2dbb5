"""The engine's side of a prompt: open the conversation that answers it, record the answer.

A person answers a prompt (a KPI value, an activity's progress) in a chat turn; these
functions run in that turn's transaction, so the answer and the prompt's new status are
kept together or not at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.domain.currencies import country_currency
from c2cbot.store.models import (
    Activity,
    City,
    KpiPlan,
    KpiValue,
    Prompt,
    Stakeholder,
)
from c2cbot.store.prompts import ACTIVITY_KINDS, ANSWERED, AWAITING, CLOSED, KPI, OPEN


async def open_prompt(
    session: AsyncSession, prompt_id: int, stakeholder_id: int
) -> tuple[str, dict[str, Any]] | None:
    """The conversation answering a prompt, if it is this person's and still answerable.

    A closed KPI round can still be answered: the value is stored as late. Prompts whose
    KPI plan or activity has been deleted meanwhile cannot.
    """
    prompt = await session.get(Prompt, prompt_id)
    if prompt is None or prompt.stakeholder_id != stakeholder_id:
        return None
    if prompt.status not in (*OPEN, CLOSED):
        return None
    opened = None
    if prompt.kind == KPI:
        opened = await _kpi_conversation(session, prompt)
    elif prompt.kind in ACTIVITY_KINDS:
        opened = await _progress_conversation(session, prompt)
    if opened is None:
        return None
    conversation, context = opened
    return conversation, {**context, "partnership_id": prompt.partnership_id}


async def next_waiting(
    session: AsyncSession, stakeholder_id: int
) -> tuple[int, dict[str, Any]] | None:
    """The oldest prompt sent to the person and still unanswered that can be answered.

    Prompts that reach someone together would otherwise leave all but the last one
    unreachable once a report is given: nothing offered them again.
    """
    query = (
        select(Prompt.id)
        .where(Prompt.stakeholder_id == stakeholder_id, Prompt.status.in_(AWAITING))
        .order_by(Prompt.due_at, Prompt.id)
        .limit(WAITING_LOOKED_AT)
    )
    for prompt_id in (await session.execute(query)).scalars():
        opened = await open_prompt(session, prompt_id, stakeholder_id)
        if opened is not None:
            return prompt_id, opened[1]
    return None


WAITING_LOOKED_AT = 10  # prompts whose plan or activity was deleted are passed over


async def _kpi_conversation(
    session: AsyncSession, prompt: Prompt
) -> tuple[str, dict[str, Any]] | None:
    """``kpi_count``, ``kpi_money``, ``kpi_rating`` or ``kpi_text``, by the plan's kind.

    Money is asked in the plan's currency, else in the currency of the reporter's city
    (SEK in Gothenburg, CNY in Shanghai, from CLDR on the day the prompt fell due), so each
    person's figures stay comparable over time.
    """
    plan = await session.get(KpiPlan, prompt.subject_id)
    if plan is None:
        return None
    on = prompt.due_at.date()
    currency = plan.currency or await city_currency(session, prompt.stakeholder_id, on)
    context = {
        "kpi": plan.name,
        "period": prompt.period_key,
        "unit": plan.unit or "",
        "currency": currency or "",
    }
    return f"kpi_{plan.kind}", context


async def city_currency(session: AsyncSession, stakeholder_id: int, on: date) -> str | None:
    """The legal tender of the person's city's country on ``on`` (SEK in Gothenburg)."""
    query = (
        select(City.country)
        .join(Stakeholder, Stakeholder.city_id == City.id)
        .where(Stakeholder.id == stakeholder_id)
    )
    country = await session.scalar(query)
    return country_currency(country, on) if country else None


async def _progress_conversation(
    session: AsyncSession, prompt: Prompt
) -> tuple[str, dict[str, Any]] | None:
    activity = await session.get(Activity, prompt.subject_id)
    if activity is None:
        return None
    due = activity.due_on.isoformat() if activity.due_on else ""
    return "progress", {"activity": activity.title, "due": due}


async def record_prompt_answer(
    session: AsyncSession, prompt_id: int, values: dict[str, Any], now: datetime
) -> None:
    """Keep the KPI value or the activity's progress, and close the prompt.

    A KPI value given after its round closed is stored against the prompt's period all
    the same, marked late. Nothing is stored when the plan or activity has gone.
    """
    prompt = await session.get(Prompt, prompt_id, with_for_update=True)
    if prompt is None:
        return
    if prompt.kind == KPI:
        await _record_kpi(session, prompt, values, now)
    elif prompt.kind in ACTIVITY_KINDS:
        await _record_progress(session, prompt, values, now)
    prompt.status, prompt.answered_at = ANSWERED, now


async def _record_kpi(
    session: AsyncSession, prompt: Prompt, values: dict[str, Any], now: datetime
) -> None:
    plan = await session.get(KpiPlan, prompt.subject_id)
    if plan is None:
        return
    session.add(
        KpiValue(
            kpi_plan_id=plan.id,
            period_key=prompt.period_key,
            value=_kpi_value(values, plan.currency),
            reported_by=prompt.stakeholder_id,
            late=prompt.status == CLOSED,
            reported_at=now,
        )
    )


async def _record_progress(
    session: AsyncSession, prompt: Prompt, values: dict[str, Any], now: datetime
) -> None:
    """Update the activity; other sent prompts about it need no answer any more."""
    activity = await session.get(Activity, prompt.subject_id)
    if activity is None:
        return
    activity.status = str(values.get("status") or activity.status)
    percent = values.get("percent")
    activity.percent_done = int(percent) if percent is not None else activity.percent_done
    await session.execute(
        update(Prompt)
        .where(
            Prompt.kind.in_(ACTIVITY_KINDS),
            Prompt.subject_id == activity.id,
            Prompt.stakeholder_id == prompt.stakeholder_id,
            Prompt.status.in_(AWAITING),
            Prompt.id != prompt.id,
        )
        .values(status=ANSWERED, answered_at=now)
    )


def _kpi_value(values: dict[str, Any], currency: str | None) -> dict[str, Any]:
    """The value, or why there is none ("no_change", "unknown", "not_applicable").

    A value corrected after the plausibility question replaces the first one; a value
    confirmed there is marked so. The person's comment travels with it. Money keeps the
    currency it was reported in; one that differs from the plan's (the chat refuses it,
    but a plan's currency may change) is flagged rather than converted, because exchange
    rates are not ours to choose.
    """
    status = values.get("status")
    comment = {"comment": values["comment"]} if values.get("comment") else {}
    if status and status != "value":
        return {"status": status, **comment}
    corrected = values.get("corrected")
    value = corrected if corrected is not None else values.get("value")
    confirmed: dict[str, Any] = {"confirmed_jump": True} if values.get("confirm") is True else {}
    reported = value.get("currency") if isinstance(value, dict) else None
    if currency and reported and reported != currency:
        confirmed["expected_currency"] = currency
    return {"status": "value", "value": value, **confirmed, **comment}
