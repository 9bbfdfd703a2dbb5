"""The workspace's pages for one reader: facts from the store, views in their language.

``web/workspace.py`` asks this for a page and renders what it gets; ``None`` means "no
such page for you" (an unknown partnership or step, or one the reader is not a member
of: the same answer, so nobody learns which exist).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from c2cbot.clock import Clock
from c2cbot.domain.steps import Step
from c2cbot.flows.commanding import coordinator_role
from c2cbot.flows.schema import Conversation, OptionSource, Question
from c2cbot.flows.texts import Texts
from c2cbot.workspace.activities import ActivitiesPage, activities_page
from c2cbot.workspace.facts import Reader
from c2cbot.workspace.kpis import KpiPage, kpi_page
from c2cbot.workspace.meetings import MeetingsPage, calendar_file, meetings_page
from c2cbot.workspace.overview import Heading, Overview, overview, partnership_lines
from c2cbot.workspace.ports import Pages
from c2cbot.workspace.step_page import (
    Completion,
    StepPage,
    completion,
    step_page,
    typed_texts,
)
from c2cbot.workspace.translations import MachineTranslations
from c2cbot.workspace.wording import Wording

STEPS = frozenset(step.value for step in Step)


class OnlyCoordinators(Exception):
    """A coordinator's page opened by a member of the partnership."""


class Workspace:
    def __init__(
        self,
        pages: Pages,
        texts: Texts,
        conversations: Mapping[str, Conversation],
        clock: Clock,
        translations: MachineTranslations | None = None,
    ) -> None:
        self.pages, self.texts, self.conversations, self.clock = pages, texts, conversations, clock
        self.translations = translations

    def wording(self, reader: Reader, language: str | None = None) -> Wording:
        """The reader's words: ``language`` if the page asks for one, else their own."""
        chosen = language if language in self.texts.languages else reader.language
        return Wording(self.texts, self.texts.choose_language(chosen), reader.timezone)

    async def partnerships(self, reader: Reader, say: Wording) -> list[Heading]:
        return partnership_lines(await self.pages.partnerships(reader.stakeholder_id), say)

    async def overview(self, reader: Reader, partnership_id: int, say: Wording) -> Overview | None:
        now = self.clock()
        facts = await self.pages.overview(partnership_id, reader.stakeholder_id, say.today(now))
        return overview(facts, self.conversations, say, now) if facts else None

    async def step(
        self, reader: Reader, partnership_id: int, step: str, say: Wording
    ) -> StepPage | None:
        conversation = self._step(step)
        if conversation is None:
            return None
        facts = await self.pages.step(
            partnership_id, reader.stakeholder_id, step, kpis=_picks_kpis(conversation)
        )
        if facts is None:
            return None
        found = None
        if self.translations is not None:
            typed = typed_texts(facts, conversation)
            found = await self.translations.into(typed, say.language, self.clock())
        return step_page(facts, conversation, say, found)

    async def completion(
        self, reader: Reader, partnership_id: int, step: str, say: Wording
    ) -> Completion | None:
        """The step's completion; ``OnlyCoordinators`` for a member of the partnership."""
        conversation = self._step(step)
        if conversation is None:
            return None
        facts = await self.pages.step(partnership_id, reader.stakeholder_id, step, completion=True)
        if facts is None:
            return None
        if not coordinator_role(facts.partnership.role):
            raise OnlyCoordinators
        return completion(facts, conversation, say)

    async def activities(
        self,
        reader: Reader,
        partnership_id: int,
        say: Wording,
        *,
        city: str | None = None,
        status: str | None = None,
    ) -> ActivitiesPage | None:
        """The activities tracker, late ones marked on the reader's today by the bot's clock."""
        found = await self.pages.activities(partnership_id, reader.stakeholder_id)
        if found is None:
            return None
        partnership, activities = found
        today = say.today(self.clock())
        return activities_page(partnership, activities, today, say, city=city, status=status)

    async def kpis(self, reader: Reader, partnership_id: int, say: Wording) -> KpiPage | None:
        """Each KPI per city against its target over time, with every reported value."""
        facts = await self.pages.kpis(partnership_id, reader.stakeholder_id)
        return kpi_page(facts, say) if facts else None

    async def meetings(
        self, reader: Reader, partnership_id: int, say: Wording
    ) -> MeetingsPage | None:
        facts = await self.pages.meetings(partnership_id, reader.stakeholder_id)
        return meetings_page(facts, self.clock(), say) if facts else None

    async def calendar(
        self, reader: Reader, partnership_id: int, meeting_id: int, host: str, say: Wording
    ) -> str | None:
        """One meeting of the partnership as an iCalendar file; ``host`` names the site
        in its UID."""
        facts = await self.pages.meetings(partnership_id, reader.stakeholder_id, meeting_id)
        if facts is None or not facts.meetings:
            return None
        return calendar_file(facts, host, self.clock(), say)

    def _step(self, step: str) -> Conversation | None:
        return self.conversations.get(step) if step in STEPS else None


def _picks_kpis(conversation: Conversation) -> bool:
    return any(
        q.options_from is OptionSource.PARTNERSHIP_KPIS for q in _all(conversation.questions)
    )


def _all(questions: Iterable[Question]) -> Iterable[Question]:
    for question in questions:
        yield question
        yield from _all(question.questions or [])
