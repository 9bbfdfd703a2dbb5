"""Step-specific behaviour, named in the conversation files and looked up here by name.

The runner (``flows.turn``) knows no conversation by its id. A conversation file says
what its steps need beyond asking questions, and the loader refuses a name that is not
registered below, so ``c2cbot conversations check`` catches a typo before people do:

- ``on_complete`` (conversation): after the outro, once the last question is answered.
- ``check`` (question): turns an answer, typed or tapped, into what the step needs, or
  refuses it with the reason (``InvalidValue``); the question is asked again if the
  conversation is still open (refusing the transfer abroad while joining ends it).
- ``before`` (question): said before the question is asked.
- ``after`` (question): once its answer is accepted.
- ``ask_if`` (question): the question is asked only while this holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from c2cbot.flows import consent, kpi_review, kpi_setup, meeting_hooks, step_checks, step_outputs
from c2cbot.flows.answering import Parsed
from c2cbot.flows.commanding import ChatTurn, coordinates
from c2cbot.flows.messages import Outbound
from c2cbot.flows.schema import Conversation, Question
from c2cbot.flows.walk import Position

OnComplete = Callable[[ChatTurn, Conversation], Awaitable[None]]
Check = Callable[[ChatTurn, Position, Parsed], Awaitable[Parsed]]
Before = Callable[[ChatTurn], Awaitable[None]]
After = Callable[[ChatTurn, Question, Parsed], Awaitable[None]]
AskIf = Callable[[ChatTurn], bool]


async def _onboarded(turn: ChatTurn, _conversation: Conversation) -> None:
    """Onboarding done: from now on the person lands in the steps menu."""
    turn.state["onboarded"] = True


async def _kpi_plans(turn: ChatTurn, _conversation: Conversation) -> None:
    values = turn.state.get("values", {})
    await kpi_setup.save_plans(
        turn.ledger.kpi_plans, turn.partnership_id, turn.role, values, turn.now
    )


async def _kpi_jump_check(turn: ChatTurn, question: Question, parsed: Parsed) -> None:
    await kpi_review.review(
        turn.ledger.kpi_plans, turn.state, question, parsed, turn.texts, turn.language
    )


def _kpi_jumped(turn: ChatTurn) -> bool:
    return kpi_review.jumped(turn.state)


async def _note_kpis_measured(turn: ChatTurn, _question: Question, parsed: Parsed) -> None:
    """Act asks for new targets only of KPIs the partnership measures, if it measures any."""
    if parsed.value is True and turn.partnership_id is not None:
        found = await turn.ledger.plan.kpi_targets(turn.partnership_id)
        turn.state[step_outputs.MEASURED] = len(found)


def _measures_kpis(turn: ChatTurn) -> bool:
    return bool(turn.state.get(step_outputs.MEASURED))


def _targets_to_confirm(turn: ChatTurn) -> bool:
    """Only a coordinator confirms new targets: a member's stay their proposal."""
    values = turn.state.get("values", {})
    return coordinates(turn) and bool(step_outputs.target_changes(values))


async def _targets_read_back(turn: ChatTurn) -> None:
    assert turn.partnership_id is not None
    turn.replies.append(Outbound(await step_outputs.targets_read_back(turn)))


ON_COMPLETE: Mapping[str, OnComplete] = {
    "onboarded": _onboarded,
    "kpi_plans": _kpi_plans,
    "partner_agreement": step_outputs.partner_agreement,
    "plan_activities": step_outputs.plan_activities,
    "progress_rhythm": step_outputs.progress_rhythm,
    "act_targets": step_outputs.act_targets,
    "meeting_notes": meeting_hooks.save_and_post,
}
CHECKS: Mapping[str, Check] = {
    "meeting_time": meeting_hooks.check_time,
    "meeting_people": meeting_hooks.check_people,
    "meeting_due": meeting_hooks.check_due,
    "mou_signed": step_checks.signed_by_now,
    "mou_expiry": step_checks.mou_expiry,
    "activity_due": step_checks.activity_due,
    "plan_review": step_checks.review_ahead,
    "kpi_target": step_checks.kpi_target,
    "consent": consent.check,
    "consent_abroad": consent.check_abroad,
}
BEFORE: Mapping[str, Before] = {
    "meeting_read_back": meeting_hooks.read_back,
    "targets_read_back": _targets_read_back,
    "privacy_notice": consent.show_notice,
}
AFTER: Mapping[str, After] = {
    "kpi_jump_check": _kpi_jump_check,
    "note_kpis_measured": _note_kpis_measured,
    "consented": consent.consented,
    "note_city": consent.note_city,
}
ASK_IF: Mapping[str, AskIf] = {
    "kpi_jumped": _kpi_jumped,
    "measures_kpis": _measures_kpis,
    "targets_to_confirm": _targets_to_confirm,
    consent.ASKS_ABROAD: consent.asks_abroad,
}
KNOWN: Mapping[str, Mapping[str, object]] = {
    "on_complete": ON_COMPLETE,
    "check": CHECKS,
    "before": BEFORE,
    "after": AFTER,
    "ask_if": ASK_IF,
}
"""Every hook name by the key that names it in a conversation file, for the loader."""
