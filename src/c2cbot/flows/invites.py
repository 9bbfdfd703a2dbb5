"""Joining a partnership with an invite code: after /start, or at onboarding's invite question.

The same concept as ``store/invites.py``, one layer up: this module reads the code in a
chat and says what happened; that one makes, checks and redeems the codes.
"""

from __future__ import annotations

import re

from c2cbot.domain import values
from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.ports import InviteProblem, Joined

INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_("I don't know that invite code. Please check it and send it again."),
    InviteProblem.EXPIRED: N_(
        "That invite code has expired. Please ask your coordinator for a new one."
    ),
    InviteProblem.USED_UP: N_(
        "That invite code has been used up. Please ask your coordinator for a new one."
    ),
    InviteProblem.TOO_MANY: N_(
        "Too many invite codes were tried. Please wait an hour and try again, "
        "or ask your coordinator."
    ),
}
WELCOME = N_("Welcome to the partnership {name}!")


async def redeem(turn: ChatTurn, text: str) -> Joined | None:
    """Join the partnership of the code in ``text``; ``None`` (and why, said) if it fails.

    Codes are read leniently (spaces, dashes and lower case are how people copy them).
    """
    code = re.sub(r"[^A-Z0-9]", "", values.normalise(text).upper())[:32]
    person, origin = turn.person.stakeholder_id, turn.inbound.origin
    result = await turn.ledger.people.redeem_invite(code, person, turn.now, origin)
    if isinstance(result, InviteProblem):
        turn.say(INVITE_PROBLEMS[result])
        return None
    turn.partnership_id, turn.role = result.partnership_id, result.role
    turn.say(WELCOME, name=result.title(turn.language))
    return result
