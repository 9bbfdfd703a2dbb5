"""How far each city of the partnership is with each step, for the steps menu.

The menu's buttons show the reader's own progress; this adds a line per step that
anyone has answered: "Aim · Gothenburg 12/12 · Shanghai 0/12", counting the questions
that someone of the city has a current answer to, out of those the city is asked: a
conditional question counts only while the city's answers leave it open (a city that
answered "no MoU" is not asked for its signing date), and an optional one only once
answered, so a city that finished the step reads "11/11", never "11/12".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.flows import walk
from c2cbot.flows.answer_history import CityAnswers
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.schema import Conversation, Question

BOTH_CITIES = N_("Answered so far in each city (your own progress is shown with each step):")
MARK = " · "


async def both_cities(turn: ChatTurn) -> str:
    """The lines for the steps someone of the partnership answered; "" while none has."""
    if turn.partnership_id is None:
        return ""
    cities = await turn.ledger.answers.by_city(turn.partnership_id)
    lines = []
    for step in Step:
        conversation = turn.conversations.get(step.value)
        if conversation is None or not any(c.answers.get(step.value) for c in cities):
            continue
        counts = [
            f"{_name(city, turn.language)} {_count(conversation, city.answers.get(step.value, {}))}"
            for city in cities
        ]
        lines.append(MARK.join([turn.translate(STEP_NAMES[step]), *counts]))
    if not lines:
        return ""
    return "\n".join([turn.translate(BOTH_CITIES), *lines])


def _count(conversation: Conversation, answers: Mapping[str, Any]) -> str:
    """ "answered/asked" for one city."""
    answered, asked = counted(conversation, answers)
    return f"{answered}/{asked}"


def counted(conversation: Conversation, answers: Mapping[str, Any]) -> tuple[int, int]:
    """How many of the questions a city is asked it answered, and how many it is asked:
    the questions its answers leave open (the steps menu and the workspace count alike)."""
    asked = asked_of(conversation, answers)
    return sum(1 for q in asked if q.id in answers), len(asked)


def asked_of(conversation: Conversation, answers: Mapping[str, Any]) -> list[Question]:
    """The top-level questions a city with these answers is asked, in their order."""
    return [
        q
        for q in conversation.questions
        if _open(q.when, answers) and (not q.optional or q.id in answers)
    ]


def _open(when: Any, answers: Mapping[str, Any]) -> bool:
    if when is None or when.question not in answers:
        return True
    return walk.applies(when, answers)


def _name(city: CityAnswers, language: str) -> str:
    return city.names.get(language[:2]) or city.names["en"]
