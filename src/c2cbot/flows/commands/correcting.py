"""/keep, and the buttons that pick an answer to change (``flows/corrections.py``)."""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows import corrections
from c2cbot.flows.actions import EditAnswer
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand


async def keep(turn: ChatTurn, argument: str) -> None:
    """Keep the answer shown (``/keep all``: the rest of the list) and go on; stores nothing."""
    conversation, position = turn.conversation, turn.position
    values = turn.state.get("values") or {}
    if (
        conversation is None
        or position is None
        or corrections.correcting(turn.state) is None
        or position.key not in values
    ):
        turn.say(corrections.NOTHING_TO_KEEP)
        await turn.reask()
        return
    if argument and position.item is not None:
        position = corrections.kept_until(turn, conversation, position)
    await turn.advance(conversation, position)


COMMANDS = (
    ChatCommand(
        "keep",
        N_("Keep the answer you gave before and go on"),
        Audience.EVERYONE,
        keep,
        buttons=(Button(EditAnswer, corrections.edit),),
        examples=(N_("/keep all – keep a whole list, such as the plan's activities"),),
    ),
)
