"""/digest: this week's digest, or the last meeting's (``/digest meeting``).

In a private chat it is shown to the person, in their language. In a group chat a
coordinator posts it there, in the group's languages, and ``/digest time Friday 17:30
Europe/Berlin`` moves the group's weekly digest (``flows/digest_times.py``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import digest_times, steps_menu
from c2cbot.flows.commanding import ChatTurn, GroupChat, group_coordinator
from c2cbot.flows.commands.declaration import Audience, ChatCommand, GroupCommand
from c2cbot.flows.meeting_hooks import meeting_zone
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import DigestChat

ONLY_COORDINATORS = N_("Only coordinators of the partnership can do this.")
DIGEST_TIME_SET = N_(
    "The weekly digest will be posted in this group every {weekday} at {time} ({zone})."
)
MEETING_DIGEST = N_("/digest meeting – the last meeting's digest")
NO_MEETING = N_("No meeting notes have been recorded for your partnership yet.")
_TIME_WORDS = ("time", "zeit", "时间")


async def digest(turn: ChatTurn, argument: str) -> None:
    """The digest for the person's own chat, then the question they were at."""
    if turn.partnership_id is None:
        await steps_menu.show(turn)
        return
    chat = DigestChat(turn.inbound.channel, turn.inbound.chat_id, (turn.language,))
    if argument.strip().lower() == "meeting":
        found = await turn.digests.last_meeting(turn.ledger, turn.partnership_id, chat, turn.now)
        turn.replies += found if found is not None else [Outbound(turn.translate(NO_MEETING))]
    else:
        today = turn.now.astimezone(ZoneInfo(await meeting_zone(turn))).date()
        turn.replies += await turn.digests.week(turn.ledger, turn.partnership_id, chat, today)
    await turn.reask(menu=False)


async def group_digest(group: GroupChat, argument: str) -> None:
    """Post the digest into the group, or set when its weekly digest comes (coordinators)."""
    words = argument.lower().split()
    if words and words[0] in _TIME_WORDS:
        await _digest_time(group, argument.strip().partition(" ")[2])
    else:
        await _post_here(group, argument.strip().lower() == "meeting")


async def _post_here(group: GroupChat, meeting: bool) -> None:
    """This week's digest, or the last meeting's, in the group's languages."""
    inbound = group.inbound
    partnership_id = await group.ledger.chats.group_partnership(inbound.channel, inbound.chat_id)
    if partnership_id is None or not await group_coordinator(group):
        group.say(ONLY_COORDINATORS)
        return
    chats = await group.ledger.meetings.digest_chats(partnership_id)
    chat = next(c for c in chats if (c.channel, c.chat_id) == (inbound.channel, inbound.chat_id))
    if meeting:
        found = await group.digests.last_meeting(group.ledger, partnership_id, chat, group.now)
        group.replies += found if found is not None else [Outbound(group.translate(NO_MEETING))]
        return
    zone = await group.ledger.meetings.meeting_zone(
        group.person.stakeholder_id, partnership_id, None
    )
    today = group.now.astimezone(ZoneInfo(zone)).date()
    group.replies += await group.digests.week(group.ledger, partnership_id, chat, today)


async def _digest_time(group: GroupChat, argument: str) -> None:
    """Set the weekday, local time and optionally zone of the group's weekly digest."""
    if not await group_coordinator(group):
        group.say(ONLY_COORDINATORS)
        return
    try:
        chosen = digest_times.parse_digest_time(argument)
    except InvalidValue as error:
        group.say(error.reason, **error.params)
        return
    inbound = group.inbound
    zone = await group.ledger.digest_times.set_digest_time(
        inbound.channel, inbound.chat_id, chosen.weekday, chosen.at, chosen.zone
    )
    weekday = group.translate(digest_times.WEEKDAY_NAMES[chosen.weekday - 1])
    group.say(DIGEST_TIME_SET, weekday=weekday, time=chosen.at, zone=zone or "UTC")


COMMANDS = (
    ChatCommand(
        "digest",
        N_("This week's digest"),
        Audience.EVERYONE,
        digest,
        examples=(MEETING_DIGEST,),
    ),
)
GROUP_COMMANDS = (
    GroupCommand(
        "digest",
        N_("Post this week's digest here (coordinators)"),
        Audience.GROUPS,
        group_digest,
        examples=(
            MEETING_DIGEST,
            N_(
                "/digest time Monday 09:00 Europe/Berlin – when the weekly digest comes "
                "(coordinators; the time zone may be left out)"
            ),
        ),
    ),
)
