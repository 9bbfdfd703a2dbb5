"""/invite: a coordinator makes an invite code (and a link) for colleagues to join with."""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, ChatCommand
from c2cbot.flows.messages import Outbound

INVITE_USES = 20
INVITE_MADE = N_(
    "Invite code: {code}\n"
    "It works for {uses} people until {date}. They send /start {code} to me, "
    "or open the link below."
)


async def invite(turn: ChatTurn, _argument: str) -> None:
    """A member's invite code for the coordinator's partnership, with a link where possible."""
    assert turn.partnership_id is not None  # the registry lets only coordinators in
    invitation = await turn.ledger.chats.create_invite(
        turn.partnership_id, "member", INVITE_USES, turn.person.stakeholder_id, turn.now
    )
    when = turn.texts.format_date(turn.language, invitation.expires_at.date())
    turn.say(INVITE_MADE, code=invitation.code, uses=invitation.uses, date=when)
    if turn.inbound.private_link:
        turn.replies.append(Outbound(f"{turn.inbound.private_link}?start={invitation.code}"))
    await turn.reask(menu=False)


COMMANDS = (
    ChatCommand("invite", N_("Invite colleagues (coordinators)"), Audience.COORDINATORS, invite),
)
