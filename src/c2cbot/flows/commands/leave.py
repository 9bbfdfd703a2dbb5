"""/pause and /resume: a person on leave is asked nothing until the day they name.

Prompts that fall due meanwhile wait and go out at the first good moment after the leave
(nothing is lost). The last day of leave is inclusive. Dates in the past, dates that do
not exist (31 February) and dates more than a year ahead are refused with the reason.
"""

from __future__ import annotations

from datetime import date, timedelta

from c2cbot.domain import dates
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.actions import PauseFor
from c2cbot.flows.commanding import ChatTurn, CommandTurn, local_today, translate
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.messages import Choice, Outbound

LONGEST = timedelta(days=366)
BUTTONS = ((7, N_("One week")), (14, N_("Two weeks")), (28, N_("Four weeks")))
ASK = N_(
    "Until which day will you be away? I will ask you nothing until then. Tap a choice, "
    "or send /pause with the last day of your leave, for example /pause {example}."
)
PAUSED = N_(
    "Enjoy your time away. I will ask you nothing until {date}, that day included; "
    "questions that come up meanwhile will wait for you. Send /resume if you are back earlier."
)
RESUMED = N_("Welcome back! Questions that waited for you will come at the next good moment.")
PAST = N_("{date} has already passed. Please send the last day of your leave, today or later.")
TOO_FAR = N_("Leave can be at most a year long. Please send a day no later than {last}.")


async def pause(turn: ChatTurn, argument: str) -> None:
    """``/pause`` asks until when; ``/pause 2026-08-31`` (or 31.8.2026, 2026年8月31日) sets it."""
    today = await local_today(turn)
    if not argument:
        _ask(turn, today)
    else:
        try:
            await _pause_until(turn, _checked(dates.parse_date(argument), today))
        except InvalidValue as problem:
            turn.say(problem.reason, **problem.params)
    await turn.reask(menu=False)


async def pause_for(turn: ChatTurn, action: PauseFor) -> None:
    """A leave length tapped under the ``/pause`` question: that many days from today."""
    if action.days in dict(BUTTONS):
        await _pause_until(turn, await local_today(turn) + timedelta(days=action.days))
    await turn.reask(menu=False)


async def resume(turn: ChatTurn, _argument: str) -> None:
    await turn.ledger.schedules.set_leave(turn.person.stakeholder_id, None)
    turn.say(RESUMED)
    await turn.reask(menu=False)


def _ask(turn: CommandTurn, today: date) -> None:
    example = (today + timedelta(days=14)).isoformat()
    choices = tuple(
        Choice(PauseFor(days).encode(), translate(turn, label)) for days, label in BUTTONS
    )
    turn.replies.append(Outbound(translate(turn, ASK, example=example), choices))


def _checked(until: date, today: date) -> date:
    if until < today:
        raise InvalidValue(PAST, date=until.isoformat())
    if until > today + LONGEST:
        raise InvalidValue(TOO_FAR, last=(today + LONGEST).isoformat())
    return until


async def _pause_until(turn: CommandTurn, until: date) -> None:
    await turn.ledger.schedules.set_leave(turn.person.stakeholder_id, until)
    turn.say(PAUSED, date=turn.texts.format_date(turn.language, until))


COMMANDS = (
    ChatCommand(
        "pause",
        N_("Tell me you are away, until a day"),
        Audience.EVERYONE,
        pause,
        buttons=(Button(PauseFor, pause_for),),
    ),
    ChatCommand("resume", N_("Tell me you are back"), Audience.EVERYONE, resume),
)
