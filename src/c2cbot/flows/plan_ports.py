"""What the step outputs need of the store: the partnership's own records.

Kept apart from ``flows/ports.py`` because only the step hooks (``flows/step_outputs.py``)
and the options of two questions use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Standing:
    """Where a partnership stands: its name by language, work path (loop key) and step."""

    titles: Mapping[str, str]
    name: str
    loop: str
    step: str

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.name


@dataclass(frozen=True)
class Member:
    """A member of the partnership, as an activity's owner is chosen from them."""

    stakeholder_id: int
    name: str
    city_names: Mapping[str, str]  # the city's name by language ("en", "zh", "de")
    role: str = "member"
    city_id: int | None = None


@dataclass(frozen=True)
class PlannedActivity:
    """One activity of the Plan step, as the coordinator gave it."""

    title: str
    owner_id: int | None
    funding: str | None
    starts_on: date | None
    due_on: date | None
    expected_result: str | None


@dataclass(frozen=True)
class PlanSaved:
    added: int
    updated: int


@dataclass(frozen=True)
class KpiTarget:
    """A KPI the partnership measures and the target it aims for (None: no target yet)."""

    kpi_key: str
    name: str
    kind: str
    target: Decimal | None


class PartnershipPlan(Protocol):
    """The partnership's records that coordinators' step answers set."""

    async def standing(self, partnership_id: int) -> Standing:
        """The partnership's name, work path and current step."""

    async def members(self, partnership_id: int) -> list[Member]: ...

    async def record_mou(self, partnership_id: int, signed: date, expires: date | None) -> None: ...

    async def record_plan(
        self,
        partnership_id: int,
        planned_by: int,
        activities: list[PlannedActivity],
        review_on: date | None,
        now: datetime,
    ) -> PlanSaved:
        """Activities keyed by title: the same title again updates, a new one is added."""

    async def kpi_targets(self, partnership_id: int) -> list[KpiTarget]: ...

    async def set_kpi_targets(self, partnership_id: int, targets: Mapping[str, Decimal]) -> int:
        """The targets of active plans changed; unknown keys are ignored (their count is not)."""
