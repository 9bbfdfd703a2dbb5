"""/channel: which of a person's linked apps their prompts and reminders go to.

Replies always go to the chat a message came from; prompts go to the chosen app while
it can reach the person, else to the one they wrote on last, and a prompt an app cannot
deliver (WeChat's 48-hour window closed, the bot blocked) goes once to the next linked
app (``store/rerouting.py``). The list is the chat's last message, so on WeChat and
WeCom a typed number picks from it, as ``/channel 2`` does anywhere.
"""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.actions import PreferChannel
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.link_ports import LinkedChannel
from c2cbot.flows.messages import Choice, Outbound

NAMES = {
    "telegram": N_("Telegram"),
    "wechat": N_("WeChat"),
    "wecom": N_("WeCom"),
    "web": N_("browser chat"),
}
LIST = N_(
    "Prompts and reminders go to the app marked ★; when it cannot reach you, to the next "
    "one. Choose another one, or send /channel with its number, for example /channel 2."
)
ONLY_ONE = N_(
    "Only this app is linked to you, so prompts come here. To link another one, send /connect."
)
THIS_CHAT = N_("{channel} (this chat)")
CHOSEN = N_("From now on prompts and reminders go to {channel}.")
NO_SUCH = N_("You have no linked app with that number. Send /channel to see the list.")
PREFERRED = " ★"


async def channel(turn: ChatTurn, argument: str) -> None:
    """The linked apps to choose from; ``/channel 2`` chooses the second."""
    linked = await _linked(turn)
    if not argument:
        _offer(turn, linked)
        return
    number = int(argument) if argument.isascii() and argument.isdigit() else 0
    if not 1 <= number <= len(linked):
        turn.say(NO_SUCH)
    else:
        await _choose(turn, linked[number - 1])
    await turn.reask(menu=False)


async def chosen(turn: ChatTurn, action: PreferChannel) -> None:
    linked = await _linked(turn)
    found = next((c for c in linked if c.identity_id == action.identity_id), None)
    if found is None:
        turn.say(NO_SUCH)
    else:
        await _choose(turn, found)
    await turn.reask(menu=False)


def _offer(turn: ChatTurn, linked: list[LinkedChannel]) -> None:
    """The list stays the last message, so a number typed under it picks from it."""
    if len(linked) < 2:
        turn.say(ONLY_ONE)
        return
    choices = tuple(
        Choice(
            PreferChannel(c.identity_id).encode(),
            _label(turn, c) + (PREFERRED if c.prompts_here else ""),
        )
        for c in linked
    )
    turn.replies.append(Outbound(turn.translate(LIST), choices))


async def _linked(turn: ChatTurn) -> list[LinkedChannel]:
    return await turn.ledger.links.channels(turn.inbound.channel, turn.inbound.external_id)


async def _choose(turn: ChatTurn, linked: LinkedChannel) -> None:
    await turn.ledger.links.prefer(turn.person.stakeholder_id, linked.identity_id)
    turn.say(CHOSEN, channel=_name(turn, linked.channel))


def _label(turn: ChatTurn, linked: LinkedChannel) -> str:
    name = _name(turn, linked.channel)
    return turn.translate(THIS_CHAT, channel=name) if linked.here else name


def _name(turn: ChatTurn, channel: str) -> str:
    return turn.translate(NAMES[channel]) if channel in NAMES else channel


COMMANDS = (
    ChatCommand(
        "channel",
        N_("Choose the app your prompts go to"),
        Audience.EVERYONE,
        channel,
        buttons=(Button(PreferChannel, chosen),),
    ),
)
