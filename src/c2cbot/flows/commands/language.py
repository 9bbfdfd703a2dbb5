"""/language: the language the bot writes in, chosen by button or typed (/language de)."""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.actions import PickLanguage
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.messages import Choice, Outbound

WHICH = N_("Which language would you like?")
# Translated into each language as "… in <that language>", so it confirms the choice.
FROM_NOW_ON = N_("From now on I will write to you in English.")


async def language(turn: ChatTurn, argument: str) -> None:
    """Switch to the language named, or offer every language there is."""
    code = next((c for c in turn.texts.languages if c.lower() == argument.lower()), None)
    if code is None:
        choices = tuple(
            Choice(PickLanguage(c).encode(), name) for c, name in turn.texts.languages.items()
        )
        turn.replies.append(Outbound(turn.translate(WHICH), choices))
        return
    await turn.set_language(code)
    turn.say(FROM_NOW_ON)
    await turn.reask(menu=False)


async def picked(turn: ChatTurn, action: PickLanguage) -> None:
    await language(turn, action.code)


COMMANDS = (
    ChatCommand(
        "language",
        N_("Choose your language"),
        Audience.EVERYONE,
        language,
        buttons=(Button(PickLanguage, picked),),
    ),
)
