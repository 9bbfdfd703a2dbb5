"""What meeting notes and digests need of the store: the meeting and digest ports.

Kept apart from ``flows/ports.py`` so that module stays one screen of the engine's own
ports; ``ports`` re-exports these, so callers import them from either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from c2cbot.domain.digests import MeetingFacts, WeeklyFacts
from c2cbot.flows.messages import Outbound

if TYPE_CHECKING:  # the ledger is the ports' whole; digests only pass it along
    from c2cbot.flows.ports import Ledger


@dataclass(frozen=True)
class MeetingAction:
    what: str
    owner: str | None
    due_on: date | None


@dataclass(frozen=True)
class MeetingDraft:
    """A meeting's notes as the recorder confirmed them; typed text as written."""

    partnership_id: int
    recorded_by: int
    kind: str
    starts_at: datetime
    timezone: str
    place: str | None
    participants: tuple[tuple[str, int | None, str | None], ...]  # name, city id, organisation
    agenda: tuple[str, ...]
    decisions: tuple[str, ...]
    actions: tuple[MeetingAction, ...]
    language: str


@dataclass(frozen=True)
class DigestChat:
    """A group chat linked to a partnership, and the languages its digests are written in."""

    channel: str
    chat_id: str
    languages: tuple[str, ...]


class Meetings(Protocol):
    """Meeting notes and what digests need to find: facts, and the groups to post into."""

    async def meeting_zone(
        self, stakeholder_id: int, partnership_id: int, city_id: int | None
    ) -> str:
        """The zone of the city picked (of the partnership), else of the person's own city."""

    async def record_meeting(self, draft: MeetingDraft, now: datetime) -> int:
        """Store the notes and their action items as activities; the meeting's id."""

    async def meeting_facts(self, meeting_id: int) -> MeetingFacts | None: ...

    async def last_meeting(self, partnership_id: int) -> int | None: ...

    async def digest_chats(self, partnership_id: int) -> list[DigestChat]:
        """The partnership's active group chats; groups the bot left are not among them."""

    async def weekly_facts(self, partnership_id: int, week_end: date) -> WeeklyFacts | None:
        """The partnership's digest facts for the seven days up to ``week_end``."""


class HeldDigests(Protocol):
    """Meeting digests that a job translates before posting them."""

    async def hold_meeting_digest(self, meeting_id: int) -> bool:
        """Leave the digest to the job that translates it, if digests are translated
        (the provider must not be called inside a chat turn); whether it was left."""


class DigestPreviews(Protocol):
    """Digests as a chat turn shows or posts them; ``digests.previews`` renders them.

    Given to the engine, so the conversations reach the digests through this port and
    never import them (an import contract holds to that).
    """

    async def post_meeting(
        self, ledger: Ledger, partnership_id: int, meeting_id: int, now: datetime
    ) -> int:
        """The meeting's digest into every group of the partnership; how many groups."""

    async def last_meeting(
        self, ledger: Ledger, partnership_id: int, chat: DigestChat, now: datetime
    ) -> list[Outbound] | None:
        """The last meeting's digest for one chat; None when no meeting was recorded."""

    async def week(
        self, ledger: Ledger, partnership_id: int, chat: DigestChat, today: date
    ) -> list[Outbound]:
        """The digest of the seven days up to ``today`` for one chat."""


class DigestTimes(Protocol):
    """When a group chat gets its weekly digest."""

    async def set_digest_time(
        self, channel: str, chat_id: str, weekday: int, at: str, zone: str | None
    ) -> str | None:
        """Set the group's weekday (1 Monday) and local time, and its zone if given;
        the zone its digest now follows, or None if the group is not linked."""
