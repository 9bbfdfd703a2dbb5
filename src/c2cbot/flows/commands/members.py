"""/members and /invites: coordinators see who is in the partnership and which invite
codes still work, and revoke one, without asking the operator.

A revoked code expires at once: whoever sends it afterwards hears that it has expired,
and people who already joined with it stay members.
"""

from __future__ import annotations

from collections.abc import Iterable

from c2cbot.domain import display
from c2cbot.domain.roles import REFUSALS, Refusal
from c2cbot.domain.text import N_
from c2cbot.flows.actions import RevokeInvite
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.plan_ports import Member
from c2cbot.flows.ports import Invitation

MEMBERS = N_("Members of the partnership:")
NO_CITY = N_("Without a city")
COORDINATOR = N_("coordinator")
NO_INVITES = N_("No invite code of the partnership works now. Send /invite to make one.")
INVITES = N_(
    "Invite codes that work now. To stop one working, tap it or send /invites revoke "
    "followed by the code."
)
INVITE_LINE = N_("{code}: {role}, {uses} uses left, until {date}")
MEMBER_ROLE = N_("member")
REVOKED = N_("The invite code {code} is revoked: it no longer works.")
NOT_OURS = REFUSALS[Refusal.NOT_OUR_INVITE]  # the workspace refuses it in the same words


async def members(turn: ChatTurn, _argument: str) -> None:
    """Both cities' members, each city on a line, coordinators marked."""
    assert turn.partnership_id is not None  # the registry lets only coordinators in
    found = await turn.ledger.plan.members(turn.partnership_id)
    lines = [turn.translate(MEMBERS)]
    for city, people in _by_city(turn, found).items():
        names = display.join_list((_named(turn, m) for m in people), turn.language)
        lines.append(f"• {city}{display.colon(turn.language)}{names}")
    turn.replies.append(Outbound("\n".join(lines)))
    await turn.reask(menu=False)


def _by_city(turn: ChatTurn, found: Iterable[Member]) -> dict[str, list[Member]]:
    cities: dict[str, list[Member]] = {}
    for member in found:
        names = member.city_names
        city = names.get(turn.language[:2]) or names.get("en") or turn.translate(NO_CITY)
        cities.setdefault(city, []).append(member)
    return cities


def _named(turn: ChatTurn, member: Member) -> str:
    if member.role == "member":
        return member.name
    return member.name + display.parenthesised(turn.translate(COORDINATOR), turn.language)


async def invites(turn: ChatTurn, argument: str) -> None:
    """The codes that still work, each a button that revokes it; ``/invites revoke CODE``."""
    assert turn.partnership_id is not None
    words = argument.split()
    if len(words) == 2 and words[0].lower() == "revoke":
        await revoke(turn, RevokeInvite(words[1]))
        return
    found = await turn.ledger.chats.open_invites(turn.partnership_id, turn.now)
    if not found:
        turn.say(NO_INVITES)
    else:
        choices = tuple(Choice(RevokeInvite(i.code).encode(), _line(turn, i)) for i in found)
        turn.replies.append(Outbound(turn.translate(INVITES), choices))


def _line(turn: ChatTurn, invitation: Invitation) -> str:
    role = COORDINATOR if invitation.role != "member" else MEMBER_ROLE
    day = turn.texts.format_date(turn.language, invitation.expires_at.date())
    return turn.translate(
        INVITE_LINE, code=invitation.code, role=turn.translate(role), uses=invitation.uses, date=day
    )


async def revoke(turn: ChatTurn, action: RevokeInvite) -> None:
    assert turn.partnership_id is not None
    if await turn.ledger.chats.revoke_invite(turn.partnership_id, action.code, turn.now):
        turn.say(REVOKED, code=action.code)
    else:
        turn.say(NOT_OURS)


COMMANDS = (
    ChatCommand(
        "members", N_("The partnership's members (coordinators)"), Audience.COORDINATORS, members
    ),
    ChatCommand(
        "invites",
        N_("Invite codes that work now, and revoking one (coordinators)"),
        Audience.COORDINATORS,
        invites,
        buttons=(Button(RevokeInvite, revoke),),
        examples=(N_("/invites revoke CODE – the code stops working (coordinators)"),),
    ),
)
