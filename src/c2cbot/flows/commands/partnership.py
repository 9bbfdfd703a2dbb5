"""/partnership: the person's partnerships, and which one the chat is about.

``/partnership`` lists them with buttons (numbers on WeChat and WeCom), the current one
marked; ``/partnership 2`` or ``/partnership Milan`` switches by number or name.
"""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import answering, partnerships, steps_menu
from c2cbot.flows.actions import ChoosePartnership
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.ports import Joined

NONE_YET = N_("You are not in a partnership yet: send /start followed by your invite code.")
ONLY_ONE = N_(
    "You work on one partnership: {name}. An invite code from another partnership's "
    "coordinator adds one more: send /start followed by the code."
)
WHICH = N_("Your partnerships. We now work on {name}. Which one shall we work on?")
CURRENT = " ✓"


async def partnership(turn: ChatTurn, argument: str) -> None:
    mine = await turn.ledger.people.memberships(turn.person.stakeholder_id)
    if not argument.strip() or len(mine) < 2:
        _list(turn, mine)
        return
    chosen = _named(mine, argument, turn.language)
    if chosen is None:
        turn.say(partnerships.NOT_A_MEMBER)
        return
    await choose(turn, ChoosePartnership(chosen))


def _named(mine: list[Joined], argument: str, language: str) -> int | None:
    """The partnership typed: its number in the list, its name, or one city of it."""
    options = [answering.Option(str(m.partnership_id), m.title(language)) for m in mine]
    try:
        return int(answering.parse_choice(options, argument).id)
    except InvalidValue:
        wanted = argument.strip().casefold()
        found = [o for o in options if wanted and wanted in o.label.casefold()]
        return int(found[0].id) if len(found) == 1 else None


def _list(turn: ChatTurn, mine: list[Joined]) -> None:
    current = next((m for m in mine if m.partnership_id == turn.partnership_id), None)
    if current is None:
        turn.say(NONE_YET)
    elif len(mine) == 1:
        turn.say(ONLY_ONE, name=current.title(turn.language))
    else:
        choices = tuple(_choice(turn, m) for m in mine)
        text = turn.translate(WHICH, name=current.title(turn.language))
        turn.replies.append(Outbound(text, choices))


def _choice(turn: ChatTurn, member: Joined) -> Choice:
    mark = CURRENT if member.partnership_id == turn.partnership_id else ""
    action = ChoosePartnership(member.partnership_id).encode()
    return Choice(action, member.title(turn.language) + mark)


async def choose(turn: ChatTurn, action: ChoosePartnership) -> None:
    """A partnership chosen from the list: work on it, and show its steps."""
    if (
        action.partnership_id == turn.partnership_id
        or await partnerships.switch_to(turn, action.partnership_id) is not None
    ):
        await steps_menu.show(turn)


COMMANDS = (
    ChatCommand(
        "partnership",
        N_("Your partnerships, and which one we work on"),
        Audience.EVERYONE,
        partnership,
        buttons=(Button(ChoosePartnership, choose),),
        examples=(N_("/partnership 2 – work on your second partnership"),),
    ),
)
