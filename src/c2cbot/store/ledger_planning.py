"""The ledger's parts that hand the transaction's session to a query module, one per port.

Each class implements one small protocol of ``flows/ports.py`` by calling the module that
holds its SQL (prompt_answers, meetings, digest_facts, kpi_plans, schedule_settings,
meeting_digests, digest_times), so those modules stay plain functions over a session
that the scheduler and the command line call too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from c2cbot.domain.digests import MeetingFacts, WeeklyFacts
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.plan_ports import KpiTarget, Member, PlannedActivity, PlanSaved, Standing
from c2cbot.flows.ports import (
    DigestChat,
    EarlierValue,
    KpiPlanSpec,
    MeetingDraft,
    ScheduleView,
)
from c2cbot.store import (
    digest_facts,
    digest_times,
    kpi_plans,
    meeting_digests,
    meetings,
    per_message,
    plan_records,
    prompt_answers,
    schedule_settings,
)
from c2cbot.store.ledger_base import LedgerPart, Tx


class SqlPrompts(LedgerPart):
    """``flows.ports.Prompts``: a scheduled prompt opened and answered in a chat turn."""

    async def open_prompt(
        self, prompt_id: int, stakeholder_id: int
    ) -> tuple[str, dict[str, Any]] | None:
        return await prompt_answers.open_prompt(self.session, prompt_id, stakeholder_id)

    async def prompt_answered(self, prompt_id: int, values: dict[str, Any], now: datetime) -> None:
        await prompt_answers.record_prompt_answer(self.session, prompt_id, values, now)

    async def next_waiting(self, stakeholder_id: int) -> tuple[int, dict[str, Any]] | None:
        return await prompt_answers.next_waiting(self.session, stakeholder_id)


class SqlMeetings(LedgerPart):
    """``flows.ports.Meetings``: meeting notes, and the facts and groups digests need."""

    async def meeting_zone(
        self, stakeholder_id: int, partnership_id: int, city_id: int | None
    ) -> str:
        return await meetings.meeting_zone(self.session, stakeholder_id, partnership_id, city_id)

    async def record_meeting(self, draft: MeetingDraft, now: datetime) -> int:
        return await meetings.record_meeting(self.session, draft, now)

    async def meeting_facts(self, meeting_id: int) -> MeetingFacts | None:
        return await meetings.meeting_facts(self.session, meeting_id)

    async def last_meeting(self, partnership_id: int) -> int | None:
        return await meetings.last_meeting(self.session, partnership_id)

    async def digest_chats(self, partnership_id: int) -> list[DigestChat]:
        return await meetings.digest_chats(self.session, partnership_id)

    async def weekly_facts(self, partnership_id: int, week_end: date) -> WeeklyFacts | None:
        found = await digest_facts.weekly_facts(self.session, [partnership_id], week_end)
        return found.get(partnership_id)


class SqlKpiPlans(LedgerPart):
    """``flows.ports.KpiPlans``: plans from the Measure step, earlier values, the last offer."""

    async def save_kpi_plans(
        self, partnership_id: int, plans: list[KpiPlanSpec], now: datetime
    ) -> int:
        return await kpi_plans.save_kpi_plans(self.session, partnership_id, plans, now)

    async def earlier_values(self, prompt_id: int) -> list[EarlierValue]:
        return await kpi_plans.earlier_values(self.session, prompt_id)

    async def last_offer(self, channel: str, chat_id: str) -> tuple[Choice, ...]:
        """The answer options of the newest message written to a chat, numbered as shown.

        Prebuilt: the engine asks this for every short answer.
        """
        if (channel, chat_id) in self._tx.last_payloads:  # read with the inbound claim
            payload = self._tx.last_payloads.pop((channel, chat_id))
        else:
            parameters = {"channel": channel, "chat_id": chat_id}
            found = await self._core(per_message.LAST_PAYLOAD, parameters)
            payload = found.scalar_one_or_none()
        return Outbound.from_json(payload).options if payload else ()


class SqlSchedules(LedgerPart):
    """``flows.ports.Schedules``: leave, and the schedules coordinators change in the chat."""

    async def set_leave(self, stakeholder_id: int, until: date | None) -> None:
        await schedule_settings.set_leave(self.session, stakeholder_id, until)

    async def schedule_view(self, partnership_id: int, now: datetime) -> ScheduleView:
        return await schedule_settings.schedule_view(self.session, partnership_id, now)

    async def local_zone(self, stakeholder_id: int) -> str:
        return await schedule_settings.local_zone(self.session, stakeholder_id)

    async def set_follow_up_days(self, partnership_id: int, days: int) -> None:
        await schedule_settings.set_follow_up_days(self.session, partnership_id, days)

    async def set_reminder_days(self, partnership_id: int, days: int | None) -> None:
        await schedule_settings.set_reminder_days(self.session, partnership_id, days)

    async def set_kpi_frequency(self, partnership_id: int, plan_id: int, frequency: str) -> bool:
        return await schedule_settings.set_kpi_frequency(
            self.session, partnership_id, plan_id, frequency
        )


class SqlHeldDigests(LedgerPart):
    """``flows.ports.HeldDigests``: meeting digests left to the job that translates them."""

    def __init__(self, tx: Tx, *, hold_meeting_digests: bool) -> None:
        super().__init__(tx)
        self._hold_meeting_digests = hold_meeting_digests  # a translator is configured

    async def hold_meeting_digest(self, meeting_id: int) -> bool:
        if self._hold_meeting_digests:
            await meeting_digests.hold(self.session, meeting_id)
        return self._hold_meeting_digests


class SqlDigestTimes(LedgerPart):
    """``flows.ports.DigestTimes``: when a group chat gets its weekly digest."""

    async def set_digest_time(
        self, channel: str, chat_id: str, weekday: int, at: str, zone: str | None
    ) -> str | None:
        return await digest_times.set_digest_time(self.session, channel, chat_id, weekday, at, zone)


class SqlPartnershipPlan(LedgerPart):
    """``flows.plan_ports.PartnershipPlan``: the records coordinators' step answers set."""

    async def standing(self, partnership_id: int) -> Standing:
        return await plan_records.standing(self.session, partnership_id)

    async def members(self, partnership_id: int) -> list[Member]:
        return await plan_records.members(self.session, partnership_id)

    async def record_mou(self, partnership_id: int, signed: date, expires: date | None) -> None:
        await plan_records.record_mou(self.session, partnership_id, signed, expires)

    async def record_plan(
        self,
        partnership_id: int,
        planned_by: int,
        activities: list[PlannedActivity],
        review_on: date | None,
        now: datetime,
    ) -> PlanSaved:
        return await plan_records.record_plan(
            self.session, partnership_id, planned_by, activities, review_on, now
        )

    async def kpi_targets(self, partnership_id: int) -> list[KpiTarget]:
        return await plan_records.kpi_targets(self.session, partnership_id)

    async def set_kpi_targets(self, partnership_id: int, targets: Mapping[str, Decimal]) -> int:
        return await plan_records.set_kpi_targets(self.session, partnership_id, targets)
