"""The printable partnership report, in two languages at once, as sections.

Each heading and label is said in both of the report's languages ("Cooperation plan ·
合作计划"); answers are as the step pages show them (``step_page``'s views, one per
language), typed text once, in the language it was typed in, and what the bot words
itself (choices, dates, amounts) in both languages where they differ.

The report is a list of sections, each built by one function of ``SECTIONS`` from the
report's facts and rendered by its own template (``templates/web/p/report/``). A section
with nothing to show returns ``None`` and does not appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from c2cbot.domain.display import parenthesised
from c2cbot.domain.steps import LOOPS, STEP_NAMES, Step
from c2cbot.domain.text import N_
from c2cbot.flows.schema import Conversation
from c2cbot.flows.standing import stands
from c2cbot.workspace.activity_facts import ActivityFacts
from c2cbot.workspace.download_facts import DownloadFacts
from c2cbot.workspace.kpi_facts import KpiFacts
from c2cbot.workspace.meetings import MeetingsFacts
from c2cbot.workspace.overview import Heading
from c2cbot.workspace.step_page import Column, Given, QuestionView, Shown, step_page
from c2cbot.workspace.wording import Wording

REPORT = N_("Partnership report")
CITIES = N_("Cities")
WORK_PATH = N_("Work path")
CURRENT_STEP = N_("Current step")
REPORT_DATE = N_("Date of this report")
COOPERATION_PLAN = N_("Cooperation plan")
NO_ANSWER = N_("No answer yet")
#: The steps whose answers make the cooperation plan, in the narrative's order.
PLAN_STEPS = (Step.AIM, Step.COMMIT, Step.PARTNER, Step.PLAN, Step.ACT)


@dataclass(frozen=True)
class Said:
    """A text in one language; ``code`` for the page's ``lang`` attribute ("zh-Hans")."""

    text: str
    code: str


Both = tuple[Said, ...]  # the same thing in each of the report's languages (once if alike)


@dataclass(frozen=True)
class ReportFacts:
    """What the sections are built from: the cooperation plan's answers, and the
    partnership's record of work (``report_records``)."""

    downloads: DownloadFacts
    conversations: Mapping[str, Conversation]
    words: tuple[Wording, ...]  # the report's languages, the first first
    today: date  # the reader's
    now: datetime | None = None
    kpis: KpiFacts | None = None
    activities: tuple[ActivityFacts, ...] = ()
    meetings: MeetingsFacts | None = None


@dataclass(frozen=True)
class Section:
    key: str  # "partnership", "plan"; the id of the section's heading
    template: str  # under templates/web/p/
    title: Both
    view: Any


SectionBuilder = Callable[[ReportFacts], Section | None]


@dataclass(frozen=True)
class Report:
    heading: Heading  # in the reader's language, for the page around the report
    title: Both
    languages: tuple[str, ...]
    sections: tuple[Section, ...]


def report(
    facts: ReportFacts, heading: Heading, builders: Sequence[SectionBuilder] | None = None
) -> Report:
    """``builders``: the sections, in order (``SECTIONS`` if not given)."""
    sections = (build(facts) for build in builders or SECTIONS)
    return Report(
        heading,
        said(facts.words, REPORT),
        tuple(say.language for say in facts.words),
        tuple(section for section in sections if section is not None),
    )


def said(words: Sequence[Wording], message: str, **params: object) -> Both:
    """``message`` in each of the report's languages."""
    return alike((say(message, **params), say.language) for say in words)


def alike(texts: Iterable[tuple[str, str]]) -> Both:
    """(text, language) pairs as ``Both``, a text said alike in two languages once."""
    found: list[Said] = []
    for text, language in texts:
        if all(text != seen.text for seen in found):
            found.append(Said(text, language.replace("_", "-")))
    return tuple(found)


# ----- the partnership: its cities, work path, current step and the report's date


@dataclass(frozen=True)
class Fact:
    label: Both
    value: Both


def partnership_section(facts: ReportFacts) -> Section:
    words, partnership = facts.words, facts.downloads.partnership
    cities = alike(
        (" – ".join(say.named(c.names) for c in partnership.cities), say.language) for say in words
    )
    rows = [Fact(said(words, CITIES), cities)]
    loop = LOOPS.get(partnership.loop)
    if loop is not None:
        path = (
            (say(loop.name) + parenthesised(_steps(say, loop.steps), say.language), say.language)
            for say in words
        )
        rows.append(Fact(said(words, WORK_PATH), alike(path)))
    standing = ((stands(partnership.loop, partnership.step, say)[0], say.language) for say in words)
    rows.append(Fact(said(words, CURRENT_STEP), alike(standing)))
    today = alike((say.day(facts.today), say.language) for say in words)
    rows.append(Fact(said(words, REPORT_DATE), today))
    title = alike((partnership.title(say.language), say.language) for say in words)
    return Section("partnership", "p/report/partnership.html", title, tuple(rows))


def _steps(say: Wording, steps: Sequence[Step]) -> str:
    return " → ".join(say(STEP_NAMES[step]) for step in steps)


# ----- the cooperation plan: the steps' answers, both cities side by side


@dataclass(frozen=True)
class Answered:
    person: Both  # a name as written; an erased person "Former member" in each language
    when: Both
    answer: Both  # empty for a list's answer: its items say it
    items: tuple[tuple[tuple[Both, Both], ...], ...]  # each item's (question, answer)


@dataclass(frozen=True)
class PlanQuestion:
    number: int
    prompt: Both
    cells: tuple[tuple[Answered, ...], ...]  # one per city of the step's ``cities``


@dataclass(frozen=True)
class PlanStep:
    step: str
    name: Both
    title: Both
    cities: tuple[Both, ...]  # the partnership's, and "Other cities" if someone else answered
    questions: tuple[PlanQuestion, ...]  # those someone answered
    no_answer: Both


def plan_section(facts: ReportFacts) -> Section | None:
    steps = tuple(
        _plan_step(facts, facts.conversations[step.value])
        for step in PLAN_STEPS
        if step.value in facts.conversations
    )
    if not steps:
        return None
    title = said(facts.words, COOPERATION_PLAN)
    return Section("plan", "p/report/plan.html", title, steps)


def _plan_step(facts: ReportFacts, conversation: Conversation) -> PlanStep:
    step_facts = facts.downloads.step(conversation.id)
    pages = [step_page(step_facts, conversation, say) for say in facts.words]
    codes = tuple(say.language for say in facts.words)
    zipped = [tuple(views) for views in zip(*(page.questions for page in pages), strict=True)]
    widest = max(zipped, key=lambda views: len(views[0].columns))
    cities = tuple(
        alike(zip((column.city for column in columns), codes, strict=True))
        for columns in zip(*(view.columns for view in widest), strict=True)
    )
    questions = (_question(views, len(cities), codes) for views in zipped)
    return PlanStep(
        conversation.id,
        alike(zip((page.name for page in pages), codes, strict=True)),
        alike(zip((page.title for page in pages), codes, strict=True)),
        cities,
        tuple(q for q in questions if q is not None),
        said(facts.words, NO_ANSWER),
    )


# The step page's views of one thing, one per language, zipped into one bilingual view:
# the same facts make them, so they have the same shape.


def _question(
    views: Sequence[QuestionView], width: int, codes: Sequence[str]
) -> PlanQuestion | None:
    columns = list(zip(*(view.columns for view in views), strict=True))
    if not any(column[0].given for column in columns):
        return None
    cells = [_answers(column, codes) for column in columns]
    return PlanQuestion(
        views[0].number,
        alike(zip((view.prompt for view in views), codes, strict=True)),
        tuple(cells) + ((),) * (width - len(cells)),  # no "Other cities" for this one
    )


def _answers(columns: Sequence[Column], codes: Sequence[str]) -> tuple[Answered, ...]:
    given = zip(*(column.given for column in columns), strict=True)
    return tuple(_given(each, codes) for each in given)


def _given(given: Sequence[Given], codes: Sequence[str]) -> Answered:
    answers = [g.answer for g in given if g.answer is not None]
    items = tuple(
        tuple(
            (alike(zip((f.label for f in fields), codes, strict=True)), _shown(fields, codes))
            for fields in zip(*item, strict=True)
        )
        for item in zip(*(g.items for g in given), strict=True)
    )
    return Answered(
        alike(zip((g.person for g in given), codes, strict=True)),
        alike(zip((g.when for g in given), codes, strict=True)),
        _shown(answers, codes) if answers else (),
        items,
    )


def _shown(shown: Sequence[Shown], codes: Sequence[str]) -> Both:
    """An answer: typed text once, in the language it was typed in; the bot's words in
    each language."""
    if shown[0].code is not None:
        return (Said(shown[0].text, shown[0].code.replace("_", "-")),)
    return alike(zip((s.text for s in shown), codes, strict=True))


#: The report's first sections; ``report_records`` adds the record of work after them.
SECTIONS: tuple[SectionBuilder, ...] = (partnership_section, plan_section)
