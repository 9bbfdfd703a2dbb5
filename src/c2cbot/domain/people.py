"""Who takes part: helix roles, roles in the bot, and the sides of a partnership."""

from enum import StrEnum

from c2cbot.domain.text import N_


class HelixRole(StrEnum):
    GOVERNMENT = "government"
    INDUSTRY = "industry"
    ACADEMIA = "academia"
    CIVIL_SOCIETY = "civil_society"


HELIX_NAMES: dict[HelixRole, str] = {
    HelixRole.GOVERNMENT: N_("Government or public body"),
    HelixRole.INDUSTRY: N_("Industry"),
    HelixRole.ACADEMIA: N_("Academia and research"),
    HelixRole.CIVIL_SOCIETY: N_("Civil society"),
}


class BotRole(StrEnum):
    """What a person may do in a partnership; coordinators invite and approve."""

    MEMBER = "member"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Side(StrEnum):
    EU = "eu"
    CN = "cn"


def may_invite(role: BotRole) -> bool:
    """Only coordinators and admins bring new people into a partnership."""
    return role in (BotRole.COORDINATOR, BotRole.ADMIN)
