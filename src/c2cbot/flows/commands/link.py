"""/link in a group chat: a coordinator links the group to their partnership, then
chooses the languages its digests are written in.

Plain ``/link`` links the partnership the coordinator works on (``/partnership`` in a
private chat switches it), so no invite code needs to be shown in the group. A code sent
anyway (``/link CODE``, as before) still picks the partnership, but everyone in the group
has seen it, so it stops working. A group already linked to a partnership moves to
another only at the word of a coordinator of the one it belongs to, or of someone the
platform says administers the group: anyone else could take its digests away.
"""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.actions import GroupLanguages
from c2cbot.flows.commanding import GroupChat, coordinator_role, group_coordinator
from c2cbot.flows.commands.declaration import Audience, Button, GroupCommand
from c2cbot.flows.invites import INVITE_PROBLEMS
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.ports import InviteProblem, Joined

LINKED = N_("This group is now linked to {name}. Which languages should its digests use?")
HOW_TO_LINK = N_(
    "To link this group to your partnership, a coordinator sends /link here. It links the "
    "partnership you work on in your private chat with me (switch it there with /partnership)."
)
CODE_SHOWN = N_(
    "Everyone in this group has seen that invite code, so it no longer works. "
    "Next time, just send /link."
)
TAKEN = N_(
    "This group is linked to another partnership. Only a coordinator of that partnership "
    "or an administrator of this group can link it elsewhere."
)
ONLY_COORDINATORS = N_("Only coordinators of the partnership can do this.")
STALE = N_("That button belongs to an earlier question. Here is where we are now:")
LANGUAGES_SET = N_("Digests in this group will be written in {languages}.")
PAIRS: tuple[tuple[str, ...], ...] = (("en", "zh_Hans"), ("de", "zh_Hans"), ("zh_Hans",), ("en",))


async def link(group: GroupChat, argument: str) -> None:
    """Link the group to a partnership its sender coordinates, if the group may move."""
    code = argument.strip()[:64]
    target = await (_shown_code(group, code) if code else _worked_on(group))
    if target is None:
        return
    role = await group.ledger.chats.role_in(group.person.stakeholder_id, target.partnership_id)
    if not coordinator_role(role):
        group.say(ONLY_COORDINATORS)
        return
    if not await _may_move(group, target.partnership_id):
        group.say(TAKEN)
        return
    inbound = group.inbound
    await group.ledger.chats.link_group(
        inbound.channel,
        inbound.chat_id,
        target.partnership_id,
        list(PAIRS[0]),
        group.person.stakeholder_id,
    )
    linked = group.translate(LINKED, name=target.title(group.person.language))
    group.replies.append(Outbound(linked, _pair_choices(group)))


async def _worked_on(group: GroupChat) -> Joined | None:
    """The partnership the sender works on, if they coordinate it (else say how to link)."""
    person = group.person
    if person.partnership_id is None:
        group.say(HOW_TO_LINK)
        return None
    for joined in await group.ledger.people.memberships(person.stakeholder_id):
        if joined.partnership_id == person.partnership_id:
            return joined
    group.say(HOW_TO_LINK)
    return None


async def _shown_code(group: GroupChat, code: str) -> Joined | None:
    """The code's partnership; a real code is revoked, since the whole group has seen it."""
    ledger, person = group.ledger, group.person
    target = await ledger.chats.invite_target(
        code.upper(), group.now, person.stakeholder_id, group.inbound.origin
    )
    if isinstance(target, InviteProblem):
        problem = InviteProblem.UNKNOWN if target is InviteProblem.EXPIRED else target
        group.say(INVITE_PROBLEMS[problem])
        return None
    await ledger.chats.revoke_invite(target.partnership_id, code.upper(), group.now)
    group.say(CODE_SHOWN)
    return target


async def _may_move(group: GroupChat, partnership_id: int) -> bool:
    """A new group, the same partnership, its coordinator, or the group's administrator."""
    inbound, chats = group.inbound, group.ledger.chats
    current = await chats.group_partnership(inbound.channel, inbound.chat_id)
    if current is None or current == partnership_id or inbound.group_admin:
        return True
    return coordinator_role(await chats.role_in(group.person.stakeholder_id, current))


async def choose_languages(group: GroupChat, action: GroupLanguages) -> None:
    """A language pair tapped after /link (coordinators of the group's partnership)."""
    names = group.texts.languages
    if action.codes not in PAIRS or not all(c in names for c in action.codes):
        group.say(STALE)
        return
    if not await group_coordinator(group):
        group.say(ONLY_COORDINATORS)
        return
    inbound = group.inbound
    await group.ledger.chats.set_group_languages(
        inbound.channel, inbound.chat_id, list(action.codes)
    )
    group.say(LANGUAGES_SET, languages=" + ".join(names[c] for c in action.codes))


def _pair_choices(group: GroupChat) -> tuple[Choice, ...]:
    names = group.texts.languages
    pairs = [p for p in PAIRS if all(code in names for code in p)]
    return tuple(Choice(GroupLanguages(p).encode(), " + ".join(names[c] for c in p)) for p in pairs)


GROUP_COMMANDS = (
    GroupCommand(
        "link",
        N_("Link a group chat to your partnership (in groups)"),
        Audience.GROUPS,
        link,
        buttons=(Button(GroupLanguages, choose_languages),),
        examples=(N_("/link – link this group to the partnership you work on (coordinators)"),),
    ),
)
