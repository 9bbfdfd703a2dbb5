"""/start: where everyone begins, and how an invite code is handed in (``/start CODE``)."""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows import consent, steps_menu
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, ChatCommand
from c2cbot.flows.invites import redeem


async def start(turn: ChatTurn, argument: str) -> None:
    """Join with the code given, then carry on: the open question, the menu or onboarding.

    Before consent the code waits, and is redeemed once consent is given."""
    if argument and not consent.given(turn.state):
        consent.hold_invite(turn.state, argument)
    elif argument and await redeem(turn, argument) is None:
        return
    if turn.conversation:
        await turn.reask()
    elif turn.state.get("onboarded"):
        await steps_menu.show(turn)
    else:
        await turn.start(steps_menu.ONBOARDING)


COMMANDS = (
    ChatCommand(
        "start", N_("Start, or join a partnership with an invite code"), Audience.EVERYONE, start
    ),
)
