"""The printable report's record of work: KPIs against their targets, the activities and
the meetings, in the report's two languages.

Each section is the workspace page's own view (``kpis``, ``activities``, ``meetings``),
made once per language and zipped, as the cooperation plan zips the step pages: the
same facts make each language's view, so they line up one to one, and the report says
exactly what the pages say. Typed text (titles, decisions) appears once, in the language
it was typed in; the bot's own words in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from c2cbot.domain.text import N_
from c2cbot.workspace.activities import activities_page
from c2cbot.workspace.kpis import KpiView, kpi_page
from c2cbot.workspace.meetings import MeetingLine, meetings_page
from c2cbot.workspace.report import Both, ReportFacts, Said, Section, alike, said

KPIS = N_("KPIs against targets")  # the digest's heading
ACTIVITIES = N_("Activities")
MEETINGS = N_("Meetings")
ACTIVITY = N_("Activity")
OWNER = N_("Owner")
DUE = N_("Due")
STATUS = N_("Status")
PROGRESS = N_("Progress")
UPCOMING = N_("Upcoming meetings")
PAST = N_("Past meetings")
DECISIONS = N_("Decisions")
NO_VALUES = N_("No values have been reported yet.")


@dataclass(frozen=True)
class KpiBlock:
    name: Both
    details: tuple[tuple[Both, Both], ...]
    charts: tuple[Markup, ...]  # drawn in the report's first language
    none: Both | None  # "no values yet", when there is no chart


@dataclass(frozen=True)
class ActivityRow:
    title: Said
    owner: Both
    due: Both
    status: Both
    progress: Both
    late: bool


@dataclass(frozen=True)
class ActivityTable:
    headers: tuple[Both, ...]
    rows: tuple[ActivityRow, ...]


@dataclass(frozen=True)
class MeetingBlock:
    when: Both
    kind: Both
    place: Said | None
    decisions: tuple[Said, ...]


@dataclass(frozen=True)
class MeetingGroups:
    groups: tuple[tuple[Both, tuple[MeetingBlock, ...]], ...]  # (title, meetings)
    decisions: Both


def kpis_section(facts: ReportFacts) -> Section | None:
    if facts.kpis is None or not facts.kpis.plans:
        return None
    pages = [kpi_page(facts.kpis, say) for say in facts.words]
    blocks = tuple(_kpi(views, facts) for views in zip(*(p.kpis for p in pages), strict=True))
    return Section("kpis", "p/report/kpis.html", said(facts.words, KPIS), blocks)


def _kpi(views: Sequence[KpiView], facts: ReportFacts) -> KpiBlock:
    codes = _codes(facts)
    details = tuple(
        (_both((label for label, _ in row), codes), _both((text for _, text in row), codes))
        for row in zip(*(view.details for view in views), strict=True)
    )
    charts = tuple(chart.svg for chart in views[0].charts)
    none = None if charts else said(facts.words, NO_VALUES)
    return KpiBlock(_both((view.name for view in views), codes), details, charts, none)


def activities_section(facts: ReportFacts) -> Section | None:
    if not facts.activities:
        return None
    pages = [
        activities_page(facts.downloads.partnership, facts.activities, facts.today, say)
        for say in facts.words
    ]
    codes = _codes(facts)
    rows = tuple(
        ActivityRow(
            Said(lines[0].title.text, lines[0].title.code.replace("_", "-")),
            _both((line.owner for line in lines), codes),
            _both((line.due or "–" for line in lines), codes),
            _both((line.status_label for line in lines), codes),
            _both((line.progress or "–" for line in lines), codes),
            lines[0].late,
        )
        for lines in zip(*(page.lines for page in pages), strict=True)
    )
    headers = tuple(said(facts.words, h) for h in (ACTIVITY, OWNER, DUE, STATUS, PROGRESS))
    table = ActivityTable(headers, rows)
    return Section("activities", "p/report/activities.html", said(facts.words, ACTIVITIES), table)


def meetings_section(facts: ReportFacts) -> Section | None:
    if facts.meetings is None or not facts.meetings.meetings or facts.now is None:
        return None
    now, codes = facts.now, _codes(facts)
    pages = [meetings_page(facts.meetings, now, say) for say in facts.words]
    groups = []
    for title, part in ((UPCOMING, "upcoming"), (PAST, "past")):
        lines = zip(*(getattr(page, part) for page in pages), strict=True)
        blocks = tuple(_meeting(each, codes) for each in lines)
        if blocks:
            groups.append((said(facts.words, title), blocks))
    view = MeetingGroups(tuple(groups), said(facts.words, DECISIONS))
    return Section("meetings", "p/report/meetings.html", said(facts.words, MEETINGS), view)


def _meeting(lines: Sequence[MeetingLine], codes: Sequence[str]) -> MeetingBlock:
    first = lines[0]
    place = Said(first.place.text, first.place.code) if first.place else None
    decisions = tuple(Said(d.text, d.code) for d in first.decisions)
    return MeetingBlock(
        _both((line.when for line in lines), codes),
        _both((line.kind for line in lines), codes),
        place,
        decisions,
    )


def _codes(facts: ReportFacts) -> tuple[str, ...]:
    return tuple(say.language for say in facts.words)


def _both(texts: Iterable[str], codes: Sequence[str]) -> Both:
    return alike(zip(texts, codes, strict=True))


#: The report's record sections, after the partnership and its cooperation plan.
RECORD_SECTIONS = (kpis_section, activities_section, meetings_section)
