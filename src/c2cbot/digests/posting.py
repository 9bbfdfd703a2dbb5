"""Posting digests into a partnership's group chats, through the outbox only.

A meeting digest goes into every active group chat linked to the partnership —
Telegram groups and WeCom app chats alike — in that group's languages, rendered in the
markup its channel shows and cut to the channel's limit. It is written to the outbox in
the caller's transaction (the one that confirms the notes), so the digest exists
exactly when the notes do; the dispatcher sends it. A group the bot was removed from,
or a WeCom chat deleted on WeCom's side, was marked inactive when a send said so
(``SqlOutbox.unreachable``) and is not among the chats found here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c2cbot.digests.markup import LIMITS, Limit, Markup
from c2cbot.digests.render import render_meeting, render_weekly
from c2cbot.domain.digests import MeetingFacts, WeeklyFacts
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import DigestChat, HeldDigests, Meetings, Outbox
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """How a channel shows a digest: the markup its ``send`` passes through, and its limit."""

    markup: Markup
    limit: Limit


# The markup each channel's ``send`` accepts today. Telegram and WeCom escape every
# message as plain text (people's text must never become markup), so digests go there
# as plain text until their channels pass ``extra["markup"]`` through; then these two
# lines become TELEGRAM_HTML and WECOM_MARKDOWN.
PLAIN_TEXT = Format(Markup.PLAIN, LIMITS[Markup.PLAIN])
FORMATS: dict[str, Format] = {
    "telegram": Format(Markup.PLAIN, Limit(4096, "utf16")),
    "wecom": PLAIN_TEXT,
    "wechat": PLAIN_TEXT,
    "web": Format(Markup.PLAIN, Limit(20_000, "utf16")),
}


def format_for(channel: str) -> Format:
    return FORMATS.get(channel, PLAIN_TEXT)


class Translator(Protocol):
    """Adds machine translations to typed text (``digests.translate``); never raises."""

    async def meeting(self, facts: MeetingFacts, languages: Sequence[str]) -> MeetingFacts: ...

    async def weekly(self, facts: WeeklyFacts, languages: Sequence[str]) -> WeeklyFacts: ...


class MeetingPorts(Meetings, Outbox, HeldDigests, Protocol):
    """What posting needs of the caller's transaction."""


def messages(parts: Sequence[str], chat: DigestChat) -> list[Outbound]:
    """A rendered digest (already cut to the channel's limit) as outbox messages."""
    markup = format_for(chat.channel).markup
    extra = {} if markup is Markup.PLAIN else {"markup": markup.value}
    return [Outbound(part, extra=dict(extra), language=chat.languages[0]) for part in parts]


def meeting_messages(
    facts: MeetingFacts, chat: DigestChat, texts: Texts, now: datetime
) -> list[Outbound]:
    """The meeting's digest for one chat, in its languages and its channel's markup."""
    shown = format_for(chat.channel)
    parts = render_meeting(facts, chat.languages, shown.markup, texts, now, limit=shown.limit)
    return messages(parts, chat)


def weekly_messages(facts: WeeklyFacts, chat: DigestChat, texts: Texts) -> list[Outbound]:
    """The week's digest for one chat, in its languages and its channel's markup."""
    shown = format_for(chat.channel)
    parts = render_weekly(facts, chat.languages, shown.markup, texts, limit=shown.limit)
    return messages(parts, chat)


async def post_meeting(
    ledger: MeetingPorts,
    texts: Texts,
    partnership_id: int,
    meeting_id: int,
    now: datetime,
    translator: Translator | None = None,
) -> int:
    """Write the meeting's digest to every active group of its partnership; how many groups.

    ``translator`` runs only where the caller may wait for it (never inside a chat
    turn's transaction); without it people's text is shown as written, marked with
    its language — unless the bot translates digests, in which case the ledger holds
    the digest for the job that translates and posts it (``scheduling.meeting_digests``).
    """
    if translator is None and await ledger.hold_meeting_digest(meeting_id):
        return len(await ledger.digest_chats(partnership_id))
    facts = await ledger.meeting_facts(meeting_id)
    if facts is None:
        return 0
    chats = await ledger.digest_chats(partnership_id)
    for chat in chats:
        shown = await translator.meeting(facts, chat.languages) if translator else facts
        await ledger.enqueue_all(
            chat.channel, chat.chat_id, None, meeting_messages(shown, chat, texts, now)
        )
    return len(chats)
