"""What the coordinators' people page reads and asks of the store: plain data, a port.

``store/workspace_people.py`` implements ``PeopleStore``. Each read and each change takes
the reader: a read comes back ``None`` when they are not a member of the partnership
(as for one that does not exist); a change checks the reader's role again in its own
transaction, and one the rules refuse comes back as the ``Refusal`` (``domain/roles.py``)
with nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c2cbot.domain.roles import Refusal
from c2cbot.workspace.facts import PartnershipFacts


@dataclass(frozen=True)
class PersonFacts:
    """A member as the page lists them: no chat ids or handles, only channels' names."""

    stakeholder_id: int
    name: str | None
    role: str
    city_id: int | None
    organisation: str | None
    helix_role: str | None
    channels: tuple[str, ...]  # "telegram", "wechat", "wecom", "web"
    last_answer: datetime | None


@dataclass(frozen=True)
class InviteFacts:
    code: str
    role: str
    uses_left: int
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class PeopleFacts:
    partnership: PartnershipFacts  # with the reader's role and the partnership's cities
    people: tuple[PersonFacts, ...]
    invites: tuple[InviteFacts, ...]  # newest first


@dataclass(frozen=True)
class NewInvite:
    """An invite code as the coordinator asked for it (checked by ``invite_refusal``)."""

    role: str
    uses: int
    days: int


@dataclass(frozen=True)
class MadeInvite:
    code: str
    expires_at: datetime


class PeopleStore(Protocol):
    async def people(self, partnership_id: int, stakeholder_id: int) -> PeopleFacts | None: ...

    async def create_invite(
        self, partnership_id: int, stakeholder_id: int, wanted: NewInvite
    ) -> MadeInvite | Refusal: ...

    async def revoke_invite(
        self, partnership_id: int, stakeholder_id: int, code: str
    ) -> Refusal | None:
        """``Refusal.NOT_OUR_INVITE`` for a code of another partnership or none."""

    async def change_role(
        self, partnership_id: int, stakeholder_id: int, member_id: int, role: str
    ) -> Refusal | None: ...

    async def role_of(self, partnership_id: int, stakeholder_id: int) -> str | None:
        """The reader's role in the partnership, ``None`` if they are not a member."""
