"""The downloads of a partnership: the page that lists them, the answers' workbook and
the printable report, for one reader.

The workbook's questions are in a language the reader picks (their own unless they pick
another); the report is in two, by default its cities' languages as the partnership's
group chat has them (``domain.cities.group_languages``: English or German beside
Chinese). ``None`` means "no such page for you", as everywhere in the workspace.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c2cbot.clock import Clock
from c2cbot.domain.cities import CHINESE, group_languages
from c2cbot.domain.people import Side
from c2cbot.domain.steps import Step
from c2cbot.flows.schema import Conversation
from c2cbot.flows.texts import Texts
from c2cbot.workspace.answer_sheets import Workbook, answer_sheets
from c2cbot.workspace.download_facts import DownloadFacts, RecordFacts
from c2cbot.workspace.facts import PartnershipFacts, Reader
from c2cbot.workspace.overview import Heading, heading
from c2cbot.workspace.report import PLAN_STEPS, SECTIONS, Report, ReportFacts, report
from c2cbot.workspace.report_records import RECORD_SECTIONS
from c2cbot.workspace.wording import Wording

LONGEST_LANGUAGES = 2  # a report is in one language or two
STEPS = tuple(step.value for step in Step)


class DownloadReads(Protocol):
    async def answers(
        self, partnership_id: int, stakeholder_id: int, conversations: Collection[str]
    ) -> DownloadFacts | None:
        """The partnership (``None`` unless the reader is a member) and the answers of
        ``conversations`` (none read when it is empty)."""

    async def records(self, partnership: PartnershipFacts) -> RecordFacts:
        """The KPIs, activities and meetings of a partnership the reader belongs to."""


@dataclass(frozen=True)
class Choice:
    href: str
    names: tuple[tuple[str, str], ...]  # each language's name in itself, and its code
    default: bool


@dataclass(frozen=True)
class DownloadsPage:
    heading: Heading
    sheets: tuple[Choice, ...]  # the answers' workbook, one link per language
    reports: tuple[Choice, ...]  # the report, one link per pair of languages, default first


@dataclass(frozen=True)
class AnswersFile:
    book: Workbook
    name: str  # the partnership's name, for the file's
    language: str
    made: datetime


class Downloads:
    def __init__(
        self,
        reads: DownloadReads,
        texts: Texts,
        conversations: Mapping[str, Conversation],
        clock: Clock,
    ) -> None:
        self.reads, self.texts, self.conversations, self.clock = reads, texts, conversations, clock

    async def page(self, reader: Reader, partnership_id: int, say: Wording) -> DownloadsPage | None:
        facts = await self.reads.answers(partnership_id, reader.stakeholder_id, ())
        if facts is None:
            return None
        base = f"/p/{partnership_id}"
        sheets = tuple(
            Choice(f"{base}/answers.xlsx?lang={code}", ((name, code),), code == say.language)
            for code, name in self.texts.languages.items()
        )
        default = self.default_languages(facts)
        reports = tuple(
            Choice(
                f"{base}/report?languages={','.join(pair)}",
                tuple((self.texts.languages[code], code) for code in pair),
                pair == default,
            )
            for pair in [default, *(p for p in self._pairs() if p != default)]
        )
        return DownloadsPage(heading(facts.partnership, say), sheets, reports)

    async def answers(
        self, reader: Reader, partnership_id: int, say: Wording
    ) -> AnswersFile | None:
        """The answers' workbook in ``say``'s language (the one asked for, else the
        reader's); worded here, written to bytes by ``c2cbot.workbooks``."""
        facts = await self.reads.answers(partnership_id, reader.stakeholder_id, STEPS)
        if facts is None:
            return None
        book = answer_sheets(facts, self.conversations, say)
        return AnswersFile(book, facts.partnership.name, say.language, self.clock())

    async def report(
        self, reader: Reader, partnership_id: int, asked: str | None, say: Wording
    ) -> Report | None:
        """The report in the languages ``asked`` ("en,zh_Hans"), else its default ones."""
        wanted = [step.value for step in PLAN_STEPS]
        facts = await self.reads.answers(partnership_id, reader.stakeholder_id, wanted)
        if facts is None:
            return None
        languages = self.chosen_languages(asked) or self.default_languages(facts)
        words = tuple(Wording(self.texts, code, reader.timezone) for code in languages)
        now = self.clock()
        kept = await self.reads.records(facts.partnership)
        found = ReportFacts(
            facts,
            self.conversations,
            words,
            say.today(now),
            now,
            kept.kpis,
            kept.activities,
            kept.meetings,
        )
        return report(found, heading(facts.partnership, say), (*SECTIONS, *RECORD_SECTIONS))

    def default_languages(self, facts: DownloadFacts) -> tuple[str, ...]:
        """The cities' languages, as the partnership's group chat has them."""
        countries = ((Side(side), country) for side, country in facts.countries)
        return tuple(group_languages(countries, self.texts.languages))

    def chosen_languages(self, asked: str | None) -> tuple[str, ...] | None:
        """One or two known languages, each once; ``None`` for anything else."""
        if not asked:
            return None
        codes = tuple(asked.split(",", LONGEST_LANGUAGES))
        known = len(codes) <= LONGEST_LANGUAGES and all(c in self.texts.languages for c in codes)
        return codes if known and len(set(codes)) == len(codes) else None

    def _pairs(self) -> Sequence[tuple[str, ...]]:
        """Every two languages, Chinese second, the others in the menu's order."""
        codes = sorted(self.texts.languages, key=lambda code: code == CHINESE)
        return [(a, b) for n, a in enumerate(codes) for b in codes[n + 1 :]]
