"""/invite: a coordinator makes an invite code (and a link) for colleagues to join with."""

from __future__ import annotations

from c2cbot.domain.roles import INVITE_USES
from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, ChatCommand

INVITE_MADE = N_(
    "Invite code: {code}\nIt works for {uses} people until {date}. They send /start {code} to me."
)
INVITE_LINK = N_("Or they open this link: {link}")
"""Said only where the channel has a link that joins with the code (Telegram's t.me
link): the browser chat and WeChat have none, and the text promised one anyway."""


async def invite(turn: ChatTurn, _argument: str) -> None:
    """A member's invite code for the coordinator's partnership, with a link where possible."""
    assert turn.partnership_id is not None  # the registry lets only coordinators in
    invitation = await turn.ledger.chats.create_invite(
        turn.partnership_id, "member", INVITE_USES, turn.person.stakeholder_id, turn.now
    )
    when = turn.texts.format_date(turn.language, invitation.expires_at.date())
    turn.say(INVITE_MADE, code=invitation.code, uses=invitation.uses, date=when)
    if turn.inbound.private_link:
        turn.say(INVITE_LINK, link=f"{turn.inbound.private_link}?start={invitation.code}")
    await turn.reask(menu=False)


COMMANDS = (
    ChatCommand("invite", N_("Invite colleagues (coordinators)"), Audience.COORDINATORS, invite),
)
