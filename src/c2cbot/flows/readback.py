"""What the bot understood of a typed answer, said back before it moves on.

A tapped button leaves no doubt, but a typed "2 3", a city's name, "200万元" or
"1.12.2026" is read by rules the person cannot see; without a word back a misreading
stays unnoticed until an export. So a typed choice, multiple choice, figure, amount or
date is read back in the reader's language, and /back is there to correct it.
"""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.answering import Parsed
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.walk import Position

NOTED = N_("Noted: {answer}")
#: Kinds whose typed answers are read, not just kept: these are said back.
READ_KINDS = frozenset({Kind.CHOICE, Kind.MULTI, Kind.NUMBER, Kind.MONEY, Kind.DATE})


def read_back(turn: ChatTurn, question: Question, position: Position, parsed: Parsed) -> None:
    if position.more or question.type not in READ_KINDS:
        return
    turn.say(NOTED, answer=parsed.display)
