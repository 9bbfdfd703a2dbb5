"""/web: a one-time link that signs the person in to the partnership workspace.

The workspace (``web/workspace.py``) shows both cities' work in a browser, in the reader's
language. The link works once and for a quarter of an hour (``domain/web_sign_in.py``);
only its hash is stored. Where it goes is decided as /mydata's download link is: the
browser chat shows it as a link of its own, other apps get it as text on the bot's
public address, and without a public address the person is told that the operator has
to give the bot one.
"""

from __future__ import annotations

import logging

from c2cbot.domain.text import N_
from c2cbot.domain.web_sign_in import link_minutes
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, ChatCommand
from c2cbot.flows.messages import Outbound
from c2cbot.flows.steps_menu import JOIN_FIRST

log = logging.getLogger(__name__)

LINK_BELOW = N_(
    "Your partnership workspace shows both cities' answers step by step, in your language. "
    "The link below signs you in; it works once, within {minutes} minutes."
)
LINK = N_(
    "Your partnership workspace shows both cities' answers step by step, in your language. "
    "This link signs you in; it works once, within {minutes} minutes: {link}"
)
LINK_LABEL = N_("Open the workspace")
NO_ADDRESS = N_(
    "The partnership workspace opens in a web browser, but this service has no public web "
    "address yet. Please ask its operator to set one up; until then, everything is here in "
    "the chat."
)


async def web(turn: ChatTurn, _argument: str) -> None:
    """The sign-in link, where the person's app can show one; members of a partnership only."""
    if turn.partnership_id is None:
        turn.say(JOIN_FIRST)
        return
    facts, channel = turn.privacy, turn.inbound.channel
    if channel in facts.link_channels:
        path = await _path(turn)
        link = {"path": path, "label": turn.translate(LINK_LABEL)}
        text = turn.translate(LINK_BELOW, minutes=link_minutes())
        turn.replies.append(Outbound(text, extra={"link": link}))
    elif facts.site:
        turn.say(LINK, minutes=link_minutes(), link=f"{facts.site}{await _path(turn)}")
    else:
        turn.say(NO_ADDRESS)
        await turn.reask(menu=False)
        return
    log.info("workspace link offered to person #%d on %s", turn.person.stakeholder_id, channel)
    await turn.reask(menu=False)


async def _path(turn: ChatTurn) -> str:
    return f"/p/sign-in/{await turn.ledger.people.offer_sign_in(turn.person.stakeholder_id)}"


COMMANDS = (
    ChatCommand("web", N_("Your partnership's workspace in a web browser"), Audience.EVERYONE, web),
)
