"""/meeting: write down a meeting's notes (``conversations/meeting.yaml`` and its hooks)."""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, ChatCommand

MEETING = "meeting"


async def meeting(turn: ChatTurn, _argument: str) -> None:
    await turn.start(MEETING)


COMMANDS = (
    ChatCommand("meeting", N_("Write down the notes of a meeting"), Audience.EVERYONE, meeting),
)
