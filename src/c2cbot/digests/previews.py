"""Digests asked for in chat: /digest shows them to one person, or posts them into a group.

The engine is given ``ChatDigests`` as its ``flows.ports.DigestPreviews``, so the
conversations reach digests through a port and never import this package. These run
inside a chat turn's transaction, so they never call the translation provider (a slow
provider would hold the transaction): people's text is shown as written, marked with
its language. The weekly job and the CLI translate.
"""

from __future__ import annotations

from datetime import date, datetime

from c2cbot.digests import posting
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import DigestChat, Ledger
from c2cbot.flows.texts import Texts


class ChatDigests:
    """Renders digests for a chat turn, in the catalogues the bot speaks."""

    def __init__(self, texts: Texts) -> None:
        self._texts = texts

    async def post_meeting(
        self, ledger: Ledger, partnership_id: int, meeting_id: int, now: datetime
    ) -> int:
        """The meeting's digest into every group of the partnership; how many groups."""
        return await posting.post_meeting(ledger, self._texts, partnership_id, meeting_id, now)

    async def last_meeting(
        self, ledger: Ledger, partnership_id: int, chat: DigestChat, now: datetime
    ) -> list[Outbound] | None:
        """The last meeting's digest for one chat, or None when there was no meeting."""
        meeting_id = await ledger.meetings.last_meeting(partnership_id)
        facts = await ledger.meetings.meeting_facts(meeting_id) if meeting_id is not None else None
        if facts is None:
            return None
        return posting.meeting_messages(facts, chat, self._texts, now)

    async def week(
        self, ledger: Ledger, partnership_id: int, chat: DigestChat, today: date
    ) -> list[Outbound]:
        """The digest of the seven days up to ``today`` for one chat."""
        facts = await ledger.meetings.weekly_facts(partnership_id, today)
        if facts is None:
            return []
        return posting.weekly_messages(facts, chat, self._texts)
