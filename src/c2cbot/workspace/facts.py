"""What the store finds for a workspace page: plain data, no rules.

Times are aware UTC datetimes; cities are named by language ("en", "zh_Hans", "de").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from c2cbot.domain.digests import ActionItem, Participant
from c2cbot.flows.answer_history import CityAnswers
from c2cbot.flows.plan_ports import KpiTarget, Member
from c2cbot.flows.ports import PromptLine


@dataclass(frozen=True)
class Reader:
    """The person a workspace session belongs to, and how they read dates."""

    stakeholder_id: int
    name: str | None
    language: str
    timezone: str  # their own, else their city's, else UTC


@dataclass(frozen=True)
class CityFacts:
    id: int
    key: str
    names: Mapping[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


@dataclass(frozen=True)
class PartnershipFacts:
    """A partnership the reader belongs to: its names, work path, step and their role."""

    id: int
    name: str
    titles: Mapping[str, str]
    loop: str
    step: str
    role: str
    cities: tuple[CityFacts, ...] = ()

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.name


@dataclass(frozen=True)
class DigestChat:
    """A group chat that gets the partnership's weekly digest, and when (weekday 1: Monday)."""

    channel: str
    languages: tuple[str, ...]
    weekday: int
    local_time: str
    timezone: str


@dataclass(frozen=True)
class OverviewFacts:
    """The overview page: progress per step and city, activities, who is awaited."""

    partnership: PartnershipFacts
    today: date  # the reader's
    progress: tuple[CityAnswers, ...]  # what each city answered (the steps menu's facts)
    answerers: Mapping[tuple[str, int], int]  # (conversation, city id) → people who answered
    members: Mapping[int, int]  # city id → members
    activities: tuple[ActionItem, ...]  # not finished, due within the coming weeks
    waiting: tuple[Participant, ...]  # asked, no answer yet (the digest's silent people)
    prompts: tuple[PromptLine, ...] = ()  # the next questions to go out, soonest first
    digest_chats: tuple[DigestChat, ...] = ()


@dataclass(frozen=True)
class AnswerRow:
    """One row of a step's answers; ``rank`` 1 is the person's newest for its question."""

    stakeholder_id: int
    name: str | None  # None once the person was erased
    city_id: int | None
    question: str  # "vision", or "activities.title" inside a list
    item: int | None
    value: Mapping[str, Any]  # as stored: {"type": …, "value": …}
    language: str
    answered_at: datetime
    rank: int


@dataclass(frozen=True)
class StepFacts:
    """A step's page: every answer of both cities, with what choices need to be named."""

    partnership: PartnershipFacts
    conversation: str
    rows: tuple[AnswerRow, ...]
    members: tuple[Member, ...]  # for "pick a member" answers and the completion view
    kpis: tuple[KpiTarget, ...] = ()  # for "pick one of our KPIs" answers
    completed_by: frozenset[int] = field(default_factory=frozenset)  # ✓ in their chat
