"""What the workspace needs of the store: sessions, and the facts of each page.

Two small protocols; ``store/web_sessions.py`` and ``store/workspace_reads.py`` implement
them. Every read takes the reader, so a page of a partnership they do not belong to
comes back as ``None``, exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from c2cbot.workspace.activity_facts import ActivityFacts
from c2cbot.workspace.facts import OverviewFacts, PartnershipFacts, Reader, StepFacts
from c2cbot.workspace.kpi_facts import KpiFacts
from c2cbot.workspace.meetings import MeetingsFacts


class Sessions(Protocol):
    async def link_works(self, secret: str) -> bool:
        """Whether a sign-in link would still sign someone in (nothing changes)."""

    async def sign_in(self, secret: str, replacing: str | None) -> str | None:
        """Use the link up and open a session; its secret, or ``None`` for a dead link.

        ``replacing``: the secret of a session this browser had, which ends.
        """

    async def reader(self, secret: str) -> Reader | None:
        """Whose session it is, keeping it alive; ``None`` if unknown or expired."""

    async def sign_out(self, secret: str) -> None: ...


class Pages(Protocol):
    async def partnerships(self, stakeholder_id: int) -> list[PartnershipFacts]:
        """The reader's partnerships, the one joined first first."""

    async def overview(
        self, partnership_id: int, stakeholder_id: int, today: date
    ) -> OverviewFacts | None: ...

    async def step(
        self,
        partnership_id: int,
        stakeholder_id: int,
        conversation: str,
        *,
        kpis: bool = False,
        completion: bool = False,
    ) -> StepFacts | None:
        """A step's answers; ``kpis`` also reads the partnership's KPIs (for answers that
        pick one), ``completion`` who of the coordinators completed the step."""

    async def activities(
        self, partnership_id: int, stakeholder_id: int
    ) -> tuple[PartnershipFacts, list[ActivityFacts]] | None:
        """Every activity of the partnership (plan and meetings) with its progress reports."""

    async def kpis(self, partnership_id: int, stakeholder_id: int) -> KpiFacts | None:
        """The partnership's KPI plans and every value reported for them."""

    async def meetings(
        self, partnership_id: int, stakeholder_id: int, meeting_id: int | None = None
    ) -> MeetingsFacts | None:
        """The partnership's meetings, newest first, or only ``meeting_id`` (none if it is
        another partnership's)."""
