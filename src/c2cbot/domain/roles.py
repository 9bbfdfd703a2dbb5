"""Who may bring whom into a partnership, and who may change whose role.

The chat (/invite, /invites, an invite redeemed) and the coordinators' people page in the
workspace ask these same functions, so both refuse the same things for the same reason.
A refusal is a ``Refusal``; ``REFUSALS`` says it in words people read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from c2cbot.domain.people import BotRole, may_invite
from c2cbot.domain.text import N_

#: The most people one invite code lets in, and the longest it stays valid: what the
#: chat's /invite makes, so a page cannot make a code the chat would not.
INVITE_USES = 20
INVITE_DAYS = 14

ROLE_NAMES: dict[BotRole, str] = {
    BotRole.MEMBER: N_("member"),
    BotRole.COORDINATOR: N_("coordinator"),
    BotRole.ADMIN: N_("administrator"),
}


class Refusal(StrEnum):
    UNKNOWN_ROLE = "unknown_role"
    ABOVE_OWN_RANK = "above_own_rank"
    NOT_A_MEMBER = "not_a_member"
    OWN_ROLE = "own_role"
    OUTRANKS_YOU = "outranks_you"
    LAST_COORDINATOR = "last_coordinator"
    BAD_USES = "bad_uses"
    BAD_DAYS = "bad_days"
    NOT_OUR_INVITE = "not_our_invite"


REFUSALS: dict[Refusal, str] = {
    Refusal.UNKNOWN_ROLE: N_("There is no such role."),
    Refusal.ABOVE_OWN_RANK: N_("You cannot give a role above your own."),
    Refusal.NOT_A_MEMBER: N_("That person is not a member of this partnership."),
    Refusal.OWN_ROLE: N_("You cannot change your own role: ask another coordinator."),
    Refusal.OUTRANKS_YOU: N_("Only an administrator can change an administrator's role."),
    Refusal.LAST_COORDINATOR: N_(
        "This is the last coordinator of their city: make someone else of the city "
        "coordinator first."
    ),
    Refusal.BAD_USES: N_("An invite code lets in between 1 and {uses} people."),
    Refusal.BAD_DAYS: N_("An invite code stays valid between 1 and {days} days."),
    Refusal.NOT_OUR_INVITE: N_("That is not an invite code of your partnership that still works."),
}


def rank(role: str) -> int:
    """A role's weight: an invite never lowers the role someone already has."""
    return {"member": 0, "coordinator": 1, "admin": 2}.get(role, 0)


def coordinating(role: str | None) -> bool:
    """Whether a membership role invites and changes roles; unknown roles do not."""
    found = known_role(role) if role is not None else None
    return found is not None and may_invite(found)


def known_role(text: str) -> BotRole | None:
    try:
        return BotRole(text)
    except ValueError:
        return None


def invite_refusal(own_role: str, role: str, uses: int, days: int) -> Refusal | None:
    """Why someone with ``own_role`` may not make this invite code, or ``None``."""
    if not coordinating(own_role):
        return Refusal.ABOVE_OWN_RANK
    if known_role(role) is None:
        return Refusal.UNKNOWN_ROLE
    if rank(role) > rank(own_role):
        return Refusal.ABOVE_OWN_RANK
    if not 1 <= uses <= INVITE_USES:
        return Refusal.BAD_USES
    if not 1 <= days <= INVITE_DAYS:
        return Refusal.BAD_DAYS
    return None


@dataclass(frozen=True)
class RoleChange:
    """Who asks to give whom which role, with what the rules need to know.

    ``target_role`` is ``None`` when the person is not a member of the partnership;
    ``others_coordinating`` counts the coordinators and admins of the target's city
    (people without a city count as one city) other than the target.
    """

    actor_id: int
    actor_role: str
    target_id: int
    target_role: str | None
    new_role: str
    others_coordinating: int


def role_change_refusal(change: RoleChange) -> Refusal | None:
    """Why this role change may not happen, or ``None`` (also when nothing would change)."""
    if change.target_role is None:
        return Refusal.NOT_A_MEMBER
    if known_role(change.new_role) is None:
        return Refusal.UNKNOWN_ROLE
    if change.target_id == change.actor_id:
        return Refusal.OWN_ROLE
    if not coordinating(change.actor_role) or rank(change.new_role) > rank(change.actor_role):
        return Refusal.ABOVE_OWN_RANK
    if rank(change.target_role) > rank(change.actor_role):
        return Refusal.OUTRANKS_YOU
    if change.new_role == change.target_role:
        return None
    if coordinating(change.target_role) and not coordinating(change.new_role):
        return Refusal.LAST_COORDINATOR if change.others_coordinating == 0 else None
    return None
