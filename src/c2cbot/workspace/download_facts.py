"""What the store finds for the downloads: the partnership, and its step answers.

One read serves the three downloads: the downloads page needs only the partnership and
where its cities are (for the report's default languages), the answers' workbook every
step's rows, the printable report the steps of the cooperation plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from c2cbot.flows.plan_ports import KpiTarget, Member
from c2cbot.workspace.activity_facts import ActivityFacts
from c2cbot.workspace.facts import AnswerRow, PartnershipFacts, StepFacts
from c2cbot.workspace.kpi_facts import KpiFacts
from c2cbot.workspace.meetings import MeetingsFacts


@dataclass(frozen=True)
class DownloadFacts:
    partnership: PartnershipFacts
    countries: tuple[tuple[str, str], ...]  # (side, country) of each city: its language
    rows: Mapping[str, tuple[AnswerRow, ...]] = field(default_factory=dict)  # by step
    members: tuple[Member, ...] = ()  # for "pick a member" answers
    kpis: tuple[KpiTarget, ...] = ()  # for "pick one of our KPIs" answers

    def step(self, conversation: str) -> StepFacts:
        """One step's facts, as its page has them, so its views words them alike."""
        return StepFacts(
            self.partnership,
            conversation,
            self.rows.get(conversation, ()),
            self.members,
            self.kpis,
        )


@dataclass(frozen=True)
class RecordFacts:
    """The partnership's record of work, for the report: what its KPI, activities and
    meetings pages read."""

    kpis: KpiFacts
    activities: tuple[ActivityFacts, ...]
    meetings: MeetingsFacts
