"""What the downloads read: the partnership and, for the workbook and the report, the
answers of the steps asked for, in a fixed number of statements however many there are.

Membership first, as every workspace page: without one the answer is ``None``, the same
as for a partnership that does not exist. The answers are ranked as ``current_answers``
ranks them, so the workbook's "current" and the step pages agree.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from c2cbot.store import plan_records, workspace_activities
from c2cbot.store.database import Database
from c2cbot.store.models import City, PartnershipCity
from c2cbot.store.workspace_kpis import kpi_facts
from c2cbot.store.workspace_meetings import meeting_notes
from c2cbot.store.workspace_reads import answer_rows, member_partnership
from c2cbot.workspace.download_facts import DownloadFacts, RecordFacts
from c2cbot.workspace.facts import PartnershipFacts
from c2cbot.workspace.meetings import MeetingsFacts


class SqlDownloads:
    """``workspace.downloads.DownloadReads``: each call is one read-only session."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def answers(
        self, partnership_id: int, stakeholder_id: int, conversations: Collection[str]
    ) -> DownloadFacts | None:
        """The partnership and the answers of ``conversations`` (none: no answers read)."""
        async with self.database.sessions() as session:
            partnership = await member_partnership(session, partnership_id, stakeholder_id)
            if partnership is None:
                return None
            countries = tuple(await _countries(session, partnership_id))
            if not conversations:
                return DownloadFacts(partnership, countries)
            return DownloadFacts(
                partnership,
                countries,
                await answer_rows(session, partnership_id, conversations),
                tuple(await plan_records.members(session, partnership_id)),
                tuple(await plan_records.kpi_targets(session, partnership_id)),
            )

    async def records(self, partnership: PartnershipFacts) -> RecordFacts:
        async with self.database.sessions() as session:
            return RecordFacts(
                await kpi_facts(session, partnership),
                tuple(await workspace_activities.activities(session, partnership.id)),
                MeetingsFacts(partnership, tuple(await meeting_notes(session, partnership.id))),
            )


async def _countries(session: AsyncSession, partnership_id: int) -> list[tuple[str, str]]:
    query = (
        select(City.side, City.country)
        .join(PartnershipCity, PartnershipCity.city_id == City.id)
        .where(PartnershipCity.partnership_id == partnership_id)
        .order_by(City.side.desc(), City.name_en)
    )
    return [(side, country) for side, country in await session.execute(query)]
