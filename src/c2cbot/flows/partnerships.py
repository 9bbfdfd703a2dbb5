"""Which of a person's partnerships the chat is about, and switching between them.

Someone in several partnerships (Milan and Nice have five each) works on one at a time:
the one chosen with /partnership, else the one joined last. Answers, the steps menu and
/status are about that one. A prompt of another partnership switches to it when it is
answered, so the answer lands in the partnership it was asked for.
"""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.ports import Joined

SWITCHED = N_("We now work on the partnership {name}.")
NOT_A_MEMBER = N_("You are not a member of that partnership. Send /partnership to see yours.")
STOPPED_FOR_SWITCH = N_("The step you were in is stopped; everything you answered so far is saved.")


async def switch_to(turn: ChatTurn, partnership_id: int) -> Joined | None:
    """Work on ``partnership_id`` from now on; ``None`` (and why, said) if not a member.

    A step half done belongs to the partnership it was started in, so it stops first.
    """
    if partnership_id == turn.partnership_id:
        return None
    chosen = await turn.ledger.people.choose_partnership(turn.person.stakeholder_id, partnership_id)
    if chosen is None:
        turn.say(NOT_A_MEMBER)
        return None
    if turn.conversation is not None and turn.conversation.step is not None:
        turn.state.update(conv=None, pos=None, trail=[], picked=[], values={})
        turn.say(STOPPED_FOR_SWITCH)
    turn.partnership_id, turn.role = chosen.partnership_id, chosen.role
    turn.say(SWITCHED, name=chosen.title(turn.language))
    return chosen
