"""Posting digests into a partnership's group chats, through the outbox only.

A meeting digest goes into every active group chat linked to the partnership —
Telegram groups and WeCom app chats alike — in that group's languages, rendered in the
markup its channel shows and cut to the channel's limit. It is written to the outbox in
the caller's transaction (the one that confirms the notes), so the digest exists
exactly when the notes do; the dispatcher sends it. A group the bot was removed from,
or a WeCom chat deleted on WeCom's side, was marked inactive when a send said so
(``SqlOutbox.unreachable``) and is not among the chats found here.

Each channel's format comes from what its spec declares (``channels.registry``). Where a
channel shows pictures (its ``Capabilities.images``), the weekly digest is followed by
its KPI chart: one more
outbox message whose ``extra["image"]`` is the PNG in base64 and whose text is the
chart's caption.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c2cbot.channels.base import Capabilities
from c2cbot.channels.registry import SPECS
from c2cbot.digests.chart import kpi_chart
from c2cbot.digests.markup import LIMITS, Limit, Markup, bold
from c2cbot.digests.render import render_meeting, render_weekly
from c2cbot.domain.digests import MeetingFacts, WeeklyFacts
from c2cbot.domain.text import N_
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import DigestChat, HeldDigests, Meetings, Outbox
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """How a channel shows a digest: the markup its ``send`` passes through, its limit,
    and whether it shows the KPI chart as a picture."""

    markup: Markup
    limit: Limit
    images: bool = False


# The markup a channel declares, as the renderer writes it: the HTML Telegram shows and the
# markdown WeCom shows; a channel's ``send`` passes text so marked on unchanged.
MARKUPS = {"html": Markup.TELEGRAM_HTML, "markdown": Markup.WECOM_MARKDOWN}
PLAIN_TEXT = Format(Markup.PLAIN, LIMITS[Markup.PLAIN])


def declared_format(capabilities: Capabilities) -> Format:
    """How a channel shows a digest, from what it declares it can show."""
    markup = MARKUPS.get(capabilities.markup, Markup.PLAIN)
    limit = Limit(capabilities.max_length, capabilities.length_unit)
    return Format(markup, limit, images=capabilities.images)


FORMATS: dict[str, Format] = {spec.name: declared_format(spec.capabilities) for spec in SPECS}
CHART_TITLE = N_("KPIs against targets")  # the KPI section's heading, as the caption
MAX_CHART_BYTES = 1_000_000  # a chart is tens of KB; a larger one stays out of the outbox


def format_for(channel: str) -> Format:
    return FORMATS.get(channel, PLAIN_TEXT)


class Translator(Protocol):
    """Adds machine translations to typed text (``digests.translate``); never raises."""

    async def meeting(self, facts: MeetingFacts, languages: Sequence[str]) -> MeetingFacts: ...

    async def weekly(self, facts: WeeklyFacts, languages: Sequence[str]) -> WeeklyFacts: ...


class MeetingPorts(Protocol):
    """What posting needs of the caller's transaction (a ``flows.ports.Ledger`` has it)."""

    @property
    def meetings(self) -> Meetings: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def held_digests(self) -> HeldDigests: ...


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
    if translator is None and await ledger.held_digests.hold_meeting_digest(meeting_id):
        return len(await ledger.meetings.digest_chats(partnership_id))
    facts = await ledger.meetings.meeting_facts(meeting_id)
    if facts is None:
        return 0
    chats = await ledger.meetings.digest_chats(partnership_id)
    for chat in chats:
        shown = await translator.meeting(facts, chat.languages) if translator else facts
        await ledger.outbox.enqueue_all(
            chat.channel, chat.chat_id, None, meeting_messages(shown, chat, texts, now)
        )
    return len(chats)


class Charts:
    """The weekly digests' KPI charts, drawn once per partnership, week and language.

    matplotlib draws for a few hundred milliseconds, so it runs in a worker thread (the
    bot's event loop keeps serving chats) and one chart at a time (its settings are
    global). Drawing happens before any transaction, like translation.
    """

    _drawing = threading.Lock()

    def __init__(self, texts: Texts) -> None:
        self._texts = texts
        self._drawn: dict[tuple[int, object, str], bytes | None] = {}

    async def message(self, facts: WeeklyFacts, chat: DigestChat) -> Outbound | None:
        """The chart as the outbox message that follows the digest; None where none is shown.

        None on channels without pictures, in a quiet week (its digest has no KPI
        section), and when there is nothing to draw or no font for Chinese.
        """
        shown = format_for(chat.channel)
        if not shown.images or facts.quiet:
            return None
        language = chat.languages[0]
        key = (facts.partnership_id, facts.week_end, language)
        if key not in self._drawn:
            self._drawn[key] = await asyncio.to_thread(self._draw, facts, language)
        png = self._drawn[key]
        if png is None:
            return None
        extra = {"markup": shown.markup.value, "image": base64.b64encode(png).decode()}
        return Outbound(self._caption(chat, shown.markup), extra=extra, language=language)

    def _draw(self, facts: WeeklyFacts, language: str) -> bytes | None:
        with self._drawing:
            png = kpi_chart(facts, language, self._texts)
        if png is not None and len(png) > MAX_CHART_BYTES:
            log.warning("a KPI chart of %d bytes is too large to post; left out", len(png))
            return None
        return png

    def _caption(self, chat: DigestChat, markup: Markup) -> str:
        titles = dict.fromkeys(self._texts.gettext(code, CHART_TITLE) for code in chat.languages)
        return bold(" / ".join(titles), markup)
