"""Step-specific behaviour, named in the conversation files and looked up here by name.

The runner (``flows.turn``) knows no conversation by its id. A conversation file says
what its steps need beyond asking questions, and the loader refuses a name that is not
registered below, so ``c2cbot conversations check`` catches a typo before people do:

- ``on_complete`` (conversation): after the outro, once the last question is answered.
- ``check`` (question): turns a typed answer into what the step needs, or refuses it
  with the reason (``InvalidValue``).
- ``before`` (question): said before the question is asked.
- ``after`` (question): once its answer is accepted.
- ``ask_if`` (question): the question is asked only while this holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from c2cbot.flows import kpi_review, kpi_setup, meeting_hooks
from c2cbot.flows.answering import Parsed
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.criteria_summary import criteria_summary
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


async def _criteria_summary(turn: ChatTurn, conversation: Conversation) -> None:
    """How many selection criteria each group meets, for both cities to see."""
    answers = turn.state.get("values", {})
    turn.replies.append(Outbound(criteria_summary(conversation, answers, turn.translate)))


async def _kpi_jump_check(turn: ChatTurn, question: Question, parsed: Parsed) -> None:
    await kpi_review.review(
        turn.ledger.kpi_plans, turn.state, question, parsed, turn.texts, turn.language
    )


def _kpi_jumped(turn: ChatTurn) -> bool:
    return kpi_review.jumped(turn.state)


ON_COMPLETE: Mapping[str, OnComplete] = {
    "onboarded": _onboarded,
    "kpi_plans": _kpi_plans,
    "criteria_summary": _criteria_summary,
    "meeting_notes": meeting_hooks.save_and_post,
}
CHECKS: Mapping[str, Check] = {
    "meeting_time": meeting_hooks.check_time,
    "meeting_people": meeting_hooks.check_people,
    "meeting_due": meeting_hooks.check_due,
}
BEFORE: Mapping[str, Before] = {"meeting_read_back": meeting_hooks.read_back}
AFTER: Mapping[str, After] = {"kpi_jump_check": _kpi_jump_check}
ASK_IF: Mapping[str, AskIf] = {"kpi_jumped": _kpi_jumped}
KNOWN: Mapping[str, Mapping[str, object]] = {
    "on_complete": ON_COMPLETE,
    "check": CHECKS,
    "before": BEFORE,
    "after": AFTER,
    "ask_if": ASK_IF,
}
"""Every hook name by the key that names it in a conversation file, for the loader."""
