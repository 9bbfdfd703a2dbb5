"""After a report, the next prompt still waiting for the person is offered at once.

Prompts that reach someone together (a KPI round and an activity's follow-up on the same
morning) used to leave all but the last one unreachable: a typed "1" opens the prompt of
the last message, and nothing offered the others again. Now each report ends with the
next waiting prompt and its "Answer now", until none is left; then the steps menu.
"""

from __future__ import annotations

from typing import Any

from c2cbot.domain.display import period_label
from c2cbot.domain.text import N_
from c2cbot.flows.actions import OpenPrompt
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.messages import Choice, Outbound

ANSWER_NOW = N_("Answer now")
ANOTHER_KPI = N_("One more question is waiting for you: the KPI “{kpi}” for {period}.")
ANOTHER_ACTIVITY = N_(
    "One more question is waiting for you: how the activity “{activity}” is going."
)


async def offer_waiting(turn: ChatTurn) -> bool:
    """Offer the person's oldest unanswered prompt; whether there was one."""
    waiting = await turn.ledger.prompts.next_waiting(turn.person.stakeholder_id)
    if waiting is None:
        return False
    prompt_id, context = waiting
    answer_now = Choice(OpenPrompt(prompt_id).encode(), turn.translate(ANSWER_NOW))
    turn.replies.append(Outbound(_describe(turn, context), (answer_now,)))
    return True


def _describe(turn: ChatTurn, context: dict[str, Any]) -> str:
    if "kpi" in context:
        kpi = turn.translate(str(context["kpi"]))
        return turn.translate(
            ANOTHER_KPI, kpi=kpi, period=period_label(str(context.get("period", "")), turn.language)
        )
    return turn.translate(ANOTHER_ACTIVITY, activity=context.get("activity", ""))
