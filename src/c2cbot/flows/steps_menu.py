"""The eight steps as a menu: where a member lands between conversations.

Each step shows how many of its questions the person has answered (or ✓ once done), and
can be chosen by button, by its number in the menu, or by typing its name.
"""

from __future__ import annotations

from collections.abc import Mapping

from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import answering, correction_views, step_progress, walk
from c2cbot.flows.actions import OpenStep
from c2cbot.flows.answering import Option
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.standing import where_it_stands

ONBOARDING = "onboarding"
JOIN_FIRST = N_("Please join a partnership first: send /start followed by your invite code.")
WHICH_STEP = N_("The eight steps of your partnership. Which one shall we work on?")
MARK = " · "  # between a step's name and its progress in the menu: "Plan · 3/9"


async def show(turn: ChatTurn) -> None:
    """The steps menu, or how to join a partnership for someone not in one yet."""
    if turn.partnership_id is None:
        turn.say(JOIN_FIRST)
        return
    answered = await turn.ledger.answers.answered(turn.person.stakeholder_id, turn.partnership_id)
    done = set(turn.state.get("done", {}).get(str(turn.partnership_id), []))
    choices = tuple(
        _step_choice(turn, step, answered, done)
        for step in Step
        if step.value in turn.conversations
    )
    standing = await where_it_stands(turn)
    cities = await step_progress.both_cities(turn)
    parts = (standing, turn.translate(WHICH_STEP), cities)
    turn.replies.append(Outbound("\n\n".join(part for part in parts if part), choices))


async def idle(turn: ChatTurn, text: str) -> None:
    """Text outside any conversation: onboarding for newcomers, else a step or the menu."""
    if not (turn.state.get("onboarded") and turn.partnership_id is not None):
        await turn.start(ONBOARDING)
        return
    step = _step_named(turn, text)
    if step is not None:
        await correction_views.open_step(turn, step)
    else:
        await show(turn)


STEPS = frozenset(step.value for step in Step)


async def open_step(turn: ChatTurn, action: OpenStep) -> None:
    """A step's button in the menu; forged data naming another conversation (a KPI report
    without its prompt, onboarding again) only shows the menu."""
    if action.conversation in STEPS:
        await correction_views.open_step(turn, action.conversation)
    else:
        await show(turn)


def _step_named(turn: ChatTurn, text: str) -> str | None:
    """The step a person typed, by its number in the menu or its name (no buttons)."""
    steps = [s for s in Step if s.value in turn.conversations]
    options = [Option(s.value, turn.translate(STEP_NAMES[s])) for s in steps]
    try:
        return answering.parse_choice(options, text).id if text else None
    except InvalidValue:
        return None


def _step_choice(
    turn: ChatTurn, step: Step, answered: Mapping[str, set[str]], done: set[str]
) -> Choice:
    conversation = turn.conversations[step.value]
    total = walk.count_questions(conversation)
    count = len(answered.get(step.value, set()) & {q.id for q in conversation.questions})
    mark = "✓" if step.value in done else f"{count}/{total}"
    return Choice(OpenStep(step.value).encode(), f"{turn.translate(STEP_NAMES[step])}{MARK}{mark}")
