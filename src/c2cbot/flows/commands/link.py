"""/link CODE in a group chat: a coordinator links the group to their partnership, then
chooses the languages its digests are written in."""

from __future__ import annotations

from c2cbot.domain.text import N_
from c2cbot.flows.actions import GroupLanguages
from c2cbot.flows.commanding import GroupChat, coordinator_role, group_coordinator
from c2cbot.flows.commands.declaration import Audience, Button, GroupCommand
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.ports import InviteProblem

LINKED = N_("This group is now linked to {name}. Which languages should its digests use?")
HOW_TO_LINK = N_("To link this group to your partnership, send /link followed by an invite code.")
UNKNOWN_CODE = N_("I don't know that invite code. Please check it and send it again.")
ONLY_COORDINATORS = N_("Only coordinators of the partnership can do this.")
STALE = N_("That button belongs to an earlier question. Here is where we are now:")
LANGUAGES_SET = N_("Digests in this group will be written in {languages}.")
PAIRS: tuple[tuple[str, ...], ...] = (("en", "zh_Hans"), ("de", "zh_Hans"), ("zh_Hans",), ("en",))


async def link(group: GroupChat, argument: str) -> None:
    """Link the group with an invite code of a partnership its sender coordinates."""
    code = argument.strip()[:64]
    if not code:
        group.say(HOW_TO_LINK)
        return
    target = await group.ledger.chats.invite_target(code.upper(), group.now)
    if isinstance(target, InviteProblem):
        group.say(UNKNOWN_CODE)
        return
    role = await group.ledger.chats.role_in(group.person.stakeholder_id, target.partnership_id)
    if not coordinator_role(role):
        group.say(ONLY_COORDINATORS)
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
        examples=(N_("/link CODE – link this group with an invite code (coordinators)"),),
    ),
)
