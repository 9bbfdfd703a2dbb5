"""What /connect and /channel need of the store: codes, linking, and the prompt channel.

Kept apart from ``flows/ports.py`` because only those two commands use it. The rules
(how long a code lives, how many wrong codes an identity may type, when two people are
"someone else") live in the store, which keeps the codes and counts the attempts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class ConnectCode:
    """A code just made, to be shown once: only its hash is kept."""

    code: str
    expires_at: datetime
    minutes: int


class LinkOutcome(StrEnum):
    """What a typed ``/connect CODE`` did; only LINKED and MERGED change anything."""

    LINKED = "linked"  # this channel had told us nothing yet: now it is the code's person's
    MERGED = "merged"  # this channel's person had answers or memberships: merged in
    ALREADY = "already"  # this channel already is the code's person's
    OWN_CODE = "own_code"  # typed on the very channel that showed it
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY = "too_many"  # too many wrong codes lately: wait
    SOMEONE_ELSE = "someone_else"  # both are onboarded and clearly two different people


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    wait_minutes: int = 0  # TOO_MANY: until the oldest wrong code of the hour is forgotten


@dataclass(frozen=True)
class LinkedChannel:
    """One of a person's channels, as /channel lists them."""

    identity_id: int
    channel: str
    prompts_here: bool  # where the next prompt goes (the chosen app, if it is reachable)
    here: bool  # the chat asking


class Links(Protocol):
    async def new_code(self, channel: str, external_id: str, now: datetime) -> ConnectCode:
        """A fresh code for this identity's person; the identity's earlier codes stop working."""

    async def redeem(
        self,
        code: str,
        channel: str,
        external_id: str,
        now: datetime,
        member_questions: Collection[tuple[str, str]],
    ) -> LinkResult:
        """Make this identity the code's person's, merging its own person into them.

        ``member_questions``: (conversation, question) pairs whose answers name a member
        by id (an activity's owner); answers naming the merged person follow the merge.
        """

    async def channels(self, channel: str, external_id: str) -> list[LinkedChannel]:
        """The channels of this identity's person, oldest first."""

    async def prefer(self, stakeholder_id: int, identity_id: int) -> bool:
        """Send this person's prompts to this identity; False if it is not theirs."""
