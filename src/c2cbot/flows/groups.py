"""Commands in a partnership's group chat: linking it, and its languages for digests.

In a group the bot answers only commands addressed to it; conversations happen in
private chats, so group members are pointed there.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from c2cbot.domain.people import BotRole, may_invite
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import digest_previews as previews
from c2cbot.flows import digest_times
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.ports import InviteProblem, Ledger, Person
from c2cbot.flows.texts import Texts

LINKED = N_("This group is now linked to {name}. Which languages should its digests use?")
DIGEST_TIME_SET = N_(
    "The weekly digest will be posted in this group every {weekday} at {time} ({zone})."
)
GROUP_HELP = N_(
    "In this group I post the partnership's meeting and weekly digests. "
    "Conversations happen in a private chat with me.\n\n"
    "/link CODE – link this group to your partnership (coordinators)\n"
    "/digest – post this week's digest here (/digest meeting: the last meeting's)\n"
    "/digest time Monday 09:00 Europe/Berlin – when the weekly digest comes "
    "(coordinators; the time zone may be left out)\n"
    "/help – this message"
)
PAIRS: tuple[tuple[str, ...], ...] = (("en", "zh_Hans"), ("de", "zh_Hans"), ("zh_Hans",), ("en",))


class GroupTurn:
    """Handles one command sent in a group chat, inside the engine's transaction."""

    def __init__(
        self, ledger: Ledger, person: Person, inbound: Inbound, texts: Texts, now: datetime
    ) -> None:
        self.ledger, self.person, self.inbound, self.texts, self.now = (
            ledger,
            person,
            inbound,
            texts,
            now,
        )
        self.replies: list[Outbound] = []

    def _(self, message: str, **params: object) -> str:
        translated = self.texts.gettext(self.person.language, message)
        return translated.format(**params) if params else translated

    def say(self, message: str, **params: object) -> None:
        self.replies.append(Outbound(self._(message, **params)))

    async def run(self) -> None:
        if self.inbound.action and self.inbound.action.startswith("g:"):
            await self._languages(self.inbound.action[2:].split("+"))
            return
        word, _, argument = (self.inbound.text or "").strip()[1:].partition(" ")
        command = word.split("@", 1)[0].lower()
        if command == "link":
            await self._link(argument.strip()[:64])
        elif command == "digest" and argument.lower().split()[:1] in (["time"], ["zeit"], ["时间"]):
            await self._digest_time(argument.strip().partition(" ")[2])
        elif command == "digest":
            await self._digest(argument.strip().lower() == "meeting")
        elif command == "help":
            self.say(GROUP_HELP)
        else:
            self._point_to_private_chat()

    def _point_to_private_chat(self) -> None:
        link = self.inbound.private_link
        if link:
            self.say(
                N_("Let's talk in a private chat, so the group stays quiet: {link}"), link=link
            )
        else:
            self.say(N_("Let's talk in a private chat, so the group stays quiet."))

    async def _link(self, code: str) -> None:
        if not code:
            self.say(
                N_("To link this group to your partnership, send /link followed by an invite code.")
            )
            return
        target = await self.ledger.invite_target(code.upper(), self.now)
        if isinstance(target, InviteProblem):
            self.say(N_("I don't know that invite code. Please check it and send it again."))
            return
        role = await self.ledger.role_in(self.person.stakeholder_id, target.partnership_id)
        if role is None or not may_invite(BotRole(role)):
            self.say(N_("Only coordinators of the partnership can do this."))
            return
        await self.ledger.link_group(
            self.inbound.channel,
            self.inbound.chat_id,
            target.partnership_id,
            list(PAIRS[0]),
            self.person.stakeholder_id,
        )
        self.replies.append(
            Outbound(
                self._(
                    LINKED,
                    name=target.title(self.person.language),
                ),
                self._pair_choices(),
            )
        )

    def _pair_choices(self) -> tuple[Choice, ...]:
        names = self.texts.languages
        pairs = [p for p in PAIRS if all(code in names for code in p)]
        return tuple(Choice("g:" + "+".join(p), " + ".join(names[c] for c in p)) for p in pairs)

    async def _languages(self, codes: list[str]) -> None:
        if tuple(codes) not in PAIRS or not all(c in self.texts.languages for c in codes):
            self.say(N_("That button belongs to an earlier question. Here is where we are now:"))
            return
        if not await self._is_coordinator_of_group():
            self.say(N_("Only coordinators of the partnership can do this."))
            return
        await self.ledger.set_group_languages(self.inbound.channel, self.inbound.chat_id, codes)
        names = " + ".join(self.texts.languages[c] for c in codes)
        self.say(N_("Digests in this group will be written in {languages}."), languages=names)

    async def _digest(self, meeting: bool) -> None:
        """Post this week's digest, or the last meeting's, into the group (coordinators)."""
        inbound = self.inbound
        partnership_id = await self.ledger.group_partnership(inbound.channel, inbound.chat_id)
        if partnership_id is None or not await self._is_coordinator_of_group():
            self.say(N_("Only coordinators of the partnership can do this."))
            return
        chats = await self.ledger.digest_chats(partnership_id)
        chat = next(
            c for c in chats if (c.channel, c.chat_id) == (inbound.channel, inbound.chat_id)
        )
        if meeting:
            found = await previews.meeting_digest(
                self.ledger, self.texts, partnership_id, chat, self.now
            )
            self.replies += found if found is not None else [Outbound(self._(previews.NO_MEETING))]
            return
        zone = await self.ledger.meeting_zone(self.person.stakeholder_id, partnership_id, None)
        today = self.now.astimezone(ZoneInfo(zone)).date()
        self.replies += await previews.weekly_digest(
            self.ledger, self.texts, partnership_id, chat, today
        )

    async def _digest_time(self, argument: str) -> None:
        """Set the weekday, local time and optionally zone of the group's weekly digest."""
        if not await self._is_coordinator_of_group():
            self.say(N_("Only coordinators of the partnership can do this."))
            return
        try:
            chosen = digest_times.parse_digest_time(argument)
        except InvalidValue as error:
            self.say(error.reason, **error.params)
            return
        inbound = self.inbound
        zone = await self.ledger.set_digest_time(
            inbound.channel, inbound.chat_id, chosen.weekday, chosen.at, chosen.zone
        )
        weekday = self._(digest_times.WEEKDAY_NAMES[chosen.weekday - 1])
        self.say(DIGEST_TIME_SET, weekday=weekday, time=chosen.at, zone=zone or "UTC")

    async def _is_coordinator_of_group(self) -> bool:
        partnership_id = await self.ledger.group_partnership(
            self.inbound.channel, self.inbound.chat_id
        )
        if partnership_id is None:
            return False
        role = await self.ledger.role_in(self.person.stakeholder_id, partnership_id)
        return role is not None and may_invite(BotRole(role))
