"""Prompts from the scheduler, as the conversation engine opens and answers them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store.models import Activity, KpiPlan, KpiValue, Prompt

OPEN = ("planned", "sent", "reminded", "escalated")


async def open_prompt(
    session: AsyncSession, prompt_id: int, stakeholder_id: int
) -> tuple[str, dict[str, Any]] | None:
    """The conversation answering a prompt, if it is this person's and still open."""
    prompt = await session.get(Prompt, prompt_id)
    if prompt is None or prompt.stakeholder_id != stakeholder_id or prompt.status not in OPEN:
        return None
    if prompt.kind == "kpi":
        plan = await session.get_one(KpiPlan, prompt.subject_id)
        return "kpi", {"kpi": plan.name, "period": prompt.period_key, "unit": plan.unit or ""}
    activity = await session.get_one(Activity, prompt.subject_id)
    due = activity.due_on.isoformat() if activity.due_on else ""
    return "progress", {"activity": activity.title, "due": due}


async def record_prompt_answer(
    session: AsyncSession, prompt_id: int, values: dict[str, Any], now: datetime
) -> None:
    """Keep the KPI value or the activity's progress, and close the prompt (late if so)."""
    prompt = await session.get_one(Prompt, prompt_id, with_for_update=True)
    if prompt.kind == "kpi":
        session.add(
            KpiValue(
                kpi_plan_id=prompt.subject_id,
                period_key=prompt.period_key,
                value=_kpi_value(values),
                reported_by=prompt.stakeholder_id,
                late=prompt.status not in OPEN,
                reported_at=now,
            )
        )
    else:
        activity = await session.get_one(Activity, prompt.subject_id)
        activity.status = str(values.get("status") or activity.status)
        percent = values.get("percent")
        activity.percent_done = int(percent) if percent is not None else activity.percent_done
    prompt.status, prompt.answered_at = "answered", now


def _kpi_value(values: dict[str, Any]) -> dict[str, Any]:
    """The value, or why there is none ("no_change", "unknown", "not_applicable")."""
    status = values.get("status")
    if status and status != "value":
        return {"status": status}
    return {"status": "value", "value": values.get("value")}
