"""The small store interface the engine needs; ``store/`` implements it with SQL.

Each protocol is a handful of methods so that a fake, a cache or another database
can stand in without inheriting a dozen abstract methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from c2cbot.flows.answer_history import CityAnswers, CurrentAnswer
from c2cbot.flows.digest_ports import (  # re-exported: the ports are one interface
    DigestChat as DigestChat,
)
from c2cbot.flows.digest_ports import (
    DigestPreviews as DigestPreviews,
)
from c2cbot.flows.digest_ports import (
    DigestTimes as DigestTimes,
)
from c2cbot.flows.digest_ports import (
    HeldDigests as HeldDigests,
)
from c2cbot.flows.digest_ports import (
    MeetingAction as MeetingAction,
)
from c2cbot.flows.digest_ports import (
    MeetingDraft as MeetingDraft,
)
from c2cbot.flows.digest_ports import (
    Meetings as Meetings,
)
from c2cbot.flows.link_ports import Links
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.plan_ports import PartnershipPlan


@dataclass(frozen=True)
class Person:
    """The stakeholder behind an inbound message, as the engine needs to see them."""

    stakeholder_id: int
    language: str
    name: str | None
    partnership_id: int | None
    role: str | None
    is_new: bool


@dataclass(frozen=True)
class AnswerRecord:
    stakeholder_id: int
    partnership_id: int | None
    conversation: str
    step: str | None
    question: str
    item: int | None
    value: dict[str, Any]
    display: str
    language: str
    channel: str
    inbound_id: int | None


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    TOO_MANY = "too_many"  # too many wrong codes lately: one answer, whatever the code


@dataclass(frozen=True)
class Joined:
    partnership_id: int
    partnership_name: str
    role: str
    titles: Mapping[str, str] = field(default_factory=dict)  # the name by language

    def title(self, language: str) -> str:
        """The partnership's name as ``language`` writes it (哥德堡–上海)."""
        return self.titles.get(language) or self.partnership_name


@dataclass(frozen=True)
class Place:
    """A city offered as an option, named in each language we have a name for."""

    id: int
    names: Mapping[str, str]


class Inbox(Protocol):
    async def claim(
        self, channel: str, dedupe_key: str, *, sender: str | None = None, chat: str | None = None
    ) -> int | None:
        """Record the inbound key; ``None`` when it was handled before.

        ``sender``: the external id ``People.person`` will be asked about next, and
        ``chat`` (only for a message that may pick from it) the chat whose last offer
        ``KpiPlans.last_offer`` may be asked about; a store may look both up in the same
        round trip.
        """


class People(Protocol):
    async def person(
        self, channel: str, external_id: str, chat_id: str, language: str, display_name: str | None
    ) -> Person: ...

    async def update_profile(self, stakeholder_id: int, field: str, value: Any) -> None: ...

    async def redeem_invite(
        self, code: str, stakeholder_id: int, now: datetime, origin: str | None = None
    ) -> Joined | InviteProblem:
        """Join with ``code``; wrong codes are counted per person and per ``origin``, and
        past the limit every code gets ``InviteProblem.TOO_MANY``."""

    async def partnership_cities(self, partnership_id: int) -> list[Place]: ...

    async def memberships(self, stakeholder_id: int) -> list[Joined]:
        """Every partnership the person is a member of, the one they joined first first."""

    async def choose_partnership(self, stakeholder_id: int, partnership_id: int) -> Joined | None:
        """Make ``partnership_id`` the one the chat is about; ``None`` if not a member."""

    async def personal_data(self, stakeholder_id: int) -> dict[str, Any]:
        """Everything kept about the person (profile, channels, partnerships, answers)."""

    async def offer_download(self, stakeholder_id: int) -> str:
        """The secret of a new one-time link to the person's data (``store/data_downloads``)."""

    async def offer_sign_in(self, stakeholder_id: int) -> str:
        """The secret of a new one-time link into the workspace (``store/web_sessions``)."""

    async def erase(self, stakeholder_id: int, refused: bool = False) -> str:
        """Erase the person (``store/erasure.py``); what was removed, counted, for the log.
        ``refused``: they refused consent while joining, so their answers go too."""

    async def city_side(self, stakeholder_id: int) -> str | None:
        """The side of the person's city (``eu`` or ``cn``), once they have named it."""

    async def home_currency(self, stakeholder_id: int) -> str | None:
        """The currency of the person's city today (CLDR), for amounts typed without one."""


class States(Protocol):
    async def load_state(self, stakeholder_id: int) -> dict[str, Any]: ...

    async def save_state(
        self, stakeholder_id: int, partnership_id: int | None, data: dict[str, Any]
    ) -> None: ...


class Answers(Protocol):
    async def record(self, answer: AnswerRecord) -> None: ...

    async def answered(self, stakeholder_id: int, partnership_id: int) -> dict[str, set[str]]:
        """Question ids with a current answer, per conversation, of this person here."""

    async def current(
        self, stakeholder_id: int, partnership_id: int, conversation: str
    ) -> list[CurrentAnswer]: ...

    async def by_city(self, partnership_id: int) -> list[CityAnswers]:
        """What each city of the partnership has answered, for the steps menu."""

    async def advance_step(self, partnership_id: int, finished: str) -> str | None:
        """Move the partnership past ``finished`` on its loop; the new step, if it moved."""


class Outbox(Protocol):
    async def enqueue_all(
        self, channel: str, chat_id: str, stakeholder_id: int | None, messages: list[Outbound]
    ) -> None: ...


@dataclass(frozen=True)
class Invitation:
    code: str
    expires_at: datetime
    uses: int
    role: str = "member"


class Chats(Protocol):
    """Group chats and what channels report about reachability."""

    async def chat_event(self, channel: str, chat_id: str, event: str, detail: str | None) -> None:
        """Record that a person became unreachable, a group was left, or a group moved."""

    async def link_group(
        self, channel: str, chat_id: str, partnership_id: int, languages: list[str], by: int | None
    ) -> None: ...

    async def group_partnership(self, channel: str, chat_id: str) -> int | None:
        """The partnership an active group is linked to."""

    async def invite_target(
        self, code: str, now: datetime, guesser: int, origin: str | None = None
    ) -> Joined | InviteProblem:
        """The partnership an invite code points to, without using the code up; a wrong
        code counts against ``guesser`` (a stakeholder id) and ``origin``, as redeeming."""

    async def set_group_languages(self, channel: str, chat_id: str, languages: list[str]) -> bool:
        """False when the group is not linked to any partnership."""

    async def role_in(self, stakeholder_id: int, partnership_id: int) -> str | None: ...

    async def open_invites(self, partnership_id: int, now: datetime) -> list[Invitation]:
        """The partnership's codes that can still be redeemed, newest first."""

    async def revoke_invite(self, partnership_id: int, code: str, now: datetime) -> bool:
        """Make one of the partnership's codes expire now; ``False`` if it is not one."""

    async def create_invite(
        self, partnership_id: int, role: str, uses: int, created_by: int, now: datetime
    ) -> Invitation: ...


class Prompts(Protocol):
    """Scheduled prompts as the engine sees them: open one, and record its answers."""

    async def open_prompt(
        self, prompt_id: int, stakeholder_id: int
    ) -> tuple[str, dict[str, Any]] | None:
        """The conversation and its context for a prompt this person may still answer."""

    async def prompt_answered(self, prompt_id: int, values: dict[str, Any], now: datetime) -> None:
        """Store what the prompt asked for (a KPI value, progress) and close the prompt."""

    async def next_waiting(self, stakeholder_id: int) -> tuple[int, dict[str, Any]] | None:
        """The oldest prompt sent to this person and still unanswered, with its context."""


class Observer(Protocol):
    """Counts what the engine did, for metrics; the engine never depends on who listens."""

    def inbound(self, channel: str, duplicate: bool) -> None: ...

    def answers_stored(self, count: int) -> None: ...


@dataclass(frozen=True)
class KpiPlanSpec:
    """A KPI the partnership measures, as the Measure step decided it."""

    kpi_key: str
    name: str
    kind: str
    unit: str | None
    frequency: str
    responsible_helix: str | None
    baseline: Decimal | None = None
    target: Decimal | None = None


@dataclass(frozen=True)
class EarlierValue:
    """A KPI value reported for an earlier period, for plausibility checks."""

    period_key: str
    amount: Decimal
    currency: str | None


class KpiPlans(Protocol):
    """KPI plans made from the Measure step, and what earlier rounds reported."""

    async def save_kpi_plans(
        self, partnership_id: int, plans: list[KpiPlanSpec], now: datetime
    ) -> int:
        """Create or update these plans and stop the partnership's others; how many saved."""

    async def earlier_values(self, prompt_id: int) -> list[EarlierValue]:
        """Values of the prompt's KPI for earlier periods, oldest first."""

    async def last_offer(self, channel: str, chat_id: str) -> tuple[Choice, ...]:
        """The options of the last message written to this chat (a prompt's "Answer now")."""


@dataclass(frozen=True)
class PlanLine:
    """One KPI plan in a coordinator's view of the schedule."""

    id: int
    name: str
    frequency: str
    responsible_name: str | None
    responsible_helix: str | None
    next_round: date | None


@dataclass(frozen=True)
class PromptLine:
    """One prompt waiting to go out or to be answered."""

    kind: str
    name: str | None
    subject: str
    due_at: datetime


@dataclass(frozen=True)
class ScheduleView:
    """A partnership's schedules: follow-ups, reminder delay, KPI plans, next prompts."""

    follow_up_days: int
    reminder_days: int | None
    plans: tuple[PlanLine, ...]
    upcoming: tuple[PromptLine, ...]


class Schedules(Protocol):
    """Leave, and the schedules coordinators see and change in the chat."""

    async def set_leave(self, stakeholder_id: int, until: date | None) -> None:
        """Ask this person nothing until ``until`` (inclusive); ``None`` ends the leave."""

    async def schedule_view(self, partnership_id: int, now: datetime) -> ScheduleView: ...

    async def local_zone(self, stakeholder_id: int) -> str:
        """The person's time zone: their own, their city's, their partnership's, else UTC."""

    async def set_follow_up_days(self, partnership_id: int, days: int) -> None: ...

    async def set_reminder_days(self, partnership_id: int, days: int | None) -> None: ...

    async def set_kpi_frequency(self, partnership_id: int, plan_id: int, frequency: str) -> bool:
        """False when the plan is not one of this partnership's."""


class Ledger(Protocol):
    """Everything one transaction offers the engine: one small port per concern.

    Code asks for the part it uses (``ledger.states.load_state``), so an implementation
    is a few small classes sharing a transaction, never one class with every method.
    """

    @property
    def inbox(self) -> Inbox: ...

    @property
    def people(self) -> People: ...

    @property
    def states(self) -> States: ...

    @property
    def answers(self) -> Answers: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def chats(self) -> Chats: ...

    @property
    def prompts(self) -> Prompts: ...

    @property
    def meetings(self) -> Meetings: ...

    @property
    def kpi_plans(self) -> KpiPlans: ...

    @property
    def plan(self) -> PartnershipPlan: ...

    @property
    def schedules(self) -> Schedules: ...

    @property
    def held_digests(self) -> HeldDigests: ...

    @property
    def digest_times(self) -> DigestTimes: ...

    @property
    def links(self) -> Links: ...


class Batch(Protocol):
    def each(self, *, savepoint: bool = True) -> AbstractAsyncContextManager[Ledger]:
        """A savepoint for one message: kept if the block succeeds, undone if it raises.

        Without ``savepoint`` the message only shares the transaction: if it raises, the
        caller must roll back the whole batch (``GroupCommit`` does).
        """

    async def in_turn(self, senders: Sequence[tuple[str, str]]) -> None:
        """Wait until no other process handles a message of these (channel, sender)s, and
        keep them until commit: a person's messages reaching two processes at once are
        handled one after the other, in the order they got here (first statement)."""


class Store(Protocol):
    parallel_batches: int
    """How many ``batch`` transactions are worth running at once (1 for SQLite)."""

    savepoints_after_failure: bool
    """Whether a batch runs without a savepoint per message first, and with them only
    after one failed (PostgreSQL, where each savepoint is two round trips)."""

    def passing(self, error: BaseException) -> bool:
        """Whether ``error`` is a conflict with another transaction that the same work
        may well not meet again (a deadlock the database broke by failing this one)."""

    @property
    def urgent_write_waiting(self) -> bool:
        """Whether a write someone is waiting on (the inbound journal) waits for this one."""

    def transaction(self) -> AbstractAsyncContextManager[Ledger]:
        """One database transaction: all of it is committed, or none of it."""

    def batch(self) -> AbstractAsyncContextManager[Batch]:
        """One transaction shared by several messages, each in its own ``Batch.each``."""
