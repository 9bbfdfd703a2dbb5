"""The coordinators' people page: who is in the partnership, its invite codes, and the
forms that make and revoke a code and change a member's role.

What may be done is the chat's rules (``domain/roles.py``): the page offers only what
they allow (roles up to the reader's own, no form for their own role or for someone who
outranks them), and the store asks them again when a form arrives. A form's fields are
read here, and what cannot be read is the rule's own refusal (an unreadable number of
uses is "between 1 and 20"), so the page says the same thing the chat would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from c2cbot.clock import Clock
from c2cbot.domain.display import join_list
from c2cbot.domain.people import HELIX_NAMES, BotRole, HelixRole
from c2cbot.domain.roles import (
    INVITE_DAYS,
    INVITE_USES,
    REFUSALS,
    ROLE_NAMES,
    Refusal,
    coordinating,
    known_role,
    rank,
)
from c2cbot.domain.text import N_
from c2cbot.flows.commands.prompt_channel import NAMES as CHANNEL_NAMES
from c2cbot.workspace.facts import Reader
from c2cbot.workspace.overview import Heading, heading
from c2cbot.workspace.people_facts import (
    InviteFacts,
    MadeInvite,
    NewInvite,
    PeopleFacts,
    PeopleStore,
    PersonFacts,
)
from c2cbot.workspace.service import OnlyCoordinators
from c2cbot.workspace.wording import Wording

NEVER = N_("never")
NO_CITY = N_("Without a city")
STATES = {
    "active": N_("active"),
    "used_up": N_("used up"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
}
MAX_FIELD = 64  # characters: a role, a number, a code or an id is never longer


class NotYours(Exception):
    """The partnership does not exist, or the reader is not a member of it."""


@dataclass(frozen=True)
class MemberRow:
    stakeholder_id: int
    name: str
    role: str
    role_words: str
    city: str
    organisation: str
    helix: str
    channels: str
    last_answer: str
    roles: tuple[tuple[str, str], ...]  # (value, words) the reader may give; () = no form


@dataclass(frozen=True)
class InviteRow:
    code: str
    role_words: str
    uses_left: int
    expires: str
    state: str
    state_words: str

    @property
    def revocable(self) -> bool:
        return self.state == "active"


@dataclass(frozen=True)
class PeoplePage:
    heading: Heading
    members: tuple[MemberRow, ...]
    invites: tuple[InviteRow, ...]
    invite_roles: tuple[tuple[str, str], ...]
    most_uses: int
    most_days: int


class PeopleDesk:
    """The page and its three forms for one reader; ``NotYours`` and ``OnlyCoordinators``
    before anything is read further or changed."""

    def __init__(self, store: PeopleStore, clock: Clock) -> None:
        self.store, self.clock = store, clock

    async def page(self, reader: Reader, partnership_id: int, say: Wording) -> PeoplePage:
        facts = await self.store.people(partnership_id, reader.stakeholder_id)
        if facts is None:
            raise NotYours
        if not coordinating(facts.partnership.role):
            raise OnlyCoordinators
        return people_page(facts, reader.stakeholder_id, self.clock(), say)

    async def may_manage(self, reader: Reader, partnership_id: int) -> None:
        """Whether the reader coordinates the partnership: raises if not."""
        role = await self.store.role_of(partnership_id, reader.stakeholder_id)
        if role is None:
            raise NotYours
        if not coordinating(role):
            raise OnlyCoordinators

    async def create_invite(
        self, reader: Reader, partnership_id: int, form: Mapping[str, str]
    ) -> MadeInvite | Refusal:
        await self.may_manage(reader, partnership_id)
        wanted = invite_form(form)
        if isinstance(wanted, Refusal):
            return wanted
        return await self.store.create_invite(partnership_id, reader.stakeholder_id, wanted)

    async def revoke_invite(
        self, reader: Reader, partnership_id: int, form: Mapping[str, str]
    ) -> tuple[str, Refusal | None]:
        """The code as read from the form, and why it was not revoked (``None``: it is)."""
        await self.may_manage(reader, partnership_id)
        code = _field(form, "code").upper()
        if not code.isalnum() or not code.isascii():
            return code, Refusal.NOT_OUR_INVITE
        return code, await self.store.revoke_invite(partnership_id, reader.stakeholder_id, code)

    async def change_role(
        self, reader: Reader, partnership_id: int, form: Mapping[str, str]
    ) -> tuple[int, Refusal | None]:
        """The member's id as read from the form, and why their role stays (``None``: done)."""
        await self.may_manage(reader, partnership_id)
        member, role = _number(_field(form, "member")), _field(form, "role")
        if member is None:
            return 0, Refusal.NOT_A_MEMBER
        if known_role(role) is None:
            return member, Refusal.UNKNOWN_ROLE
        refusal = await self.store.change_role(partnership_id, reader.stakeholder_id, member, role)
        return member, refusal


def invite_form(form: Mapping[str, str]) -> NewInvite | Refusal:
    """The invite asked for, or the first field the rules would refuse."""
    role = _field(form, "role")
    if known_role(role) is None:
        return Refusal.UNKNOWN_ROLE
    uses, days = _number(_field(form, "uses")), _number(_field(form, "days"))
    if uses is None or not 1 <= uses <= INVITE_USES:
        return Refusal.BAD_USES
    if days is None or not 1 <= days <= INVITE_DAYS:
        return Refusal.BAD_DAYS
    return NewInvite(role, uses, days)


def refusal_text(refusal: Refusal, say: Wording) -> str:
    return say(REFUSALS[refusal], uses=INVITE_USES, days=INVITE_DAYS)


def _field(form: Mapping[str, str], name: str) -> str:
    return str(form.get(name, ""))[:MAX_FIELD].strip()


def _number(text: str) -> int | None:
    """A whole number as people type it in a form; anything else (or a huge one) is None."""
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return int(text)


def people_page(facts: PeopleFacts, reader_id: int, now: datetime, say: Wording) -> PeoplePage:
    own = facts.partnership.role
    cities = {city.id: say.named(city.names) for city in facts.partnership.cities}
    return PeoplePage(
        heading(facts.partnership, say),
        tuple(_member(p, own, reader_id, cities, say) for p in facts.people),
        tuple(_invite(i, now, say) for i in facts.invites),
        _roles_up_to(own, say),
        INVITE_USES,
        INVITE_DAYS,
    )


def role_words(role: str, say: Wording) -> str:
    found = known_role(role)
    return say(ROLE_NAMES[found]) if found is not None else role


def _roles_up_to(own: str, say: Wording) -> tuple[tuple[str, str], ...]:
    return tuple((r.value, say(ROLE_NAMES[r])) for r in BotRole if rank(r) <= rank(own))


def _member(
    person: PersonFacts, own: str, reader_id: int, cities: Mapping[int, str], say: Wording
) -> MemberRow:
    changeable = person.stakeholder_id != reader_id and rank(person.role) <= rank(own)
    city = cities.get(person.city_id) if person.city_id is not None else None
    return MemberRow(
        person.stakeholder_id,
        say.person(person.name),
        person.role,
        role_words(person.role, say),
        city or say(NO_CITY),
        person.organisation or "",
        _helix(person.helix_role, say),
        join_list((say(CHANNEL_NAMES.get(c, c)) for c in person.channels), say.language),
        say.day_of(person.last_answer) if person.last_answer else say(NEVER),
        _roles_up_to(own, say) if changeable else (),
    )


def _helix(role: str | None, say: Wording) -> str:
    try:
        return say(HELIX_NAMES[HelixRole(role)]) if role else ""
    except ValueError:
        return ""


def _invite(invite: InviteFacts, now: datetime, say: Wording) -> InviteRow:
    state = invite_state(invite, now)
    return InviteRow(
        invite.code,
        role_words(invite.role, say),
        max(invite.uses_left, 0),
        say.day_of(invite.expires_at),
        state,
        say(STATES[state]),
    )


def invite_state(invite: InviteFacts, now: datetime) -> str:
    """Revoked before expired: revoking a code also makes it expire at that moment."""
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "used_up" if invite.uses_left <= 0 else "active"


INVITE_MADE = N_("New invite code")
INVITE_TERMS = N_("Uses left: {uses}. Valid until {date}. The table below lists it too.")
INVITE_HOW = N_(
    "On Telegram, WeChat or WeCom they send /start {code} to the bot; in the browser chat "
    "({link}) they send the same."
)
REVOKED = N_("The invite code {code} is revoked: it no longer works.")  # the chat's words
ROLE_CHANGED = N_("{name} is now {role}.")


@dataclass(frozen=True)
class Notice:
    """What the page says once after a form worked: the new code, or what changed."""

    lines: tuple[str, ...]
    code: str | None = None  # a new invite code, shown large to be copied
    title: str | None = None


def notice(kind: str, value: str, page: PeoplePage, chat_link: str, say: Wording) -> Notice | None:
    """The one-time message of a form that worked (``kind``: made, revoked, role);
    ``None`` for anything this page did not send, such as an edited cookie."""
    if kind == "made":
        made = next((i for i in page.invites if i.code == value), None)
        if made is None:
            return None
        return Notice(
            (
                say(INVITE_TERMS, uses=made.uses_left, date=made.expires),
                say(INVITE_HOW, code=made.code, link=chat_link),
            ),
            made.code,
            say(INVITE_MADE),
        )
    if kind == "revoked" and any(i.code == value for i in page.invites):
        return Notice((say(REVOKED, code=value),))
    member = next((m for m in page.members if str(m.stakeholder_id) == value), None)
    if kind == "role" and member is not None:
        return Notice((say(ROLE_CHANGED, name=member.name, role=member.role_words),))
    return None
