"""What a person sees of their answers while correcting them (``flows/corrections.py``).

- Opening a step that has answers shows them as a list: each question with its current
  answer, to change just that one, and "go through all answers".
- Choosing the step again in the middle of it shows the same list, to jump back to one
  question and return; /status says so.
- A question whose answer is being corrected shows that answer and a "Keep" button; on
  channels without buttons the line names /keep (and /keep all for a whole list).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from c2cbot.domain.display import labelled
from c2cbot.domain.text import N_
from c2cbot.flows import corrections, walk
from c2cbot.flows.actions import EditAnswer, QuestionCommand
from c2cbot.flows.answer_shown import shortened, shown
from c2cbot.flows.asking import Asking
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.schema import Conversation, Kind, Question

YOUR_ANSWERS = N_(
    "Your answers in “{title}”. Choose a question to change just that answer, "
    "or go through all of them."
)
GO_THROUGH = N_("Go through all answers")
CHANGE_ONE = N_("To change an earlier answer of this step, choose the step again in /steps.")
CURRENT = N_("Your answer so far: {answer}")
KEEP_HINT = N_("Send /keep to keep it.")
KEEP_LIST_HINT = N_("Send /keep all to keep the whole list as it is.")
KEEP = N_("Keep")
KEEP_LIST = N_("Keep the whole list")
_PROMPT_CHARS = 40
_ANSWER_CHARS = 30


async def open_step(turn: ChatTurn, step: str) -> None:
    """A step chosen from the menu: its answers to see and correct, or its first question."""
    conversation = turn.conversations.get(step)
    values = await corrections.current_values(turn, conversation) if conversation else {}
    if conversation is None or not values:
        await turn.start(step)
        return
    text = turn.translate(YOUR_ANSWERS, title=turn.translate(conversation.title))
    go_through = Choice(EditAnswer(conversation.id, 0).encode(), turn.translate(GO_THROUGH))
    choices = (go_through, *await _questions(turn, conversation, values))
    turn.replies.append(Outbound(text, choices))


def how_to_change(turn: ChatTurn) -> str:
    """For /status inside a step: how to go back to one answer (the steps menu lists them).

    Not a list of its own: the question asked must stay the last message, so that a
    number typed on WeChat still answers it.
    """
    conversation = turn.conversation
    if conversation is None or conversation.step is None or not turn.state.get("trail"):
        return ""
    return turn.translate(CHANGE_ONE)


async def _questions(
    turn: ChatTurn, conversation: Conversation, values: dict[str, Any]
) -> list[Choice]:
    """One choice per answered question that still applies: "Question…: answer"."""
    asked = {p.key for p in walk.walked(conversation, values)}
    choices = []
    for number, question in enumerate(conversation.questions, 1):
        answer = await _answer_of(turn, question, values, asked)
        if answer is None:
            continue
        prompt = shortened(turn.translate(question.prompt), _PROMPT_CHARS)
        label = labelled(prompt, shortened(answer, _ANSWER_CHARS), turn.language)
        choices.append(Choice(EditAnswer(conversation.id, number).encode(), label))
    return choices


async def _answer_of(
    turn: ChatTurn, question: Question, values: dict[str, Any], asked: set[str]
) -> str | None:
    """A top-level question's answer as shown; a list shows its items' first answers."""
    if question.type is not Kind.GROUP:
        if question.id not in asked or question.id not in values:
            return None
        return await shown(turn, question, values[question.id])
    if not question.questions or f"{question.id}#0.{question.questions[0].id}" not in asked:
        return None
    first = question.questions[0]
    items = []
    for item in range(question.max_items):
        key = f"{question.id}#{item}.{first.id}"
        if key in values:
            items.append(await shown(turn, first, values[key]))
    return ", ".join(items) if items else None


async def with_current(turn: ChatTurn, asking: Asking, message: Outbound) -> Outbound:
    """The question asked, with the answer it has while being corrected, and "Keep"."""
    position, values = asking.position, turn.state.get("values") or {}
    if corrections.correcting(turn.state) is None or position.key not in values:
        return message
    value = values[position.key]
    if position.more:
        answer = turn.translate(N_("Yes") if value is True else N_("No"))
    else:
        answer = await shown(turn, asking.question, value)
    lines = [turn.translate(CURRENT, answer=answer), turn.translate(KEEP_HINT)]
    keep = [Choice(QuestionCommand(asking.seq, "keep").encode(), turn.translate(KEEP))]
    if _starts_list(asking):
        lines.append(turn.translate(KEEP_LIST_HINT))
        keep.append(
            Choice(QuestionCommand(asking.seq, "keep all").encode(), turn.translate(KEEP_LIST))
        )
    text = f"{message.text}\n\n" + "\n".join(lines)
    return dataclasses.replace(message, text=text, choices=(*message.choices, *keep))


def _starts_list(asking: Asking) -> bool:
    """The first question of a list's first item: where the whole list can be kept."""
    position = asking.position
    if position.item != 0 or position.more:
        return False
    group = asking.question_group()
    return bool(group.questions) and position.sub == (group.questions or [])[0].id
